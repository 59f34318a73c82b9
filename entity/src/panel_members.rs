//! Experts on a project's evaluation panel.

use sea_orm::entity::prelude::*;

/// An expert assigned to a project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_members")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// The expert's account.
    pub expert_id: Uuid,
    /// Sitting, or excluded after declaring a conflict.
    pub status: Status,
    /// Purchaser who assigned.
    pub added_by: Uuid,
    /// When assigned.
    pub added_at: DateTimeUtc,
    /// When excluded.
    pub excluded_at: Option<DateTimeUtc>,
    /// Why excluded.
    pub exclusion_reason: Option<String>,
    /// When the expert submitted the score sheet (no more edits).
    pub sheet_submitted_at: Option<DateTimeUtc>,
}

crate::states! {
    /// Whether an expert sits on the panel.
    Status {
        /// Sitting.
        Active = "active",
        /// Excluded after declaring a conflict of interest.
        Excluded = "excluded",
    }
}

/// Relations of a panel member.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
