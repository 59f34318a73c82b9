//! Registration, change and deregistration applications.

use sea_orm::entity::prelude::*;

/// An application to the registrar.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `registration`, `change` or `deregistration`.
    pub kind: String,
    /// Where the application is (`registry::applications::transition` moves it).
    pub status: Status,
    /// The user who opened it.
    pub applicant_id: Uuid,
    /// The organization concerned (set for changes and deregistrations, and
    /// for a registration once approved).
    pub organization_id: Option<Uuid>,
    /// Name of the organization (proposed or current), for queues.
    pub name: String,
    /// The particulars, as JSON (see `cogov::registry::applications`).
    pub content: String,
    /// Reason of the last return or of the rejection.
    pub decision_reason: Option<String>,
    /// Last submission.
    pub submitted_at: Option<DateTimeUtc>,
    /// Decision time.
    pub decided_at: Option<DateTimeUtc>,
    /// Registrar who decided (or last returned).
    pub decided_by: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

crate::states! {
    /// State of an application.
    Status {
        /// Being written by the applicant.
        Draft = "draft",
        /// Waiting for a registrar.
        Submitted = "submitted",
        /// Sent back by a registrar with reasons; the applicant edits and resubmits.
        Returned = "returned",
        /// Decided: granted.
        Approved = "approved",
        /// Decided: refused, with a reason.
        Rejected = "rejected",
        /// Taken back by the applicant before a decision.
        Withdrawn = "withdrawn",
    }
}

impl Status {
    /// True once nothing can happen to it any more.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Approved | Self::Rejected | Self::Withdrawn)
    }
}

/// Relations of an application.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
