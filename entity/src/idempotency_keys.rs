//! Answers kept for `Idempotency-Key`: a retried write gets the first answer.

use sea_orm::entity::prelude::*;

/// One key's request and answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// SHA-256 of the caller's identity and the key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_hash: String,
    /// SHA-256 of the method, path and body of the first request.
    pub request_hash: String,
    /// The answer's status; 0 while the first request is still running.
    pub status: i32,
    /// The answer's content type.
    pub content_type: Option<String>,
    /// The answer's body.
    pub body: Option<String>,
    /// When the attempt holding the key began.
    pub created_at: DateTimeUtc,
    /// The attempt holding the key (a retry may take over one that never
    /// committed).
    pub attempt: Option<Uuid>,
    /// Whether the attempt's write committed (recorded in the write's own
    /// transaction).
    pub committed: bool,
}

/// Relations of a kept answer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
