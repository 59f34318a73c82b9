//! Questions on open projects and the purchaser's public answers.

use sea_orm::entity::prelude::*;

/// A question (the asker is never shown publicly).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_questions")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// User who asked.
    pub asked_by: Uuid,
    /// Their organization, if any.
    pub organization_id: Option<Uuid>,
    /// The question.
    pub question: String,
    /// The answer, once given.
    pub answer: Option<String>,
    /// Purchaser who answered.
    pub answered_by: Option<Uuid>,
    /// When answered.
    pub answered_at: Option<DateTimeUtc>,
    /// When asked.
    pub created_at: DateTimeUtc,
}

/// Relations of a question.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
