//! Exceptions to the Monday-to-Friday working week.

use sea_orm::entity::prelude::*;

/// A public holiday on a weekday, or an adjusted working day on a weekend.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_days")]
pub struct Model {
    /// The day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// `holiday` or `workday`.
    pub kind: String,
    /// Name of the holiday, e.g. 春节.
    pub name: String,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of a calendar day.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
