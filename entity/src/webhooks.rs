//! Webhook subscriptions to the public event feed.

use sea_orm::entity::prelude::*;

/// A subscription.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Its owner.
    pub user_id: Uuid,
    /// Where events are POSTed.
    pub url: String,
    /// Event types wanted, a JSON array (empty: all).
    pub event_types: String,
    /// The HMAC-SHA256 key of the signatures (shown once, at creation).
    pub secret: String,
    /// Delivering; false once disabled.
    pub active: bool,
    /// Failed attempts in a row.
    pub failures: i32,
    /// The last event delivered (or skipped as unwanted).
    pub last_seq: i64,
    /// Not to be tried before this time (after a failure).
    pub next_attempt_at: DateTimeUtc,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations of a subscription.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
