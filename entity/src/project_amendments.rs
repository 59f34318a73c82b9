//! Public amendments of published projects: clarifications and deadline extensions.

use sea_orm::entity::prelude::*;

/// An amendment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_amendments")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// What changes or is clarified.
    pub text: String,
    /// Deadline before, for an extension.
    pub old_deadline: Option<DateTimeUtc>,
    /// Deadline after, for an extension.
    pub new_deadline: Option<DateTimeUtc>,
    /// Purchaser.
    pub created_by: Uuid,
    /// Publication time.
    pub created_at: DateTimeUtc,
}

/// Relations of an amendment.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
