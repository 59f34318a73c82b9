//! Wire types of the registry: applications, organizations, members, credit
//! records and grades. Entities never go on the wire; the conversions are here.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{Enum, Object};
use serde::Deserialize;
use uuid::Uuid;

use crate::divisions;
use crate::registry::applications::{Application as Domain, Status};
use crate::registry::particulars::{Changes, Content, Deregistration, Kind, Particulars};

/// Kind of application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ApplicationKind {
    /// A new organization.
    Registration,
    /// Changes to a registered organization.
    Change,
    /// Striking an organization off.
    Deregistration,
}

impl From<ApplicationKind> for Kind {
    fn from(k: ApplicationKind) -> Self {
        match k {
            ApplicationKind::Registration => Kind::Registration,
            ApplicationKind::Change => Kind::Change,
            ApplicationKind::Deregistration => Kind::Deregistration,
        }
    }
}

/// State of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Being written.
    Draft,
    /// Waiting for a registrar.
    Submitted,
    /// Sent back with reasons.
    Returned,
    /// Granted.
    Approved,
    /// Refused.
    Rejected,
    /// Taken back.
    Withdrawn,
}

impl From<ApplicationStatus> for Status {
    fn from(s: ApplicationStatus) -> Self {
        match s {
            ApplicationStatus::Draft => Status::Draft,
            ApplicationStatus::Submitted => Status::Submitted,
            ApplicationStatus::Returned => Status::Returned,
            ApplicationStatus::Approved => Status::Approved,
            ApplicationStatus::Rejected => Status::Rejected,
            ApplicationStatus::Withdrawn => Status::Withdrawn,
        }
    }
}

/// Kind of organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OrgTypeDto {
    /// 社会团体.
    SocialGroup,
    /// 基金会.
    Foundation,
    /// 社会服务机构.
    SocialServiceAgency,
}

impl OrgTypeDto {
    fn as_str(self) -> &'static str {
        match self {
            Self::SocialGroup => "social_group",
            Self::Foundation => "foundation",
            Self::SocialServiceAgency => "social_service_agency",
        }
    }
}

/// Field of activity; the first four register without a supervising unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FieldDto {
    /// 行业协会商会.
    IndustryAssociation,
    /// 科技类.
    ScienceAndTechnology,
    /// 公益慈善类.
    PublicWelfare,
    /// 城乡社区服务类.
    CommunityService,
    /// Anything else; needs a supervising unit.
    Other,
}

impl FieldDto {
    fn as_str(self) -> &'static str {
        match self {
            Self::IndustryAssociation => "industry_association",
            Self::ScienceAndTechnology => "science_and_technology",
            Self::PublicWelfare => "public_welfare",
            Self::CommunityService => "community_service",
            Self::Other => "other",
        }
    }
}

/// The content of an application. Which fields count depends on `kind`:
/// a registration uses the particulars (`name` to `unit_members`); a change
/// the fields to change (`name`, `address`, `legal_representative`,
/// `business_scope`, `funds_fen`); a deregistration `reason`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// Kind; cannot change after creation.
    pub kind: ApplicationKind,
    /// Name (proposed, or the new name).
    #[oai(validator(max_length = 200))]
    pub name: Option<String>,
    /// Kind of organization (registration).
    pub org_type: Option<OrgTypeDto>,
    /// Foundations: public offering (registration).
    pub public_offering: Option<bool>,
    /// Registration authority: `100000` (national) or a division code (registration).
    #[oai(validator(max_length = 6))]
    pub division_code: Option<String>,
    /// Field of activity (registration).
    pub field: Option<FieldDto>,
    /// 业务主管单位 (registration; required outside the four direct fields).
    #[oai(validator(max_length = 200))]
    pub supervising_unit: Option<String>,
    /// Address.
    #[oai(validator(max_length = 300))]
    pub address: Option<String>,
    /// Legal representative.
    #[oai(validator(max_length = 100))]
    pub legal_representative: Option<String>,
    /// Business scope.
    #[oai(validator(max_length = 2000))]
    pub business_scope: Option<String>,
    /// Original fund (foundations) or activity funds (others), in fen.
    pub funds_fen: Option<i64>,
    /// Social groups: individual members (registration).
    pub individual_members: Option<u32>,
    /// Social groups: unit members (registration).
    pub unit_members: Option<u32>,
    /// Deregistration: why.
    #[oai(validator(max_length = 2000))]
    pub reason: Option<String>,
}

impl From<ApplicationInput> for Content {
    fn from(i: ApplicationInput) -> Self {
        match i.kind {
            ApplicationKind::Registration => Content::Registration(Particulars {
                name: i.name.unwrap_or_default(),
                org_type: i
                    .org_type
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
                public_offering: i.public_offering.unwrap_or(false),
                division_code: i.division_code.unwrap_or_default(),
                field: i.field.map(|f| f.as_str().to_owned()).unwrap_or_default(),
                supervising_unit: i.supervising_unit,
                address: i.address.unwrap_or_default(),
                legal_representative: i.legal_representative.unwrap_or_default(),
                business_scope: i.business_scope.unwrap_or_default(),
                funds_fen: i.funds_fen.unwrap_or(0),
                individual_members: i.individual_members.unwrap_or(0),
                unit_members: i.unit_members.unwrap_or(0),
            }),
            ApplicationKind::Change => Content::Change(Changes {
                name: i.name,
                address: i.address,
                legal_representative: i.legal_representative,
                business_scope: i.business_scope,
                funds_fen: i.funds_fen,
            }),
            ApplicationKind::Deregistration => Content::Deregistration(Deregistration {
                reason: i.reason.unwrap_or_default(),
            }),
        }
    }
}

/// An application to the registrar.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Application {
    /// Id.
    pub id: Uuid,
    /// `registration`, `change` or `deregistration`.
    pub kind: String,
    /// `draft`, `submitted`, `returned`, `approved`, `rejected` or `withdrawn`.
    pub status: String,
    /// Who opened it.
    pub applicant_id: Uuid,
    /// The organization (for a registration: once approved).
    pub organization_id: Option<Uuid>,
    /// Name of the organization, proposed or current.
    pub name: String,
    /// Registration: kind of organization.
    pub org_type: Option<String>,
    /// Registration: public offering.
    pub public_offering: Option<bool>,
    /// Registration: authority division code.
    pub division_code: Option<String>,
    /// Registration: field of activity.
    pub field: Option<String>,
    /// Registration: supervising unit.
    pub supervising_unit: Option<String>,
    /// Registration or change: address.
    pub address: Option<String>,
    /// Registration or change: legal representative.
    pub legal_representative: Option<String>,
    /// Registration or change: business scope.
    pub business_scope: Option<String>,
    /// Registration or change: funds in fen.
    pub funds_fen: Option<i64>,
    /// Registration: individual members.
    pub individual_members: Option<u32>,
    /// Registration: unit members.
    pub unit_members: Option<u32>,
    /// Change: the new name, if the name changes.
    pub new_name: Option<String>,
    /// Deregistration: why.
    pub reason: Option<String>,
    /// The registrar's reason for the last return, or for the rejection.
    pub decision_reason: Option<String>,
    /// Last submission.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Decision.
    pub decided_at: Option<DateTime<Utc>>,
    /// Creation.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Domain> for Application {
    fn from(a: Domain) -> Self {
        let r = a.row;
        let mut out = Self {
            id: r.id,
            kind: r.kind,
            status: r.status.as_str().into(),
            applicant_id: r.applicant_id,
            organization_id: r.organization_id,
            name: r.name,
            org_type: None,
            public_offering: None,
            division_code: None,
            field: None,
            supervising_unit: None,
            address: None,
            legal_representative: None,
            business_scope: None,
            funds_fen: None,
            individual_members: None,
            unit_members: None,
            new_name: None,
            reason: None,
            decision_reason: r.decision_reason,
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        };
        match a.content {
            Content::Registration(p) => {
                out.org_type = Some(p.org_type);
                out.public_offering = Some(p.public_offering);
                out.division_code = Some(p.division_code);
                out.field = Some(p.field);
                out.supervising_unit = p.supervising_unit;
                out.address = Some(p.address);
                out.legal_representative = Some(p.legal_representative);
                out.business_scope = Some(p.business_scope);
                out.funds_fen = Some(p.funds_fen);
                out.individual_members = Some(p.individual_members);
                out.unit_members = Some(p.unit_members);
            }
            Content::Change(c) => {
                out.new_name = c.name;
                out.address = c.address;
                out.legal_representative = c.legal_representative;
                out.business_scope = c.business_scope;
                out.funds_fen = c.funds_fen;
            }
            Content::Deregistration(d) => out.reason = Some(d.reason),
        }
        out
    }
}

/// A page of applications.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApplicationPage {
    /// The applications.
    pub items: Vec<Application>,
    /// Cursor of the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A reason (return, rejection, revocation, lifting, declining or terminating a grant).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    /// 1 to 2000 characters.
    #[oai(validator(max_length = 2000))]
    pub reason: String,
}

/// How to approve: by default the system generates the organization's code.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ApprovalInput {
    /// A code to record instead of a generated one; it must pass both checks
    /// unless `legacy_override_reason` is given.
    #[oai(validator(max_length = 18))]
    pub uscc: Option<String>,
    /// Why a legacy code that fails a check is recorded anyway.
    #[oai(validator(max_length = 2000))]
    pub legacy_override_reason: Option<String>,
}

/// A registered organization: its public fields.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Organization {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Unified Social Credit Code.
    pub uscc: Option<String>,
    /// True when the code is a legacy one recorded by a registrar's override.
    pub uscc_legacy: bool,
    /// `social_group`, `foundation` or `social_service_agency`.
    pub org_type: String,
    /// Foundations: public offering.
    pub public_offering: bool,
    /// `national`, `provincial`, `municipal` or `county`.
    pub level: String,
    /// Authority division code.
    pub division_code: String,
    /// Division name.
    pub division_name: Option<String>,
    /// The registration authority by name (`北京市民政局`, `湖北省民政厅`,
    /// `中华人民共和国民政部`).
    pub authority_name: Option<String>,
    /// Field of activity.
    pub field: String,
    /// 业务主管单位.
    pub supervising_unit: Option<String>,
    /// Registered address.
    pub address: String,
    /// Legal representative.
    pub legal_representative: String,
    /// Business scope.
    pub business_scope: String,
    /// Original fund (foundations) or activity funds, fen.
    pub funds_fen: i64,
    /// Registration date.
    pub registered_on: Option<NaiveDate>,
    /// `active`, `deregistered` or `revoked`.
    pub status: String,
    /// Reason of deregistration or revocation.
    pub status_reason: Option<String>,
    /// `none`, `abnormal` or `dishonest`.
    pub credit_status: String,
    /// Current grade (`1A`-`5A`), if awarded and still valid.
    pub grade: Option<String>,
    /// Award date of the current grade.
    pub grade_awarded_on: Option<NaiveDate>,
    /// Last valid day of the current grade.
    pub grade_valid_until: Option<NaiveDate>,
}

impl Organization {
    /// The public view on `today` (an expired grade is not shown as current).
    #[must_use]
    pub fn from_model(o: entity::organizations::Model, today: NaiveDate) -> Self {
        let grade_valid = crate::registry::credit::current_grade(&o, today).is_some();
        let division_name = divisions::display_name(&o.division_code);
        Self {
            id: o.id,
            name: o.name,
            uscc: o.uscc,
            uscc_legacy: o.uscc_legacy_reason.is_some(),
            org_type: o.org_type,
            public_offering: o.public_offering,
            level: o.level,
            division_name,
            authority_name: divisions::authority_name(&o.division_code),
            division_code: o.division_code,
            field: o.field,
            supervising_unit: o.supervising_unit,
            address: o.address,
            legal_representative: o.legal_representative,
            business_scope: o.business_scope,
            funds_fen: o.funds_fen,
            registered_on: o.registered_on,
            status: o.status.as_str().into(),
            status_reason: o.status_reason,
            credit_status: o.credit_status.as_str().into(),
            grade: o.grade.filter(|_| grade_valid).map(|g| format!("{g}A")),
            grade_awarded_on: o.grade_awarded_on.filter(|_| grade_valid),
            grade_valid_until: o.grade_valid_until.filter(|_| grade_valid),
        }
    }
}

/// A page of organizations.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrganizationPage {
    /// The organizations.
    pub items: Vec<Organization>,
    /// Cursor of the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A listing on the abnormal or dishonest list.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreditRecord {
    /// Id.
    pub id: Uuid,
    /// Listed organization.
    pub organization_id: Uuid,
    /// `abnormal` or `dishonest`.
    pub kind: String,
    /// Ground.
    pub ground: String,
    /// First day.
    pub started_on: NaiveDate,
    /// Day lifted, if lifted.
    pub lifted_on: Option<NaiveDate>,
    /// Why lifted.
    pub lift_reason: Option<String>,
}

impl From<entity::credit_records::Model> for CreditRecord {
    fn from(r: entity::credit_records::Model) -> Self {
        Self {
            id: r.id,
            organization_id: r.organization_id,
            kind: r.kind.as_str().into(),
            ground: r.ground,
            started_on: r.started_on,
            lifted_on: r.lifted_on,
            lift_reason: r.lift_reason,
        }
    }
}

/// Kind of credit listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CreditKindDto {
    /// 活动异常名录.
    Abnormal,
    /// 严重违法失信名单.
    Dishonest,
}

/// A registrar's listing.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct CreditRecordInput {
    /// Which list.
    pub kind: CreditKindDto,
    /// Ground, 1 to 1000 characters.
    #[oai(validator(max_length = 1000))]
    pub ground: String,
    /// First day (not in the future).
    pub started_on: NaiveDate,
}

/// Lifting a listing.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct LiftInput {
    /// Why (rectified, 2 years without a new listing, ...).
    #[oai(validator(max_length = 2000))]
    pub reason: String,
    /// Day lifted, between the start and today.
    pub lifted_on: NaiveDate,
}

/// An evaluation grade.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Grade {
    /// Id.
    pub id: Uuid,
    /// `1A` to `5A`.
    pub grade: String,
    /// Award date.
    pub awarded_on: NaiveDate,
    /// Last valid day.
    pub valid_until: NaiveDate,
}

impl From<entity::grades::Model> for Grade {
    fn from(g: entity::grades::Model) -> Self {
        Self {
            id: g.id,
            grade: format!("{}A", g.grade),
            awarded_on: g.awarded_on,
            valid_until: g.valid_until,
        }
    }
}

/// A registrar's grade award.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct GradeInput {
    /// 1 to 5 (1A to 5A).
    pub grade: i16,
    /// Award date (not in the future).
    pub awarded_on: NaiveDate,
}

/// A public profile: the organization, its credit records and grades.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrganizationProfile {
    /// The organization.
    pub organization: Organization,
    /// Its listings, newest first, open and lifted.
    pub credit_records: Vec<CreditRecord>,
    /// Its grades, newest first.
    pub grades: Vec<Grade>,
    /// Its accepted annual reports' public figures, newest first.
    pub annual_reports: Vec<PublicAnnualReport>,
    /// Its track record: grants (not those declined), newest first.
    pub grants: Vec<TrackRecordEntry>,
}

/// A grant on an organization's track record.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TrackRecordEntry {
    /// The grant.
    pub grant_id: Uuid,
    /// Its project.
    pub project_id: Uuid,
    /// The project's title.
    pub title: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Service period start.
    pub service_start: NaiveDate,
    /// Service period end.
    pub service_end: NaiveDate,
    /// `pending_acceptance`, `active`, `completed` or `terminated`.
    pub status: String,
    /// Performance score (0-100) once completed.
    pub performance_score: Option<i32>,
    /// Reports past due and not submitted (active grants).
    pub overdue_reports: u32,
}

impl From<crate::grants::service::TrackRecord> for TrackRecordEntry {
    fn from(t: crate::grants::service::TrackRecord) -> Self {
        let g = t.grant;
        Self {
            grant_id: g.id,
            project_id: g.project_id,
            title: g.title,
            amount_fen: g.amount_fen,
            service_start: g.service_start,
            service_end: g.service_end,
            status: g.status.as_str().into(),
            performance_score: g.performance_score,
            overdue_reports: u32::try_from(t.overdue_reports).unwrap_or(u32::MAX),
        }
    }
}

/// The public figures of an accepted annual report.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PublicAnnualReport {
    /// Year.
    pub year: i32,
    /// `pass`, `basic_pass` or `fail`.
    pub result: Option<String>,
    /// Income, fen.
    pub income_fen: i64,
    /// Expenditure, fen.
    pub expenditure_fen: i64,
    /// Net assets, fen.
    pub net_assets_fen: i64,
    /// Staff.
    pub staff_count: i32,
    /// Volunteers.
    pub volunteer_count: i32,
    /// Activities.
    pub activities: String,
}

/// A member of an organization (seen by its own people and registrars).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Member {
    /// User id.
    pub id: Uuid,
    /// Name.
    pub display_name: String,
    /// E-mail.
    pub email: String,
    /// `org_admin` or `org_member`.
    pub role: String,
}

/// An invitation to join an organization.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Invitation {
    /// Id.
    pub id: Uuid,
    /// Organization.
    pub organization_id: Uuid,
    /// Invited address.
    pub email: String,
    /// `pending`, `accepted`, `declined` or `revoked`.
    pub status: String,
    /// Sent.
    pub created_at: DateTime<Utc>,
}

impl From<entity::invitations::Model> for Invitation {
    fn from(i: entity::invitations::Model) -> Self {
        Self {
            id: i.id,
            organization_id: i.organization_id,
            email: i.email,
            status: i.status.as_str().into(),
            created_at: i.created_at,
        }
    }
}

/// Members and pending invitations.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Members {
    /// Members.
    pub members: Vec<Member>,
    /// Pending invitations.
    pub invitations: Vec<Invitation>,
}

/// An invitation to send.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    /// Address to invite.
    #[oai(validator(max_length = 254))]
    pub email: String,
}
