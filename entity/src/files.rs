//! Uploaded files: metadata here, content under the data directory by SHA-256.

use sea_orm::entity::prelude::*;

/// One uploaded file.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "files")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 of the content, lower-case hex; also its storage name.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Type found in the content (not the name).
    pub content_type: String,
    /// Name as uploaded.
    pub file_name: String,
    /// Who uploaded it.
    pub uploaded_by: Uuid,
    /// What it belongs to (`application`, `annual_report`); none until attached.
    pub owner_kind: Option<String>,
    /// Id of what it belongs to.
    pub owner_id: Option<Uuid>,
    /// What the file is to its owner (`charter`, `statement`, ...).
    pub label: Option<String>,
    /// Upload time.
    pub created_at: DateTimeUtc,
    /// For a bid's file: the project whose data key seals its content and
    /// name (content under `files/sealed/<id>`, `file_name` encrypted).
    pub sealed_project_id: Option<Uuid>,
}

/// Relations of a file.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
