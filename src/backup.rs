//! Backups of a SQLite deployment, taken while it serves, and their restore.
//!
//! A backup is a directory: `cogov.db`, a consistent copy of the database
//! made by SQLite itself (`VACUUM INTO`, one read transaction, so writes go
//! on meanwhile and the copy is the state of one moment); `files/`, the
//! stored files (content never changes once written, and a file is on disk
//! before the row that names it commits, so every file the copy names is
//! there); and `master.key`, the key the sealed bids need. The key makes
//! the backup as secret as the server: keep it where only operators reach,
//! or move `master.key` to a separate place.
//!
//! A restore copies a backup into an empty data directory; `cogov audit
//! verify` on it checks the chain. PostgreSQL deployments back up the
//! database with `pg_dump` (or base backups) and copy the data directory's
//! `files/` and the master key beside it (README).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::db::Db;
use crate::keys::MasterKeySource;

/// What a backup or restore wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Files copied (database and key included).
    pub files: u64,
    /// Bytes copied.
    pub bytes: u64,
}

/// Copies the database, the files and the master key of a SQLite
/// deployment into `out` (created; must not hold a backup already).
///
/// # Errors
/// On PostgreSQL (use `pg_dump`), when `out` holds a database already, and
/// on any failure to read or write.
pub async fn backup(
    db: &Db,
    data_dir: &Path,
    master: &MasterKeySource,
    out: &Path,
) -> anyhow::Result<Summary> {
    use sea_orm::ConnectionTrait as _;
    if db.backend() != sea_orm::DbBackend::Sqlite {
        bail!(
            "`cogov backup` copies SQLite deployments; back PostgreSQL up with pg_dump and copy \
             the data directory's files/ and the master key (README, \"Backups\")"
        );
    }
    let target = out.join("cogov.db");
    if target.exists() {
        bail!("{} holds a backup already", out.display());
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let quoted = target.display().to_string().replace('\'', "''");
    db.conn()
        .execute_unprepared(&format!("VACUUM INTO '{quoted}'"))
        .await
        .context("copying the database")?;
    let mut summary = Summary {
        files: 1,
        bytes: std::fs::metadata(&target)?.len(),
    };
    let files = data_dir.join("files");
    if files.exists() {
        copy_tree(&files, &out.join("files"), &mut summary)?;
    }
    let key = out.join("master.key");
    match master {
        MasterKeySource::File(path) => {
            std::fs::copy(path, &key)
                .with_context(|| format!("copying the master key {}", path.display()))?;
        }
        MasterKeySource::Value(v) => std::fs::write(&key, format!("{}\n", v.trim()))?,
    }
    restrict(&key)?;
    summary.files += 1;
    Ok(summary)
}

/// Copies a backup into `data_dir`, which must hold no database yet.
///
/// # Errors
/// When `from` is not a backup, `data_dir` holds a database, or a copy fails.
pub fn restore(from: &Path, data_dir: &Path) -> anyhow::Result<Summary> {
    let db = from.join("cogov.db");
    if !db.exists() {
        bail!("{} is not a backup: it has no cogov.db", from.display());
    }
    if data_dir.join("cogov.db").exists() {
        bail!(
            "{} holds a database already; restore into an empty data directory",
            data_dir.display()
        );
    }
    std::fs::create_dir_all(data_dir)?;
    let mut summary = Summary { files: 0, bytes: 0 };
    for name in ["cogov.db", "master.key"] {
        let src = from.join(name);
        if src.exists() {
            summary.bytes += std::fs::copy(&src, data_dir.join(name))?;
            summary.files += 1;
        }
    }
    restrict(&data_dir.join("master.key")).ok();
    if from.join("files").exists() {
        copy_tree(&from.join("files"), &data_dir.join("files"), &mut summary)?;
    }
    Ok(summary)
}

fn copy_tree(from: &Path, to: &Path, summary: &mut Summary) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        // Half-written uploads (`.name.tmp`) are not content yet.
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let dest: PathBuf = to.join(&name);
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &dest, summary)?;
        } else {
            summary.bytes += std::fs::copy(entry.path(), &dest)?;
            summary.files += 1;
        }
    }
    Ok(())
}

fn restrict(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    let _ = path;
    Ok(())
}
