//! Annual reports (年报), one per organization per year.

use sea_orm::entity::prelude::*;

/// An organization's annual report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annual_reports")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Reporting organization.
    pub organization_id: Uuid,
    /// Year reported on.
    pub year: i32,
    /// Waiting for review, accepted, or returned.
    pub status: Status,
    /// `pass`, `basic_pass` or `fail`, once accepted.
    pub result: Option<String>,
    /// Income, fen.
    pub income_fen: i64,
    /// Expenditure, fen.
    pub expenditure_fen: i64,
    /// Net assets at year end, fen.
    pub net_assets_fen: i64,
    /// Staff at year end.
    pub staff_count: i32,
    /// Volunteers during the year.
    pub volunteer_count: i32,
    /// Summary of activities.
    pub activities: String,
    /// Audited financial statement.
    pub statement_file_id: Option<Uuid>,
    /// Registrar's note (required on return).
    pub review_note: Option<String>,
    /// Who submitted.
    pub submitted_by: Uuid,
    /// Last submission.
    pub submitted_at: DateTimeUtc,
    /// Registrar who reviewed.
    pub reviewed_by: Option<Uuid>,
    /// Review time.
    pub reviewed_at: Option<DateTimeUtc>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

crate::states! {
    /// Where an annual report is.
    Status {
        /// Waiting for a registrar's review.
        Submitted = "submitted",
        /// Accepted with a result (public from then on).
        Accepted = "accepted",
        /// Returned for changes.
        Returned = "returned",
    }
}

/// Relations of an annual report.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
