//! The audit chain: every state change appends one entry, in the same
//! transaction as the change, recording who (user and role), what (action,
//! entity type and id), before and after (canonical JSON) and when.
//!
//! Each entry's `hash` is SHA-256 over the previous entry's hash and this
//! entry's content, so editing or deleting any row breaks the chain from that
//! point on; [`verify`] walks it and names the first broken entry.
//!
//! Appends lock the single `audit_head` row first (`UPDATE ... SET last_seq =
//! last_seq + 1`), so concurrent transactions take turns and the chain never
//! forks; on SQLite the writer queue in `db` gives the same order.
//!
//! Who may read entries: auditors and admins (see `auth::policy`). Nobody
//! writes them except through [`append`].
//!
//! What it must not touch: any other area. The chain only appends and
//! verifies; a command that makes a public change also hands its event to
//! `crate::open`, and the signed checkpoints that anchor the chain outside
//! the database live in `crate::checkpoints`.

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{audit_entries, audit_head};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::Result;
use crate::pagination::PageRequest;

/// The hash the first entry links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change, as the audit chain records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// The user, or `None` for the system.
    pub user_id: Option<Uuid>,
    /// Their role at the time, or `system`.
    pub role: String,
}

impl Who {
    /// The system itself (jobs, migrations of data, the command line without a user).
    #[must_use]
    pub fn system() -> Self {
        Self {
            user_id: None,
            role: "system".into(),
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change {
    /// What happened, `<entity>.<verb>` (`user.create`).
    pub action: &'static str,
    /// Kind of thing changed (`user`).
    pub entity_type: &'static str,
    /// Its id.
    pub entity_id: String,
    /// State before, if it existed.
    pub before: Option<serde_json::Value>,
    /// State after, if it still exists.
    pub after: Option<serde_json::Value>,
}

impl Change {
    /// A change from `before` to `after`, both serialised to JSON.
    pub fn new<B: Serialize, A: Serialize>(
        action: &'static str,
        entity_type: &'static str,
        entity_id: impl ToString,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Self {
        Self {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: after.and_then(|a| serde_json::to_value(a).ok()),
        }
    }
}

/// Appends `change` to the chain inside the caller's transaction.
///
/// # Errors
/// The database's error; the caller's transaction should then roll back.
pub async fn append<C: ConnectionTrait>(
    tx: &C,
    who: &Who,
    change: Change,
    at: DateTime<Utc>,
) -> Result<audit_entries::Model, DbErr> {
    // Taking the head row's lock first is what keeps concurrent appends in one line.
    audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::LastSeq,
            Expr::col(audit_head::Column::LastSeq).add(1),
        )
        .filter(audit_head::Column::Id.eq(1))
        .exec(tx)
        .await?;
    let head = audit_head::Entity::find_by_id(1)
        .one(tx)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_head row 1 (run the migrations)".into()))?;
    let mut entry = audit_entries::Model {
        seq: head.last_seq,
        id: Uuid::now_v7(),
        actor_id: who.user_id,
        actor_role: who.role.clone(),
        action: change.action.to_owned(),
        entity_type: change.entity_type.to_owned(),
        entity_id: change.entity_id,
        before: change.before.map(|v| v.to_string()),
        after: change.after.map(|v| v.to_string()),
        at,
        prev_hash: head.last_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::LastHash,
            Expr::value(entry.hash.clone()),
        )
        .filter(audit_head::Column::Id.eq(1))
        .exec(tx)
        .await?;
    audit_entries::Entity::insert(audit_entries::ActiveModel {
        seq: Set(entry.seq),
        id: Set(entry.id),
        actor_id: Set(entry.actor_id),
        actor_role: Set(entry.actor_role.clone()),
        action: Set(entry.action.clone()),
        entity_type: Set(entry.entity_type.clone()),
        entity_id: Set(entry.entity_id.clone()),
        before: Set(entry.before.clone()),
        after: Set(entry.after.clone()),
        at: Set(entry.at),
        prev_hash: Set(entry.prev_hash.clone()),
        hash: Set(entry.hash.clone()),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(entry)
}

/// The hash of an entry: SHA-256 over its predecessor's hash and its content,
/// the content serialised as one JSON array in a fixed field order.
#[must_use]
pub fn entry_hash(e: &audit_entries::Model) -> String {
    let content = serde_json::json!([
        e.seq,
        e.id,
        e.actor_id,
        e.actor_role,
        e.action,
        e.entity_type,
        e.entity_id,
        e.before,
        e.after,
        e.at.to_rfc3339_opts(SecondsFormat::Micros, true),
    ]);
    let mut h = Sha256::new();
    h.update(e.prev_hash.as_bytes());
    h.update(b"\n");
    h.update(content.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries checked before stopping.
    pub checked: u64,
    /// The first broken entry, if any.
    pub broken: Option<Broken>,
}

/// The first place the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// Sequence number of the entry that fails (or is missing).
    pub seq: i64,
    /// Why.
    pub reason: String,
}

/// Walks the whole chain in order and stops at the first broken entry.
///
/// # Errors
/// The database's error.
pub async fn verify<C: ConnectionTrait>(conn: &C) -> Result<VerifyReport, DbErr> {
    const BATCH: u64 = 1000;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut expected_seq = 1i64;
    let mut checked = 0u64;
    loop {
        let batch = audit_entries::Entity::find()
            .filter(audit_entries::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_entries::Column::Seq)
            .limit(BATCH)
            .all(conn)
            .await?;
        let done = (batch.len() as u64) < BATCH;
        for e in batch {
            let fail = |reason: String| VerifyReport {
                checked,
                broken: Some(Broken {
                    seq: expected_seq,
                    reason,
                }),
            };
            if e.seq != expected_seq {
                return Ok(fail(format!(
                    "entry {expected_seq} is missing (next is {})",
                    e.seq
                )));
            }
            if e.prev_hash != prev_hash {
                return Ok(fail(
                    "prev_hash does not match the previous entry's hash".into(),
                ));
            }
            if entry_hash(&e) != e.hash {
                return Ok(fail(
                    "content does not match its hash (the entry was changed)".into(),
                ));
            }
            prev_hash = e.hash;
            expected_seq += 1;
            checked += 1;
        }
        if done {
            break;
        }
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_head row 1".into()))?;
    if head.last_seq != expected_seq - 1 || head.last_hash != prev_hash {
        return Ok(VerifyReport {
            checked,
            broken: Some(Broken {
                seq: expected_seq,
                reason: format!(
                    "the chain ends at entry {} but the head records entry {}: entries were removed",
                    expected_seq - 1,
                    head.last_seq
                ),
            }),
        });
    }
    Ok(VerifyReport {
        checked,
        broken: None,
    })
}

/// Filters for reading the chain.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only entries about this kind of thing.
    pub entity_type: Option<String>,
    /// Only entries about this id.
    pub entity_id: Option<String>,
}

/// Lists entries, newest first. The caller must have passed the policy check
/// and shows sealed entries as `procurement::bids::sealed_entries` says.
///
/// # Errors
/// The database's error.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    filter: &Filter,
    page: &PageRequest,
) -> Result<(Vec<audit_entries::Model>, Option<String>)> {
    let mut q = audit_entries::Entity::find().order_by_desc(audit_entries::Column::Seq);
    if let Some(t) = &filter.entity_type {
        q = q.filter(audit_entries::Column::EntityType.eq(t.clone()));
    }
    if let Some(id) = &filter.entity_id {
        q = q.filter(audit_entries::Column::EntityId.eq(id.clone()));
    }
    if let Some(after) = page.after {
        let anchor = audit_entries::Entity::find()
            .filter(audit_entries::Column::Id.eq(after))
            .one(conn)
            .await?
            .ok_or_else(crate::pagination::invalid_cursor)?;
        q = q.filter(audit_entries::Column::Seq.lt(anchor.seq));
    }
    let rows = q.limit(page.limit + 1).all(conn).await?;
    Ok(page.finish(rows, |e| e.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> audit_entries::Model {
        audit_entries::Model {
            seq: 1,
            id: Uuid::nil(),
            actor_id: None,
            actor_role: "system".into(),
            action: "user.create".into(),
            entity_type: "user".into(),
            entity_id: "x".into(),
            before: None,
            after: Some(r#"{"a":1}"#.into()),
            at: DateTime::<Utc>::UNIX_EPOCH,
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn the_hash_covers_content_and_predecessor() {
        let e = sample();
        let h = entry_hash(&e);
        assert_eq!(h.len(), 64);
        let mut changed = e.clone();
        changed.after = Some(r#"{"a":2}"#.into());
        assert_ne!(entry_hash(&changed), h);
        let mut relinked = e.clone();
        relinked.prev_hash = "1".repeat(64);
        assert_ne!(entry_hash(&relinked), h);
        assert_eq!(entry_hash(&e), h, "the hash is deterministic");
    }
}
