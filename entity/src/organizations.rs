//! Social organizations: the registry's main table.

use sea_orm::entity::prelude::*;

/// A registered social organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    /// Public id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Registration order (1, 2, ...): the public registry lists by it.
    pub seq: i64,
    /// Registered name.
    pub name: String,
    /// Registered, or no longer.
    pub status: Status,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Unified Social Credit Code, unique.
    pub uscc: Option<String>,
    /// Set when a registrar recorded a legacy code that fails the standard.
    pub uscc_legacy_reason: Option<String>,
    /// `social_group`, `foundation` or `social_service_agency`.
    pub org_type: String,
    /// Foundations: may raise funds from the public.
    pub public_offering: bool,
    /// Authority level: `national`, `provincial`, `municipal`, `county`.
    pub level: String,
    /// Authority's 6-digit division code.
    pub division_code: String,
    /// Field of activity.
    pub field: String,
    /// 业务主管单位.
    pub supervising_unit: Option<String>,
    /// Registered address.
    pub address: String,
    /// Legal representative's name.
    pub legal_representative: String,
    /// Business scope.
    pub business_scope: String,
    /// Original fund (foundations) or activity funds (others), in fen.
    pub funds_fen: i64,
    /// Date of registration.
    pub registered_on: Option<Date>,
    /// Reason of deregistration or revocation.
    pub status_reason: Option<String>,
    /// `none`, `abnormal` or `dishonest`: the worst open credit record.
    pub credit_status: CreditStatus,
    /// Current grade 1-5 (A), if any.
    pub grade: Option<i16>,
    /// When the current grade was awarded.
    pub grade_awarded_on: Option<Date>,
    /// Last day the current grade is valid.
    pub grade_valid_until: Option<Date>,
}

crate::states! {
    /// Whether an organization is registered.
    Status {
        /// Registered and in good standing to act.
        Active = "active",
        /// Deregistered at its own request.
        Deregistered = "deregistered",
        /// Registration revoked by the registrar.
        Revoked = "revoked",
    }
}

crate::states! {
    /// The worst open credit listing of an organization (kept on the row so
    /// the public search can filter on it).
    CreditStatus {
        /// No open listing.
        None = "none",
        /// On the abnormal list (活动异常名录).
        Abnormal = "abnormal",
        /// On the dishonest list (严重违法失信名单).
        Dishonest = "dishonest",
    }
}

/// Relations of an organization.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
