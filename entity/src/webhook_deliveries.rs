//! The delivery log of webhooks: every attempt and its outcome.

use sea_orm::entity::prelude::*;

/// One attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Id (UUID v7), also sent as `X-Cogov-Delivery`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The subscription.
    pub webhook_id: Uuid,
    /// The event's `seq`.
    pub event_seq: i64,
    /// The event's type.
    pub event_type: String,
    /// Which attempt at this event (1, 2, ...).
    pub attempt: i32,
    /// Whether the receiver answered 2xx.
    pub ok: bool,
    /// The receiver's status, if it answered.
    pub response_status: Option<i32>,
    /// What went wrong.
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: i64,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of an attempt.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
