//! Next project number of each year.

use sea_orm::entity::prelude::*;

/// Counter for one year's project numbers.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_sequences")]
pub struct Model {
    /// Year (China date of creation).
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    /// Next sequence.
    pub next: i32,
}

/// Relations of a sequence.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
