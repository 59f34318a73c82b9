//! Credit records: the abnormal list and the dishonest list.

use sea_orm::entity::prelude::*;

/// A listing of an organization, open until lifted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_records")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Listed organization.
    pub organization_id: Uuid,
    /// Which list.
    pub kind: Kind,
    /// Why, for a person.
    pub ground: String,
    /// Machine key of a job's listing (`annual_report_overdue:2025`), unique
    /// per organization so the job never lists twice.
    pub ground_key: Option<String>,
    /// First day listed.
    pub started_on: Date,
    /// Day lifted.
    pub lifted_on: Option<Date>,
    /// Why lifted.
    pub lift_reason: Option<String>,
    /// Registrar who listed; none for the daily job.
    pub created_by: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

crate::states! {
    /// Which list a record puts an organization on.
    Kind {
        /// 活动异常名录.
        Abnormal = "abnormal",
        /// 严重违法失信名单.
        Dishonest = "dishonest",
    }
}

/// Relations of a credit record.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
