//! The e-mail outbox: notifications to send by mail, sent, or given up on.

use sea_orm::entity::prelude::*;

/// An e-mail in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The notification it carries (the mail is composed from it when sent).
    pub notification_id: Uuid,
    /// Recipient address.
    pub to_address: String,
    /// Where the mail is.
    pub status: Status,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// Not to be tried before this time.
    pub next_attempt_at: DateTimeUtc,
    /// When sent.
    pub sent_at: Option<DateTimeUtc>,
    /// When queued.
    pub created_at: DateTimeUtc,
}

crate::states! {
    /// Where a mail is: `pending -> sent`, or `pending` (retried) `-> failed`.
    Status {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// Delivered to the mail server.
        Sent = "sent",
        /// Given up on after the last attempt.
        Failed = "failed",
    }
}

/// Relations of an e-mail.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
