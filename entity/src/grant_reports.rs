//! Reports a grantee owes: progress, mid-term, final and financial.

use sea_orm::entity::prelude::*;

/// A report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grant_reports")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Grant.
    pub grant_id: Uuid,
    /// `progress`, `midterm`, `final` or `financial`.
    pub kind: String,
    /// Due (China date).
    pub due_on: Date,
    /// Where the report is.
    pub status: Status,
    /// The report's text.
    pub body: String,
    /// People served to date.
    pub people_served: Option<i64>,
    /// Spending to date, fen.
    pub spending_fen: Option<i64>,
    /// Last submission.
    pub submitted_at: Option<DateTimeUtc>,
    /// Who submitted it.
    pub submitted_by: Option<Uuid>,
    /// Last review.
    pub reviewed_at: Option<DateTimeUtc>,
    /// Who reviewed it.
    pub reviewed_by: Option<Uuid>,
    /// Why returned, or a note on acceptance.
    pub review_note: Option<String>,
}

crate::states! {
    /// Where a report is: `due -> submitted -> accepted | returned -> submitted ...`
    Status {
        /// Not yet submitted.
        Due = "due",
        /// Submitted, waiting for review.
        Submitted = "submitted",
        /// Accepted by the purchaser (public from then on).
        Accepted = "accepted",
        /// Returned to the grantee with a reason.
        Returned = "returned",
    }
}

impl Status {
    /// Still owed by the grantee (never submitted, or returned).
    #[must_use]
    pub fn is_owed(self) -> bool {
        matches!(self, Self::Due | Self::Returned)
    }
}

/// Relations of a report.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
