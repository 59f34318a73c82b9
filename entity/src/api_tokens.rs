//! Personal API tokens.

use sea_orm::entity::prelude::*;

/// A personal API token. The secret is shown once; only its SHA-256 is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Owner's label for the token.
    pub name: String,
    /// Hex SHA-256 of the secret.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// First characters of the secret, to recognise it in lists.
    pub prefix: String,
    /// Space-separated scopes: `read`, `write`.
    pub scopes: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last successful use.
    pub last_used_at: Option<DateTimeUtc>,
    /// Set when revoked; revoked tokens authenticate nothing.
    pub revoked_at: Option<DateTimeUtc>,
}

/// Relations of a token.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
