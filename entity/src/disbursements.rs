//! Payments made on a grant's installments.

use sea_orm::entity::prelude::*;

/// A disbursement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "disbursements")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Grant.
    pub grant_id: Uuid,
    /// Installment paid.
    pub installment_id: Uuid,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Payment date.
    pub paid_on: Date,
    /// Payment reference (voucher or transfer number).
    pub reference: String,
    /// The purchaser who recorded it.
    pub recorded_by: Uuid,
    /// When recorded.
    pub recorded_at: DateTimeUtc,
}

/// Relations of a disbursement.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
