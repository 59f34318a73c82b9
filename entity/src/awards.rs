//! Award notices: the purchaser's proposed award of a project, published with
//! a snapshot of the ranking and the panel, and the challenge window.

use sea_orm::entity::prelude::*;

/// An award notice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "awards")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// Winning bid.
    pub bid_id: Uuid,
    /// Winner.
    pub organization_id: Uuid,
    /// Winner's name at the notice.
    pub organization_name: String,
    /// Winner's unified social credit code.
    pub uscc: Option<String>,
    /// Amount awarded (the bid price), fen.
    pub amount_fen: i64,
    /// The winner's rank.
    pub rank: i32,
    /// Why another than rank 1 was chosen.
    pub reason: Option<String>,
    /// The ranking at the notice (JSON lines).
    pub summary: String,
    /// The panel at the notice (JSON: expert ids and names).
    pub panel: String,
    /// In its window, final, or taken back.
    pub status: Status,
    /// The purchaser who proposed it.
    pub proposed_by: Uuid,
    /// Publication of the notice.
    pub notice_at: DateTimeUtc,
    /// Last day (China date) to file a challenge.
    pub challenge_until: Date,
    /// When it became final or was withdrawn.
    pub closed_at: Option<DateTimeUtc>,
}

crate::states! {
    /// Where an award notice is.
    Status {
        /// Published, in its challenge window.
        Notice = "notice",
        /// The window closed: the project is awarded.
        Final = "final",
        /// Taken back (upheld challenge, cancelled project).
        Withdrawn = "withdrawn",
    }
}

/// Relations of an award.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
