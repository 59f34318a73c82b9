//! Uploaded files: content stored once per SHA-256 under `<data-dir>/files/`
//! (`ab/abcdef...`), metadata in the `files` table.
//!
//! A file is uploaded first (it then belongs to nobody and only its uploader
//! may read it), then attached to what it documents: an application
//! (`charter`, `proof_of_funds`, `legal_representative_id`, `office_proof`,
//! `other`), an annual report (`statement`), a project (its documents,
//! public once the project is) or a bid (sealed with it). From then on,
//! whoever may see the owner may download the file, and nobody else: the
//! owner's area decides (`crate::downloads`); this area knows no area. Size (default 20 MB) and
//! type (PDF, images, office documents) are checked on the content, never on
//! the name.
//!
//! A bid's files are sealed from their upload ([`store_sealed`], called by
//! `procurement::bids::upload_file`): content under `files/sealed/<id>` and
//! name encrypted under the project's data key ([`crate::keys`]; the caller
//! audits them sealed with the bid's); they attach only to an owner of
//! that project ([`attach_sealed_all`]), and other uploads never to a bid.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use entity::files;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::auth::Actor;
use crate::db::Db;
use crate::error::{Error, Result};

/// Types accepted, as found in the content.
pub const ALLOWED_TYPES: [&str; 14] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
];

/// Owner kind of application documents.
pub const APPLICATION: &str = "application";
/// Owner kind of annual report statements.
pub const ANNUAL_REPORT: &str = "annual_report";
/// Owner kind of project documents (public with their project).
pub const PROJECT: &str = "project";
/// What a document may be to an application.
pub const APPLICATION_LABELS: [&str; 9] = [
    "charter",
    "office_proof",
    "proof_of_funds",
    "legal_representative_id",
    "supervisor_consent",
    "change_resolution",
    "dissolution_resolution",
    "liquidation_report",
    "other",
];

/// The type of `bytes` when it is one we accept.
#[must_use]
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let found = infer::get(bytes)?.mime_type();
    ALLOWED_TYPES.iter().copied().find(|t| *t == found)
}

/// Where content with this hash lives.
#[must_use]
pub fn blob_path(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("files").join(&sha256[..2]).join(sha256)
}

fn snapshot(f: &files::Model) -> serde_json::Value {
    serde_json::json!({
        "id": f.id, "sha256": f.sha256, "size_bytes": f.size_bytes,
        "content_type": f.content_type, "file_name": f.file_name,
        "owner_kind": f.owner_kind, "owner_id": f.owner_id, "label": f.label,
    })
}

/// What the checks found of an upload's content.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The type found in the content.
    pub content_type: &'static str,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// Checks an upload's content: not empty, at most `max_bytes`, of a type we
/// accept.
///
/// # Errors
/// `Invalid` on `file` naming what is wrong (the type found, the size).
pub fn check(max_bytes: u64, bytes: &[u8]) -> Result<Checked> {
    if bytes.is_empty() {
        return Err(Error::invalid("file", "empty_file", "the file is empty"));
    }
    if bytes.len() as u64 > max_bytes {
        return Err(Error::invalid(
            "file",
            "file_too_large",
            format!(
                "the file has {} bytes; at most {max_bytes} are accepted",
                bytes.len()
            ),
        ));
    }
    let Some(content_type) = sniff(bytes) else {
        let found = infer::get(bytes).map_or("unknown", |t| t.mime_type());
        return Err(Error::invalid(
            "file",
            "file_type_not_allowed",
            format!(
                "the content is {found}; accepted are PDF, images and office documents, whatever the file is called"
            ),
        ));
    };
    Ok(Checked {
        content_type,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

/// The name of an upload as kept: its last path part, no control
/// characters, at most 255 characters, `file` when nothing is left.
#[must_use]
pub fn clean_name(file_name: &str) -> String {
    let name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    if name.is_empty() { "file".into() } else { name }
}

async fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Internal("file path has no parent".into()))?;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| Error::Internal(format!("cannot create {}: {e}", dir.display())))?;
    let tmp = dir.join(format!(".{}.tmp", Uuid::now_v7()));
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(|e| Error::Internal(format!("cannot write {}: {e}", tmp.display())))?;
    tokio::fs::rename(&tmp, path)
        .await
        .map_err(|e| Error::Internal(format!("cannot store {}: {e}", path.display())))
}

/// Stores an upload (any signed-in user who attaches files).
///
/// # Errors
/// `Forbidden` for roles that attach nothing; as [`check`]; `Internal` when
/// the disk fails.
pub async fn upload(
    db: &Db,
    data_dir: &Path,
    max_bytes: u64,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<files::Model> {
    crate::auth::policy::check(Some(actor), crate::auth::policy::Action::Upload)?;
    let Checked {
        content_type,
        sha256,
    } = check(max_bytes, bytes)?;
    let path = blob_path(data_dir, &sha256);
    if !path.exists() {
        write_atomically(&path, bytes).await?;
    }
    let model = files::Model {
        id: Uuid::now_v7(),
        sha256,
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        content_type: content_type.into(),
        file_name: clean_name(file_name),
        uploaded_by: actor.user_id,
        owner_kind: None,
        owner_id: None,
        label: None,
        created_at: now,
        sealed_project_id: None,
    };
    let tx = db.begin().await?;
    files::ActiveModel::from(model.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "file.upload",
            "file",
            model.id,
            None,
            Some(&snapshot(&model)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(model)
}

/// Where a sealed file's content lives.
#[must_use]
pub fn sealed_path(data_dir: &Path, id: Uuid) -> PathBuf {
    data_dir.join("files").join("sealed").join(id.to_string())
}

fn content_bound_to(id: Uuid) -> String {
    format!("file:{id}")
}

fn name_bound_to(id: Uuid) -> String {
    format!("file-name:{id}")
}

/// An upload as it arrives: its name and content.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The name the uploader gave it.
    pub file_name: &'a str,
    /// The content.
    pub bytes: &'a [u8],
}

/// What a sealed upload is sealed for: a project, under its data key.
#[derive(Clone, Copy)]
pub struct Seal<'a> {
    /// The project whose bids the file goes with.
    pub project_id: Uuid,
    /// That project's data key.
    pub key: &'a crate::keys::Key,
}

/// Stores a bid's upload, `checked` by [`check`], sealed under its
/// project's data key, inside the caller's transaction (the caller,
/// `procurement::bids`, has checked the actor may bid on the project now,
/// and audits the upload sealed with the project's bids). Returns the row
/// with the name in clear.
///
/// # Errors
/// `Internal` when the disk fails.
pub async fn store_sealed<C: ConnectionTrait>(
    tx: &C,
    data_dir: &Path,
    checked: Checked,
    seal: Seal<'_>,
    actor: &Actor,
    incoming: Incoming<'_>,
    now: DateTime<Utc>,
) -> Result<files::Model> {
    let Seal { project_id, key } = seal;
    let Incoming { file_name, bytes } = incoming;
    let Checked {
        content_type,
        sha256,
    } = checked;
    let id = Uuid::now_v7();
    write_atomically(
        &sealed_path(data_dir, id),
        &key.seal_bytes(&content_bound_to(id), bytes),
    )
    .await?;
    let name = clean_name(file_name);
    let model = files::Model {
        id,
        sha256,
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        content_type: content_type.into(),
        file_name: key.seal(&name_bound_to(id), name.as_bytes()),
        uploaded_by: actor.user_id,
        owner_kind: None,
        owner_id: None,
        label: None,
        created_at: now,
        sealed_project_id: Some(project_id),
    };
    files::ActiveModel::from(model.clone())
        .reset_all()
        .insert(tx)
        .await?;
    Ok(files::Model {
        file_name: name,
        ..model
    })
}

/// The file with its name readable, opened with its project's `key` when
/// sealed.
///
/// # Errors
/// `Internal` when the name does not open.
pub fn reveal_name(key: &crate::keys::Key, f: files::Model) -> Result<files::Model> {
    if f.sealed_project_id.is_none() {
        return Ok(f);
    }
    let name = key.open(&name_bound_to(f.id), &f.file_name)?;
    Ok(files::Model {
        file_name: String::from_utf8_lossy(&name).into_owned(),
        ..f
    })
}

/// [`reveal_name`] for several files (the caller has checked access).
///
/// # Errors
/// `Internal` when a name does not open.
pub async fn reveal_names<C: ConnectionTrait>(
    db: &Db,
    conn: &C,
    files: Vec<files::Model>,
) -> Result<Vec<files::Model>> {
    let mut projects: Vec<Uuid> = files.iter().filter_map(|f| f.sealed_project_id).collect();
    projects.sort_unstable();
    projects.dedup();
    let keys = db.keys()?.project_keys(conn, &projects).await?;
    files
        .into_iter()
        .map(|f| match f.sealed_project_id {
            None => Ok(f),
            Some(project) => {
                let key = keys
                    .get(&project)
                    .ok_or_else(|| Error::Internal(format!("no data key for file {}", f.id)))?;
                reveal_name(key, f)
            }
        })
        .collect()
}

/// Attaches the actor's sealed uploads for `project_id` (a request's
/// `file_ids`) to `owner_kind` `owner_id` (a bid), inside the caller's
/// transaction; the caller audits each, sealed as its owner is. A refusal
/// names `file_ids[i]`.
///
/// # Errors
/// `Invalid` on `file_ids[i]` when a file is not the actor's unattached
/// upload for this project.
pub async fn attach_sealed_all<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    file_ids: &[Uuid],
    project_id: Uuid,
    owner_kind: &'static str,
    owner_id: Uuid,
) -> Result<Vec<files::Model>> {
    let mut attached = Vec::with_capacity(file_ids.len());
    for (i, id) in file_ids.iter().enumerate() {
        let f = files::Entity::find_by_id(*id)
            .one(tx)
            .await?
            .filter(|f| {
                f.uploaded_by == actor.user_id
                    && f.owner_id.is_none()
                    && f.sealed_project_id == Some(project_id)
            })
            .ok_or_else(|| {
                Error::invalid(
                    &format!("file_ids[{i}]"),
                    "file_not_attachable",
                    "give the id of a file you uploaded for a bid on this project \
                     (POST /files with project_id) and have not attached yet",
                )
            })?;
        files::ActiveModel {
            id: Set(f.id),
            owner_kind: Set(Some(owner_kind.into())),
            owner_id: Set(Some(owner_id)),
            label: Set(Some(owner_kind.into())),
            ..Default::default()
        }
        .update(tx)
        .await?;
        attached.push(files::Model {
            owner_kind: Some(owner_kind.into()),
            owner_id: Some(owner_id),
            label: Some(owner_kind.into()),
            ..f
        });
    }
    Ok(attached)
}

/// Attaches the actor's unattached upload to an owner, inside the caller's
/// transaction (the caller has checked the actor may edit the owner).
///
/// # Errors
/// `Invalid` on `file_id` when the file is not the actor's own unattached upload.
pub async fn attach<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    file_id: Uuid,
    owner_kind: &'static str,
    owner_id: Uuid,
    label: &str,
    now: DateTime<Utc>,
) -> Result<files::Model> {
    let before = files::Entity::find_by_id(file_id)
        .one(tx)
        .await?
        .filter(|f| {
            f.uploaded_by == actor.user_id && f.owner_id.is_none() && f.sealed_project_id.is_none()
        })
        .ok_or_else(|| {
            Error::invalid(
                "file_id",
                "file_not_attachable",
                "give the id of a file you uploaded and have not attached yet",
            )
        })?;
    let after = files::Model {
        owner_kind: Some(owner_kind.into()),
        owner_id: Some(owner_id),
        label: Some(label.into()),
        ..before.clone()
    };
    files::ActiveModel {
        id: Set(file_id),
        owner_kind: Set(after.owner_kind.clone()),
        owner_id: Set(after.owner_id),
        label: Set(after.label.clone()),
        ..Default::default()
    }
    .update(tx)
    .await?;
    audit::append(
        tx,
        &actor.who(),
        Change::new(
            "file.attach",
            "file",
            file_id,
            Some(&snapshot(&before)),
            Some(&snapshot(&after)),
        ),
        now,
    )
    .await?;
    Ok(after)
}

/// Attaches several of the actor's uploads (a request's `file_ids`) to an
/// owner, inside the caller's transaction; a refusal names `file_ids[i]`.
///
/// # Errors
/// As [`attach`].
pub async fn attach_all<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    file_ids: &[Uuid],
    owner_kind: &'static str,
    owner_id: Uuid,
    label: &str,
    now: DateTime<Utc>,
) -> Result<Vec<files::Model>> {
    let mut attached = Vec::with_capacity(file_ids.len());
    for (i, id) in file_ids.iter().enumerate() {
        let f = attach(tx, actor, *id, owner_kind, owner_id, label, now)
            .await
            .map_err(|e| match e {
                Error::Invalid(mut errs) => {
                    for x in &mut errs {
                        x.field = format!("file_ids[{i}]");
                    }
                    Error::Invalid(errs)
                }
                other => other,
            })?;
        attached.push(f);
    }
    Ok(attached)
}

/// Files attached to an owner, oldest first (the caller has checked access).
///
/// # Errors
/// The database's error.
pub async fn attached_to<C: ConnectionTrait>(
    conn: &C,
    owner_kind: &str,
    owner_id: Uuid,
) -> Result<Vec<files::Model>> {
    Ok(files::Entity::find()
        .filter(files::Column::OwnerKind.eq(owner_kind))
        .filter(files::Column::OwnerId.eq(owner_id))
        .order_by_asc(files::Column::Id)
        .all(conn)
        .await?)
}

/// Files attached to each of several owners of one kind, oldest first, in
/// one query (the caller has checked access).
///
/// # Errors
/// The database's error.
pub async fn attached_to_many<C: ConnectionTrait>(
    conn: &C,
    owner_kind: &str,
    owner_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<files::Model>>> {
    let mut out: std::collections::HashMap<Uuid, Vec<files::Model>> =
        std::collections::HashMap::new();
    if owner_ids.is_empty() {
        return Ok(out);
    }
    let rows = files::Entity::find()
        .filter(files::Column::OwnerKind.eq(owner_kind))
        .filter(files::Column::OwnerId.is_in(owner_ids.iter().copied()))
        .order_by_asc(files::Column::Id)
        .all(conn)
        .await?;
    for f in rows {
        if let Some(owner) = f.owner_id {
            out.entry(owner).or_default().push(f);
        }
    }
    Ok(out)
}

/// A file's metadata. Who may read it is its owner's area's decision
/// (`crate::downloads`); this area only keeps it.
///
/// # Errors
/// `NotFound`; the database's error.
pub async fn find(db: &Db, id: Uuid) -> Result<files::Model> {
    files::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("file"))
}

/// Whether `file` is `actor`'s own upload, not yet attached to anything
/// (only its uploader may read it then).
#[must_use]
pub fn own_unattached(actor: Option<&Actor>, file: &files::Model) -> bool {
    file.owner_id.is_none() && actor.is_some_and(|a| file.uploaded_by == a.user_id)
}

/// A file's content (its name readable, opened with its project's key when
/// sealed). The caller has decided the reader may see it.
///
/// # Errors
/// `Internal` when the content or its key is missing.
pub async fn content(
    db: &Db,
    data_dir: &Path,
    file: files::Model,
) -> Result<(files::Model, Vec<u8>)> {
    let Some(project) = file.sealed_project_id else {
        let bytes = tokio::fs::read(blob_path(data_dir, &file.sha256))
            .await
            .map_err(|e| {
                tracing::error!(file = %file.id, error = %e, "stored file content missing");
                Error::Internal(format!("the content of file {} is missing", file.id))
            })?;
        return Ok((file, bytes));
    };
    let key = db
        .keys()?
        .existing_project_key(db.conn(), project)
        .await?
        .ok_or_else(|| Error::Internal(format!("no data key for file {}", file.id)))?;
    let sealed = tokio::fs::read(sealed_path(data_dir, file.id))
        .await
        .map_err(|e| Error::Internal(format!("the content of file {} is missing: {e}", file.id)))?;
    let bytes = key.open_bytes(&content_bound_to(file.id), &sealed)?;
    Ok((reveal_name(&key, file)?, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_read_from_the_content_not_the_name() {
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
            Some("application/pdf")
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None, "a Windows program");
        assert_eq!(sniff(b"just some text"), None);
        assert_eq!(sniff(b"<html><script>"), None);
    }
}
