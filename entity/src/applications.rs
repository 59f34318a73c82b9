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
    /// `draft`, `submitted`, `returned`, `approved`, `rejected`, `withdrawn`.
    pub status: String,
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

/// Relations of an application.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
