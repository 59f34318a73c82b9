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

/// One line of the opening record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Bid (the receipt's id).
    pub bid_id: Uuid,
    /// Bidder.
    pub organization_id: Uuid,
    /// Bidder's name.
    pub organization_name: String,
    /// Bidder's code.
    pub uscc: Option<String>,
    /// Price, fen.
    pub price_fen: i64,
    /// Receipt time.
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    /// Receipt hash.
    pub content_hash: String,
    /// Eligible at opening.
    pub eligible: bool,
    /// The rule failed at opening.
    pub failed_rule: Option<String>,
}

/// Relations of a record.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
