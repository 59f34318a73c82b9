//! The single row that serialises appends to the audit chain.

use sea_orm::entity::prelude::*;

/// The chain's head. Appenders lock this row, so the chain cannot fork.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_head")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Sequence number of the last entry (0 when empty).
    pub last_seq: i64,
    /// Hash of the last entry (64 zeros when empty).
    pub last_hash: String,
}

/// Relations of the head.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
