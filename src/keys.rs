//! Secrets at rest: the master key, the data keys it wraps, and sealing
//! (AES-256-GCM, RustCrypto's `aes-gcm`).
//!
//! What is sealed: until its project's opening, a bid's price and texts
//! (`bids.sealed`) and its files (content under `files/sealed/<id>`, name in
//! `files.file_name`), each under the project's own data key; and the
//! answers kept for `Idempotency-Key` (they may repeat a bid), under a key
//! derived from the master key. A copy of the database or of the data
//! directory taken before an opening holds no bid content in clear.
//!
//! Keys: each project's data key is 32 random bytes made with its first
//! sealed thing, stored in `data_keys` sealed by the master key. The master
//! key never enters the database: it is `COGOV_MASTER_KEY` (64 hex digits)
//! or the file `--master-key-file` (default `<data-dir>/master.key`), which
//! the first start creates with mode 0600 when the database has never had
//! one. The `check` row of `data_keys` is a value sealed by the master key:
//! a start with the key missing, or with another key, stops with an error
//! that says so, never with silently unreadable bids. Back the key up with
//! the data (README, "Backups and the master key").
//!
//! The audit chain's checkpoints are signed with an Ed25519 key derived
//! from the master key (`crate::audit::checkpoints`): like the master key it
//! is never in the database, so database access alone cannot forge one.
//!
//! Every sealed value is bound to what it is (`bid:<id>`, `file:<id>`, ...)
//! as associated data, so a ciphertext moved to another row does not open.

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use entity::data_keys;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Bytes of a key.
const KEY_LEN: usize = 32;
/// Bytes of a nonce.
const NONCE_LEN: usize = 12;
/// The id of the check row.
const CHECK_ID: &str = "check";
/// What the check row seals.
const CHECK_TEXT: &[u8] = b"cogov master key check v1";

/// A 256-bit key. Never printed.
#[derive(Clone)]
pub struct Key([u8; KEY_LEN]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

impl Key {
    /// A new random key.
    #[must_use]
    pub fn random() -> Self {
        let mut k = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut k);
        Self(k)
    }

    /// A key from 64 hex digits.
    ///
    /// # Errors
    /// A message saying what is wrong with the text.
    pub fn from_hex(text: &str) -> std::result::Result<Self, String> {
        let bytes = hex::decode(text.trim()).map_err(|e| format!("not hex: {e}"))?;
        let k: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("{} bytes; a key has 32 (64 hex digits)", b.len()))?;
        Ok(Self(k))
    }

    fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A key for `purpose` derived from this one (HMAC-SHA256).
    #[must_use]
    pub fn derive(&self, purpose: &str) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose.as_bytes());
        Self(mac.finalize().into_bytes().into())
    }

    /// Encrypts `plain`, bound to `bound_to`: base64 of nonce and ciphertext.
    #[must_use]
    pub fn seal(&self, bound_to: &str, plain: &[u8]) -> String {
        B64.encode(self.seal_bytes(bound_to, plain))
    }

    /// Encrypts `plain`, bound to `bound_to`: nonce and ciphertext.
    #[must_use]
    pub fn seal_bytes(&self, bound_to: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let cipher = Aes256Gcm::new((&self.0).into());
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: bound_to.as_bytes(),
                },
            )
            .unwrap_or_else(|_| unreachable!("AES-GCM encrypts any message under 64 GB"));
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts what [`Key::seal`] made for `bound_to`.
    ///
    /// # Errors
    /// `Internal` when it does not open (another key, another row, changed).
    pub fn open(&self, bound_to: &str, sealed: &str) -> Result<Vec<u8>> {
        let bytes = B64
            .decode(sealed)
            .map_err(|_| Error::Internal(format!("sealed {bound_to} is not base64")))?;
        self.open_bytes(bound_to, &bytes)
    }

    /// Decrypts what [`Key::seal_bytes`] made for `bound_to`.
    ///
    /// # Errors
    /// `Internal` when it does not open.
    pub fn open_bytes(&self, bound_to: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return Err(Error::Internal(format!("sealed {bound_to} is too short")));
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        Aes256Gcm::new((&self.0).into())
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: bound_to.as_bytes(),
                },
            )
            .map_err(|_| {
                Error::Internal(format!(
                    "sealed {bound_to} does not open under its key: changed, moved or another key"
                ))
            })
    }
}

/// Where the master key comes from.
#[derive(Debug, Clone)]
pub enum MasterKeySource {
    /// Given whole (`COGOV_MASTER_KEY`).
    Value(String),
    /// A file, created on first start when the database never had a key.
    File(PathBuf),
}

impl MasterKeySource {
    /// `COGOV_MASTER_KEY` when given, else the file (default `<data-dir>/master.key`).
    #[must_use]
    pub fn new(value: Option<String>, file: Option<PathBuf>, data_dir: &Path) -> Self {
        match value.filter(|v| !v.trim().is_empty()) {
            Some(v) => Self::Value(v),
            None => Self::File(file.unwrap_or_else(|| data_dir.join("master.key"))),
        }
    }
}

/// The master key of a deployment; cheap to clone.
#[derive(Debug, Clone)]
pub struct Keyring {
    master: Key,
    idempotency: Key,
    checkpoints: ed25519_dalek::SigningKey,
}

impl Keyring {
    /// A keyring over `master`.
    #[must_use]
    pub fn new(master: Key) -> Self {
        Self {
            idempotency: master.derive("cogov idempotency answers v1"),
            checkpoints: ed25519_dalek::SigningKey::from_bytes(
                &master.derive("cogov audit checkpoints v1").0,
            ),
            master,
        }
    }

    /// Loads the master key and checks it against the database: creates the
    /// key file (mode 0600) and the check row when the database never had a
    /// key; refuses a missing or different key when it did.
    ///
    /// # Errors
    /// A message for the operator: which key is missing or wrong, and where.
    pub async fn load<C: ConnectionTrait>(
        conn: &C,
        source: &MasterKeySource,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let check = data_keys::Entity::find_by_id(CHECK_ID.to_owned())
            .one(conn)
            .await?;
        let master = match source {
            MasterKeySource::Value(v) => Key::from_hex(v)
                .map_err(|e| anyhow::anyhow!("COGOV_MASTER_KEY is not a master key: {e}"))?,
            MasterKeySource::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => Key::from_hex(&text)
                    .map_err(|e| anyhow::anyhow!("{} is not a master key: {e}", path.display()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && check.is_none() => {
                    let key = Key::random();
                    write_key_file(path, &key)?;
                    tracing::info!(path = %path.display(), "created the master key: back it up with the data");
                    key
                }
                Err(e) => anyhow::bail!(
                    "the master key {} cannot be read ({e}); this database holds data sealed under it. \
                     Restore the key file from the backup taken with the data, or give the key in \
                     COGOV_MASTER_KEY. Without it sealed bids cannot be opened.",
                    path.display()
                ),
            },
        };
        let ring = Self::new(master);
        match check {
            Some(row) => {
                ring.master.open(CHECK_ID, &row.wrapped).map_err(|_| {
                    anyhow::anyhow!(
                        "the master key given is not the one this database was sealed with; \
                         restore the right key (README, \"Backups and the master key\")"
                    )
                })?;
            }
            None => {
                data_keys::Model {
                    id: CHECK_ID.to_owned(),
                    wrapped: ring.master.seal(CHECK_ID, CHECK_TEXT),
                    created_at: now,
                }
                .into_active_model()
                .insert(conn)
                .await?;
            }
        }
        Ok(ring)
    }

    /// The key audit checkpoints are signed with (Ed25519, derived from the
    /// master key, so it never lives in the database).
    #[must_use]
    pub fn checkpoint_signer(&self) -> &ed25519_dalek::SigningKey {
        &self.checkpoints
    }

    /// The key answers kept for `Idempotency-Key` are sealed under.
    #[must_use]
    pub fn idempotency(&self) -> &Key {
        &self.idempotency
    }

    /// The data key of `project`, made and stored when it has none, inside
    /// the caller's transaction (which holds the project's row lock).
    ///
    /// # Errors
    /// The database's error; `Internal` when the stored key does not open.
    pub async fn project_key<C: ConnectionTrait>(
        &self,
        tx: &C,
        project: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Key> {
        if let Some(key) = self.existing_project_key(tx, project).await? {
            return Ok(key);
        }
        let key = Key::random();
        let id = project.to_string();
        data_keys::Model {
            wrapped: self.master.seal(&format!("data-key:{id}"), &key.0),
            id,
            created_at: now,
        }
        .into_active_model()
        .insert(tx)
        .await?;
        Ok(key)
    }

    /// The data keys of these projects (those that have one), in one query.
    ///
    /// # Errors
    /// The database's error; `Internal` when a stored key does not open.
    pub async fn project_keys<C: ConnectionTrait>(
        &self,
        conn: &C,
        projects: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Key>> {
        use sea_orm::{ColumnTrait as _, QueryFilter as _};
        // Asked even for none, so a page costs the same whatever it holds.
        let rows = data_keys::Entity::find()
            .filter(data_keys::Column::Id.is_in(projects.iter().map(Uuid::to_string)))
            .all(conn)
            .await?;
        rows.into_iter()
            .filter_map(|row| row.id.parse::<Uuid>().ok().map(|id| (id, row)))
            .map(|(id, row)| Ok((id, self.unwrap_key(&row)?)))
            .collect()
    }

    fn unwrap_key(&self, row: &data_keys::Model) -> Result<Key> {
        let bytes = self
            .master
            .open(&format!("data-key:{}", row.id), &row.wrapped)?;
        let key: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| Error::Internal(format!("data key of {} has the wrong length", row.id)))?;
        Ok(Key(key))
    }

    /// The data key of `project`, when it has one.
    ///
    /// # Errors
    /// The database's error; `Internal` when the stored key does not open.
    pub async fn existing_project_key<C: ConnectionTrait>(
        &self,
        conn: &C,
        project: Uuid,
    ) -> Result<Option<Key>> {
        match data_keys::Entity::find_by_id(project.to_string())
            .one(conn)
            .await?
        {
            Some(row) => Ok(Some(self.unwrap_key(&row)?)),
            None => Ok(None),
        }
    }
}

fn write_key_file(path: &Path, key: &Key) -> anyhow::Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create the master key {}: {e}", path.display()))?;
    writeln!(file, "{}", key.to_hex())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_for_what_it_was_bound_to() {
        let k = Key::random();
        let sealed = k.seal("bid:1", "价格 12345".as_bytes());
        assert!(!sealed.contains("12345"));
        assert_eq!(k.open("bid:1", &sealed).unwrap(), "价格 12345".as_bytes());
        assert!(k.open("bid:2", &sealed).is_err(), "moved to another row");
        assert!(Key::random().open("bid:1", &sealed).is_err(), "another key");
        assert_ne!(
            k.seal("bid:1", b"x"),
            k.seal("bid:1", b"x"),
            "a fresh nonce each time"
        );
        let mut bytes = B64.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(k.open("bid:1", &B64.encode(bytes)).is_err(), "changed");
    }

    #[test]
    fn keys_read_from_hex_and_derive_apart() {
        let k = Key::random();
        let back = Key::from_hex(&k.to_hex()).unwrap();
        assert_eq!(back.0, k.0);
        assert!(Key::from_hex("abcd").unwrap_err().contains("2 bytes"));
        assert!(Key::from_hex("zz").is_err());
        assert_ne!(k.derive("a").0, k.derive("b").0);
        assert_eq!(k.derive("a").0, k.derive("a").0);
        assert_eq!(format!("{k:?}"), "Key(..)", "never printed");
    }
}
