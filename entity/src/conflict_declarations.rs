//! Experts' conflict-of-interest declarations, one per bidder.

use sea_orm::entity::prelude::*;

/// An expert's declaration about one bidder.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conflict_declarations")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// Expert.
    pub expert_id: Uuid,
    /// Bidder declared about.
    pub organization_id: Uuid,
    /// True when the expert has a conflict of interest.
    pub conflict: bool,
    /// The conflict's reason.
    pub reason: Option<String>,
    /// When declared.
    pub declared_at: DateTimeUtc,
}

/// Relations of a declaration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
