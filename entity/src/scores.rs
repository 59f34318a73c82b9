//! Experts' scores: one per expert, bid and non-price criterion.

use sea_orm::entity::prelude::*;

/// A score.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scores")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// Expert.
    pub expert_id: Uuid,
    /// Bid scored.
    pub bid_id: Uuid,
    /// Index of the criterion in the project's criteria.
    pub criterion_index: i32,
    /// Points in hundredths (0 to the criterion's weight x 100).
    pub points: i64,
    /// The expert's comment.
    pub comment: String,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of a score.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
