//! Invitations to join an organization.

use sea_orm::entity::prelude::*;

/// An org admin's invitation of an e-mail address.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Organization to join.
    pub organization_id: Uuid,
    /// Invited address, lower case.
    pub email: String,
    /// The org admin who invited.
    pub invited_by: Uuid,
    /// Awaiting an answer, or answered.
    pub status: Status,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// When accepted, declined or revoked.
    pub decided_at: Option<DateTimeUtc>,
}

crate::states! {
    /// Where an invitation is.
    Status {
        /// Awaiting the invitee's answer.
        Pending = "pending",
        /// Accepted: the invitee joined.
        Accepted = "accepted",
        /// Declined by the invitee.
        Declined = "declined",
        /// Taken back by the org admin.
        Revoked = "revoked",
    }
}

/// Relations of an invitation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
