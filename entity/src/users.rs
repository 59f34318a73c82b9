//! Accounts: one row per person who can sign in.

use sea_orm::entity::prelude::*;

/// A user account. `email` is stored lower-cased so uniqueness ignores case.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Creation order (1, 2, ...): the order the account list reads in, and
    /// the key of the accounts' text index (migration 000056).
    #[sea_orm(unique)]
    pub seq: i64,
    /// Lower-cased e-mail address, unique.
    #[sea_orm(unique)]
    pub email: String,
    /// Name shown to other people.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// One of the roles of DESIGN.md, snake_case.
    pub role: String,
    /// Department for purchasers.
    pub department_id: Option<Uuid>,
    /// Organization for org members and org admins.
    pub organization_id: Option<Uuid>,
    /// Deactivated accounts cannot sign in or use tokens.
    pub active: bool,
    /// Creation time (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of a user.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
