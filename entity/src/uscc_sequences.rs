//! Next sequence number of generated USCCs per category and division.

use sea_orm::entity::prelude::*;

/// Counter for one `5` + category + division prefix.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "uscc_sequences")]
pub struct Model {
    /// The first 8 characters of the codes it numbers.
    #[sea_orm(primary_key, auto_increment = false)]
    pub prefix: String,
    /// Next sequence to try.
    pub next: i32,
}

/// Relations of a sequence.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
