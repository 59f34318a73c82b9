//! Sealed bids. Only `cogov::procurement::bids` reads this table.

use sea_orm::entity::prelude::*;

/// One version of an organization's bid for a project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bids")]
pub struct Model {
    /// Public id (UUID v7); the receipt names it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// Bidding organization.
    pub organization_id: Uuid,
    /// The live bid, or one that no longer counts.
    pub status: Status,
    /// Price, fen (0 while sealed).
    pub price_fen: i64,
    /// Technical proposal.
    pub technical_proposal: String,
    /// Team.
    pub team: String,
    /// Work plan.
    pub plan: String,
    /// SHA-256 over the canonical content and the file hashes.
    pub content_hash: String,
    /// Org user who submitted.
    pub submitted_by: Uuid,
    /// Server time of the receipt.
    pub submitted_at: DateTimeUtc,
    /// The bid this one replaced.
    pub replaces: Option<Uuid>,
    /// When replaced or withdrawn.
    pub ended_at: Option<DateTimeUtc>,
    /// Until the opening: price and texts encrypted under the project's data
    /// key (`cogov::keys`), the clear columns empty; `None` once opened.
    pub sealed: Option<String>,
    /// The files' SHA-256 in the order the receipt hashed them (JSON array).
    pub file_hashes: Option<String>,
}

crate::states! {
    /// Whether a bid counts.
    Status {
        /// The organization's live bid.
        Active = "active",
        /// Replaced by a later bid.
        Replaced = "replaced",
        /// Withdrawn before the deadline.
        Withdrawn = "withdrawn",
    }
}

/// Relations of a bid.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
