//! The public event log: one row per public state change, in commit order,
//! with the OCDS release it makes (project events).

use sea_orm::entity::prelude::*;

/// A public event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "open_events")]
pub struct Model {
    /// The audit entry's sequence number: events are in commit order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// Public id (UUID v7).
    #[sea_orm(unique)]
    pub id: Uuid,
    /// What happened, e.g. `project.published`.
    pub event_type: String,
    /// Kind of thing it happened to (`project`, `grant`, `organization`).
    pub subject_type: String,
    /// Its id.
    pub subject_id: Uuid,
    /// The project it belongs to, if any.
    pub project_id: Option<Uuid>,
    /// That project's number (the OCDS ocid is a prefix plus this).
    pub project_number: Option<String>,
    /// The public facts of the event (JSON object).
    pub data: String,
    /// The OCDS release it makes, without `ocid` and `id` (JSON object).
    pub release: Option<String>,
    /// When it happened.
    pub created_at: DateTimeUtc,
}

/// Relations of an event.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
