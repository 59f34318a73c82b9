//! Password reset requests: the hash of each link's secret, its expiry and
//! its use.

use sea_orm::entity::prelude::*;

/// One request for a reset link.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_resets")]
pub struct Model {
    /// Row id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-cased address the link was asked for.
    pub email: String,
    /// The account, when the address has an active one.
    pub user_id: Option<Uuid>,
    /// SHA-256 of the link's secret (none when no link was sent).
    pub secret_hash: Option<String>,
    /// Client address of the request.
    pub client_ip: String,
    /// When asked.
    pub requested_at: DateTimeUtc,
    /// The link works until then.
    pub expires_at: DateTimeUtc,
    /// When the link was used (it works once).
    pub used_at: Option<DateTimeUtc>,
}

/// Relations of a request.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
