//! Projects: services a department buys.

use sea_orm::entity::prelude::*;

/// A procurement project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Creation order (1, 2, ...): the order lists read in, and the key of
    /// the title's text index (migration 000055).
    #[sea_orm(unique)]
    pub seq: i64,
    /// Human number `CG-YYYY-NNNNNN`, unique.
    #[sea_orm(unique)]
    pub number: String,
    /// Buying department.
    pub department_id: Uuid,
    /// Purchaser who created it.
    pub created_by: Uuid,
    /// Title.
    pub title: String,
    /// What is bought.
    pub description: String,
    /// Catalog category.
    pub category_id: Uuid,
    /// Division code where the service is delivered.
    pub region_code: String,
    /// Budget ceiling, fen.
    pub budget_fen: i64,
    /// Procurement method.
    pub method: String,
    /// First day of service.
    pub service_start: Date,
    /// Last day of service.
    pub service_end: Date,
    /// Eligibility rules, JSON (see `cogov::procurement::rules::Rule`).
    pub eligibility: String,
    /// Weighted criteria, JSON (see `cogov::procurement::rules::Criterion`).
    pub criteria: String,
    /// Bids are accepted until this instant.
    pub bid_deadline: DateTimeUtc,
    /// Publication time.
    pub published_at: Option<DateTimeUtc>,
    /// Where the project is (`procurement::rules::transition` moves it).
    pub status: Status,
    /// Reason of a cancellation or failure.
    pub status_reason: Option<String>,
    /// When the bids were opened.
    pub opened_at: Option<DateTimeUtc>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

crate::states! {
    /// State of a project.
    Status {
        /// Being written by the purchaser.
        Draft = "draft",
        /// Published, accepting bids until the deadline.
        Open = "open",
        /// Bids opened; experts at work.
        Evaluating = "evaluating",
        /// Award proposed and published; challenge window.
        Notice = "notice",
        /// Final.
        Awarded = "awarded",
        /// Stopped by the purchaser.
        Cancelled = "cancelled",
        /// Too few eligible bids, or none passes.
        Failed = "failed",
    }
}

/// Relations of a project.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable as _;

    use super::*;

    #[test]
    fn stored_names_are_the_column_values() {
        for s in Status::ALL {
            assert_eq!(s.as_str(), s.to_value());
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::iter().count(), Status::ALL.len());
        assert_eq!(Status::parse("archived"), None);
    }
}
