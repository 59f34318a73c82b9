//! Installments of a grant, each made payable by signing or an accepted report.

use sea_orm::entity::prelude::*;

/// An installment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installments")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Grant.
    pub grant_id: Uuid,
    /// Order in the schedule, from 0.
    pub position: i32,
    /// `signing`, `midterm`, `final` or `financial`.
    pub trigger: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Paid so far, fen.
    pub paid_fen: i64,
    /// When it became payable.
    pub payable_at: Option<DateTimeUtc>,
    /// When it was paid in full.
    pub paid_at: Option<DateTimeUtc>,
}

/// Relations of an installment.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
