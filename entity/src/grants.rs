//! Grants: an awarded project's money and obligations, from acceptance to completion.

use sea_orm::entity::prelude::*;

/// A grant.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grants")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The awarded project.
    pub project_id: Uuid,
    /// The award notice it comes from.
    pub award_id: Uuid,
    /// The winning bid.
    pub bid_id: Uuid,
    /// Grantee.
    pub organization_id: Uuid,
    /// Funder (the project's department).
    pub department_id: Uuid,
    /// The project's title.
    pub title: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Service period start.
    pub service_start: Date,
    /// Service period end.
    pub service_end: Date,
    /// Where the grant is (`grants::rules::transition` moves it).
    pub status: Status,
    /// Why terminated or declined.
    pub status_reason: Option<String>,
    /// Acceptance (signing).
    pub accepted_at: Option<DateTimeUtc>,
    /// Performance score (0-100) at completion.
    pub performance_score: Option<i32>,
    /// The purchaser's comment on the performance.
    pub performance_comment: Option<String>,
    /// Completion, termination or decline.
    pub closed_at: Option<DateTimeUtc>,
    /// Created (the award).
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

crate::states! {
    /// States of a grant.
    Status {
        /// Awarded; the winner has not yet accepted.
        PendingAcceptance = "pending_acceptance",
        /// Accepted; reports and payments under way.
        Active = "active",
        /// Final report accepted, everything paid, performance recorded.
        Completed = "completed",
        /// Ended early with a reason.
        Terminated = "terminated",
        /// The winner declined it.
        Declined = "declined",
    }
}

/// Relations of a grant.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
