//! Browser sessions, kept in the database so several instances can share them.

use sea_orm::entity::prelude::*;

/// A signed-in browser session. Only the SHA-256 of the cookie value is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// Hex SHA-256 of the session cookie value.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    /// Who is signed in.
    pub user_id: Uuid,
    /// Token every state-changing form must echo.
    pub csrf_token: String,
    /// Sign-in time; the absolute expiry counts from here.
    pub created_at: DateTimeUtc,
    /// Last request seen; the idle expiry counts from here.
    pub last_seen_at: DateTimeUtc,
    /// Absolute end of the session.
    pub expires_at: DateTimeUtc,
}

/// Relations of a session.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
