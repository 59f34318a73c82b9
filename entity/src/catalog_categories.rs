//! The purchase catalog: a tree of service categories.

use sea_orm::entity::prelude::*;

/// A category of services that departments buy.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_categories")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Short code (`A01`, `A0101`), unique.
    #[sea_orm(unique)]
    pub code: String,
    /// Parent category; none at the top.
    pub parent_id: Option<Uuid>,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Inactive categories take no new projects.
    pub active: bool,
    /// Order among siblings.
    pub position: i32,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of a category.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
