//! Evaluation grades (社会组织评估等级).

use sea_orm::entity::prelude::*;

/// A grade awarded to an organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grades")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Graded organization.
    pub organization_id: Uuid,
    /// 1 to 5 (1A-5A).
    pub grade: i16,
    /// Award date.
    pub awarded_on: Date,
    /// Last valid day (5 years).
    pub valid_until: Date,
    /// Registrar who awarded it; none for imports.
    pub created_by: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTimeUtc,
}

/// Relations of a grade.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
