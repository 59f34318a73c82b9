//! Data keys wrapped by the master key (`cogov::keys`), and the key check.

use sea_orm::entity::prelude::*;

/// One wrapped data key: a project's (id = the project's UUID) or the
/// master key check (id = `check`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_keys")]
pub struct Model {
    /// `check`, or the project's id as text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The key sealed by the master key (base64 of nonce and ciphertext).
    pub wrapped: String,
    /// When it was made.
    pub created_at: DateTimeUtc,
}

/// Relations of a data key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
