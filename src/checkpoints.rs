//! Signed checkpoints: the audit chain's head, anchored outside the database.
//!
//! The chain's hashes catch an edited or removed entry, but someone who can
//! write the database could rewrite an entry, re-hash every later one and
//! move the head, or drop the newest entries and move the head back. A
//! checkpoint records, at a moment, the sequence number and hash of the
//! newest entry, signed with an Ed25519 key derived from the master key
//! (`crate::keys`), which never lives in the database.
//!
//! Where a checkpoint goes, each out of reach of database access alone:
//! - the public event feed (`audit.checkpoint` events, so webhook
//!   subscribers and anyone following the feed keep a copy) and the OCDS
//!   packages (`auditCheckpoint`, the latest one);
//! - the checkpoint log, one JSON line per checkpoint, appended after the
//!   commit (`--checkpoint-log`, default `<data-dir>/audit-checkpoints.jsonl`;
//!   point it at storage the database's users cannot write);
//! - the chain itself (an `audit.checkpoint` entry), which carries the
//!   checkpoint to the feed in commit order.
//!
//! [`run`] makes one every ten minutes when the chain moved (under the
//! `audit_checkpoint` lease, so one instance does it); `cogov audit
//! checkpoint` makes one now. [`verify`] checks the chain against every
//! checkpoint it is given (the chain's own, the log, and any archive a third
//! party kept): a checkpoint not signed by this deployment's key, an entry
//! a checkpoint recorded that is gone (truncation), or one whose hash
//! differs (a rewrite at or before it) is named, earliest first.
//!
//! What is signed is the text `cogov audit checkpoint v1\n<seq>\n<hash>\n<at>`
//! (`at` in RFC 3339 with microseconds, UTC): anyone with the public key,
//! which every checkpoint carries, can check one without cogov.

use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, SubsecRound as _, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use entity::{audit_entries, audit_head};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, Change, Who};
use crate::db::Db;
use crate::error::{Error, Result};

/// The audit action (and feed event type) of a checkpoint.
pub const ACTION: &str = "audit.checkpoint";
/// The audit entity type of a checkpoint.
pub const ENTITY: &str = "audit_checkpoint";
/// The lease the periodic job takes.
const JOB: &str = "audit_checkpoint";
/// What every signed message starts with.
const DOMAIN: &str = "cogov audit checkpoint v1";

/// One signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The sequence number of the newest entry at the time.
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
    /// When the checkpoint was made: RFC 3339, UTC, always six fractional
    /// digits, exactly as signed.
    #[serde(with = "micros")]
    pub at: DateTime<Utc>,
    /// The Ed25519 public key that signed it, hex.
    pub public_key: String,
    /// The signature over [`Checkpoint::message`], hex.
    pub signature: String,
}

/// `at` as it is signed, so a third party can use the JSON's text as is.
mod micros {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Micros, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

impl Checkpoint {
    /// The text that is signed.
    #[must_use]
    pub fn message(seq: i64, hash: &str, at: DateTime<Utc>) -> String {
        format!(
            "{DOMAIN}\n{seq}\n{hash}\n{}",
            at.to_rfc3339_opts(SecondsFormat::Micros, true)
        )
    }

    /// Signs the chain's state `(seq, hash)` at `at`.
    #[must_use]
    pub fn sign(key: &SigningKey, seq: i64, hash: &str, at: DateTime<Utc>) -> Self {
        let at = at.trunc_subsecs(6);
        let signature = key.sign(Self::message(seq, hash, at).as_bytes());
        Self {
            seq,
            hash: hash.to_owned(),
            at,
            public_key: hex::encode(key.verifying_key().as_bytes()),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// Whether `key` signed exactly this checkpoint.
    ///
    /// # Errors
    /// Why not: another key, or a signature that does not match the content.
    pub fn check(&self, key: &VerifyingKey) -> std::result::Result<(), String> {
        if self.public_key != hex::encode(key.as_bytes()) {
            return Err(format!(
                "the checkpoint of entry {} is signed by another key ({}), not this deployment's",
                self.seq, self.public_key
            ));
        }
        let signature = hex::decode(&self.signature)
            .ok()
            .and_then(|b| Signature::from_slice(&b).ok())
            .ok_or_else(|| {
                format!(
                    "the checkpoint of entry {} has no valid signature",
                    self.seq
                )
            })?;
        key.verify(
            Self::message(self.seq, &self.hash, self.at).as_bytes(),
            &signature,
        )
        .map_err(|_| {
            format!(
                "the checkpoint of entry {} does not match its signature: it was forged or changed",
                self.seq
            )
        })
    }
}

/// Makes a checkpoint of the chain as it is now, unless nothing but the last
/// checkpoint was appended since; the checkpoint's own entry goes into the
/// chain (and so the feed) in the same transaction.
///
/// # Errors
/// `Internal` without a keyring; the database's error.
pub async fn make(db: &Db, now: DateTime<Utc>) -> Result<Option<Checkpoint>> {
    let signer = db.keys()?.checkpoint_signer().clone();
    let tx = db.begin().await?;
    let head = audit_head::Entity::find_by_id(1)
        .one(&*tx)
        .await?
        .ok_or_else(|| Error::Internal("audit_head row 1 is missing".into()))?;
    let last = latest(&*tx).await?;
    if head.last_seq == 0 || last.is_some_and(|c| c.seq + 1 >= head.last_seq) {
        return Ok(None);
    }
    let checkpoint = Checkpoint::sign(&signer, head.last_seq, &head.last_hash, now);
    let id = Uuid::now_v7();
    let entry = audit::append(
        &*tx,
        &Who::system(),
        Change::new::<(), _>(ACTION, ENTITY, id, None, Some(&checkpoint)),
        checkpoint.at,
    )
    .await?;
    crate::open::record(&*tx, &entry, crate::open::Event::Checkpoint(id)).await?;
    tx.commit().await?;
    Ok(Some(checkpoint))
}

/// Makes a checkpoint under the job's lease and appends it to `log`: `None`
/// when another instance holds the lease or the chain did not move.
///
/// # Errors
/// The database's error, or the log's (the checkpoint is then in the chain
/// and the feed, and the next run writes it to the log again).
pub async fn run(
    db: &Db,
    holder: &str,
    now: DateTime<Utc>,
    log: &Path,
) -> Result<Option<Checkpoint>> {
    let made = crate::jobs::under_lease(db, JOB, holder, now, make(db, now)).await?;
    let Some(Some(checkpoint)) = made else {
        return Ok(None);
    };
    append_to_log(log, &checkpoint)?;
    tracing::info!(
        seq = checkpoint.seq,
        hash = %checkpoint.hash,
        signature = %checkpoint.signature,
        "audit checkpoint"
    );
    Ok(Some(checkpoint))
}

/// Appends one checkpoint to the log file as a JSON line, flushed to disk.
///
/// # Errors
/// `Internal` naming the file.
pub fn append_to_log(log: &Path, checkpoint: &Checkpoint) -> Result<()> {
    let fail =
        |e: std::io::Error| Error::Internal(format!("checkpoint log {}: {e}", log.display()));
    if let Some(dir) = log.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(fail)?;
    let line = serde_json::to_string(checkpoint)
        .map_err(|e| Error::Internal(format!("checkpoint as JSON: {e}")))?;
    writeln!(file, "{line}").map_err(fail)?;
    file.sync_data().map_err(fail)
}

/// Reads checkpoints from a file: JSON lines or one JSON document, each
/// value a checkpoint, a feed event whose `data` is one, or a feed page
/// (`items`) of such events. Values that are none of these are skipped.
///
/// # Errors
/// A message naming the file when it cannot be read or is not JSON.
pub fn read_file(path: &Path) -> std::result::Result<Vec<Checkpoint>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let values: Vec<serde_json::Value> = match serde_json::from_str(&text) {
        Ok(v) => vec![v],
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(n, l)| {
                serde_json::from_str(l)
                    .map_err(|e| format!("{} line {}: {e}", path.display(), n + 1))
            })
            .collect::<std::result::Result<_, _>>()?,
    };
    let mut out = Vec::new();
    for v in values {
        collect(v, &mut out);
    }
    Ok(out)
}

fn collect(v: serde_json::Value, out: &mut Vec<Checkpoint>) {
    match v {
        serde_json::Value::Array(items) => items.into_iter().for_each(|i| collect(i, out)),
        serde_json::Value::Object(mut map) => {
            if let Some(items) = map.remove("items") {
                collect(items, out);
            } else if map.contains_key("signature") {
                if let Ok(c) = serde_json::from_value(serde_json::Value::Object(map)) {
                    out.push(c);
                }
            } else if let Some(data) = map.remove("data") {
                collect(data, out);
            }
        }
        _ => {}
    }
}

/// The newest checkpoint recorded in the chain.
///
/// # Errors
/// The database's error.
pub async fn latest<C: ConnectionTrait>(conn: &C) -> Result<Option<Checkpoint>> {
    let entry = audit_entries::Entity::find()
        .filter(audit_entries::Column::EntityType.eq(ENTITY))
        .order_by_desc(audit_entries::Column::Seq)
        .one(conn)
        .await?;
    Ok(entry.as_ref().and_then(from_entry))
}

fn from_entry(e: &audit_entries::Model) -> Option<Checkpoint> {
    e.after
        .as_deref()
        .and_then(|a| serde_json::from_str(a).ok())
}

/// The checkpoints the chain itself holds, oldest first.
///
/// # Errors
/// The database's error.
pub async fn in_chain<C: ConnectionTrait>(conn: &C) -> Result<Vec<Checkpoint>> {
    Ok(audit_entries::Entity::find()
        .filter(audit_entries::Column::EntityType.eq(ENTITY))
        .order_by_asc(audit_entries::Column::Seq)
        .all(conn)
        .await?
        .iter()
        .filter_map(from_entry)
        .collect())
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Distinct checkpoints checked.
    pub checked: usize,
    /// The newest entry a checkpoint vouches for, if any agreed.
    pub anchored_to: Option<i64>,
    /// What disagrees, earliest entry first.
    pub problems: Vec<Problem>,
}

/// One checkpoint the database disagrees with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The entry the checkpoint is about.
    pub seq: i64,
    /// What is wrong, for the operator.
    pub reason: String,
}

/// Checks the chain against `given` (from outside the database) and the
/// chain's own checkpoints, under this deployment's public key.
///
/// # Errors
/// `Internal` without a keyring; the database's error.
pub async fn verify(db: &Db, given: Vec<Checkpoint>) -> Result<Report> {
    let key = db.keys()?.checkpoint_signer().verifying_key();
    let mut all = in_chain(db.conn()).await?;
    all.extend(given);
    all.sort();
    all.dedup();
    let checked = all.len();
    let mut problems = Vec::new();
    let mut trusted = Vec::new();
    for c in all {
        match c.check(&key) {
            Ok(()) => trusted.push(c),
            Err(reason) => problems.push(Problem { seq: c.seq, reason }),
        }
    }
    // The newest entry a checkpoint (checked in order) still agrees on.
    let mut anchored_to: Option<i64> = None;
    for chunk in trusted.chunks(500) {
        let seqs: Vec<i64> = chunk.iter().map(|c| c.seq).collect();
        let found: std::collections::HashMap<i64, String> = audit_entries::Entity::find()
            .select_only()
            .column(audit_entries::Column::Seq)
            .column(audit_entries::Column::Hash)
            .filter(audit_entries::Column::Seq.is_in(seqs))
            .into_tuple::<(i64, String)>()
            .all(db.conn())
            .await?
            .into_iter()
            .collect();
        for c in chunk {
            let since = anchored_to.map_or_else(
                || "the start".to_owned(),
                |s| format!("entry {s}, where an earlier checkpoint still agrees"),
            );
            let at = c.at.to_rfc3339_opts(SecondsFormat::Secs, true);
            match found.get(&c.seq) {
                None => problems.push(Problem {
                    seq: c.seq,
                    reason: format!(
                        "entry {} is gone, but the checkpoint of {at} recorded it: the chain was \
                         truncated or rewritten after {since}",
                        c.seq
                    ),
                }),
                Some(hash) if *hash != c.hash => problems.push(Problem {
                    seq: c.seq,
                    reason: format!(
                        "entry {} differs from the checkpoint of {at}: history between {since} \
                         and entry {} was rewritten",
                        c.seq, c.seq
                    ),
                }),
                Some(_) => anchored_to = Some(c.seq),
            }
        }
    }
    problems.sort_by_key(|p| p.seq);
    Ok(Report {
        checked,
        anchored_to,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    #[test]
    fn a_checkpoint_verifies_under_its_key_only_and_not_once_changed() {
        let at = DateTime::<Utc>::from_timestamp(1_800_000_000, 123_456_789).unwrap();
        let c = Checkpoint::sign(&key(1), 42, &"a".repeat(64), at);
        assert_eq!(c.at.timestamp_subsec_nanos(), 123_456_000, "microseconds");
        assert_eq!(c.check(&key(1).verifying_key()), Ok(()));
        assert!(
            c.check(&key(2).verifying_key())
                .unwrap_err()
                .contains("another key")
        );
        let mut moved = c.clone();
        moved.hash = "b".repeat(64);
        assert!(
            moved
                .check(&key(1).verifying_key())
                .unwrap_err()
                .contains("forged")
        );
        let mut later = c.clone();
        later.seq = 43;
        assert!(later.check(&key(1).verifying_key()).is_err());
        // An attacker's own key, named as the checkpoint's, is still not ours.
        let forged = Checkpoint::sign(&key(3), 42, &"b".repeat(64), at);
        assert!(forged.check(&key(1).verifying_key()).is_err());
    }

    #[test]
    fn the_json_carries_the_time_exactly_as_signed() {
        let at = DateTime::<Utc>::from_timestamp(1_800_000_000, 500_000_000).unwrap();
        let c = Checkpoint::sign(&key(1), 7, "ab", at);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["at"], "2027-01-15T08:00:00.500000Z");
        let back: Checkpoint = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn the_signed_text_is_documented_and_stable() {
        let at = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(
            Checkpoint::message(7, "ab", at),
            "cogov audit checkpoint v1\n7\nab\n2027-01-15T08:00:00.000000Z"
        );
    }

    #[test]
    fn files_hold_lines_arrays_or_feed_pages() {
        let dir = tempfile::tempdir().unwrap();
        let at = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let c = Checkpoint::sign(&key(1), 3, "h", at);
        let log = dir.path().join("log.jsonl");
        append_to_log(&log, &c).unwrap();
        append_to_log(&log, &c).unwrap();
        assert_eq!(read_file(&log).unwrap(), vec![c.clone(), c.clone()]);
        let page = dir.path().join("feed.json");
        let feed = serde_json::json!({"items": [
            {"event_type": "project.published", "data": {"project_id": "x"}},
            {"event_type": "audit.checkpoint", "data": c},
        ], "next_cursor": "9"});
        std::fs::write(&page, feed.to_string()).unwrap();
        assert_eq!(read_file(&page).unwrap(), vec![c]);
        std::fs::write(&page, "{not json").unwrap();
        assert!(read_file(&page).unwrap_err().contains("line 1"));
    }
}
