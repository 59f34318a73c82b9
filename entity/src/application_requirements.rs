//! Required materials: per application kind, the document labels an
//! application must carry before it is submitted.

use sea_orm::entity::prelude::*;

/// One required document of one kind of application.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_requirements")]
pub struct Model {
    /// `registration`, `change` or `deregistration`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The document's label (`charter`, `office_proof`, ...).
    #[sea_orm(primary_key, auto_increment = false)]
    pub label: String,
    /// Order on the checklist.
    pub position: i32,
}

/// Relations of a requirement.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
