//! In-app notifications: one row per message to one user.

use sea_orm::entity::prelude::*;

/// A notification.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Recipient.
    pub user_id: Uuid,
    /// What it is about, e.g. `report_due_soon`.
    pub kind: String,
    /// Unique per message, so a job run twice sends nothing twice.
    #[sea_orm(unique)]
    pub dedup_key: String,
    /// Path of the page it is about.
    pub link: String,
    /// The message's facts as a JSON object (rendered in the reader's language).
    pub params: String,
    /// When created.
    pub created_at: DateTimeUtc,
    /// When the recipient marked it read.
    pub read_at: Option<DateTimeUtc>,
}

/// Relations of a notification.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
