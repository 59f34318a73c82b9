//! Challenges (质疑) of bidders against an award notice, and the purchaser's replies.

use sea_orm::entity::prelude::*;

/// A challenge.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "challenges")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// The award notice challenged.
    pub award_id: Uuid,
    /// Challenging bidder.
    pub organization_id: Uuid,
    /// The user who filed it.
    pub filed_by: Uuid,
    /// The bidder's reasons.
    pub reasons: String,
    /// Filing time.
    pub filed_at: DateTimeUtc,
    /// Last day (China date) for the purchaser's reply.
    pub reply_due: Date,
    /// Awaiting its reply, or answered, or moot.
    pub status: Status,
    /// For an upheld challenge: `reevaluate` or `fail`.
    pub outcome: Option<String>,
    /// The purchaser's reasons.
    pub reply: Option<String>,
    /// The purchaser who replied.
    pub replied_by: Option<Uuid>,
    /// Reply time.
    pub replied_at: Option<DateTimeUtc>,
}

crate::states! {
    /// Where a challenge is.
    Status {
        /// Awaiting the purchaser's reply.
        Open = "open",
        /// Founded.
        Upheld = "upheld",
        /// Not founded.
        Dismissed = "dismissed",
        /// Moot: another challenge against the same notice was upheld.
        Closed = "closed",
    }
}

/// Relations of a challenge.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
