//! The public's feedback on a grant's service, moderated by the purchaser.

use sea_orm::entity::prelude::*;

/// A piece of feedback.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grant_feedback")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Grant.
    pub grant_id: Uuid,
    /// 1 to 5.
    pub rating: i16,
    /// The comment.
    pub comment: String,
    /// SHA-256 of the client's address (for the rate limit; never shown).
    pub client_key: String,
    /// Awaiting moderation, shown, or not shown.
    pub status: Status,
    /// Why hidden (or a note on publishing).
    pub moderation_reason: Option<String>,
    /// The purchaser who moderated it.
    pub moderated_by: Option<Uuid>,
    /// When moderated.
    pub moderated_at: Option<DateTimeUtc>,
    /// When left.
    pub created_at: DateTimeUtc,
}

crate::states! {
    /// Where a piece of feedback is.
    Status {
        /// Awaiting moderation.
        Pending = "pending",
        /// Shown beside the project.
        Published = "published",
        /// Not shown.
        Hidden = "hidden",
    }
}

/// Relations of feedback.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
