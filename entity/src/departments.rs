//! Government departments that buy services.

use sea_orm::entity::prelude::*;

/// A government department (purchasers belong to one).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "departments")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Short code, unique (e.g. `BJ-MCA`).
    #[sea_orm(unique)]
    pub code: String,
    /// Official name.
    pub name: String,
    /// 6-digit administrative division code.
    pub division_code: String,
    /// Unified social credit code (`CN-USCI`), when recorded; unique.
    pub uscc: Option<String>,
    /// Inactive departments cannot publish new projects.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of a department.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
