//! Failed sign-in attempts, counted to throttle guessing.

use sea_orm::entity::prelude::*;

/// One failed sign-in attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempts")]
pub struct Model {
    /// Row id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-cased e-mail that was tried.
    pub email: String,
    /// Client address the attempt came from.
    pub client_ip: String,
    /// When it happened.
    pub attempted_at: DateTimeUtc,
}

/// Relations of an attempt.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
