//! The audit chain: one row per state change, each hashing its predecessor.

use sea_orm::entity::prelude::*;

/// One audit entry. `hash` = SHA-256 over `prev_hash` and the canonical content.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    /// Position in the chain, 1-based, gapless.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// Public id (UUID v7).
    #[sea_orm(unique)]
    pub id: Uuid,
    /// Who acted; `None` for the system (jobs, CLI without a user).
    pub actor_id: Option<Uuid>,
    /// The actor's role at the time, or `system`.
    pub actor_role: String,
    /// What happened, e.g. `user.create`.
    pub action: String,
    /// Kind of thing changed, e.g. `user`.
    pub entity_type: String,
    /// Id of the thing changed.
    pub entity_id: String,
    /// Canonical JSON before the change.
    pub before: Option<String>,
    /// Canonical JSON after the change.
    pub after: Option<String>,
    /// When (UTC, microseconds).
    pub at: DateTimeUtc,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// Relations of an audit entry.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
