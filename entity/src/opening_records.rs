//! The public record of a project's bid opening.

use sea_orm::entity::prelude::*;

/// What was opened at the deadline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "opening_records")]
pub struct Model {
    /// Project (one record each).
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_id: Uuid,
    /// When opened.
    pub opened_at: DateTimeUtc,
    /// Entries as JSON: bid id, bidder name and code, price, receipt time
    /// and hash, eligibility at opening and the rule failed.
    pub entries: String,
    /// Bids eligible at opening.
    pub eligible_count: i32,
    /// `evaluating` or `failed`.
    pub outcome: String,
}

/// Relations of a record.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
