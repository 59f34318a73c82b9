//! Wire types: what the API sends and accepts. Entities never go on the wire;
//! the `From` impls here convert them. Doc comments become the schema's
//! descriptions.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{Enum, Object};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Role;

/// A list that comes whole: bounded by its parent (a project's documents,
/// a panel), so there is never a `next_cursor`. Same shape as the paged
/// lists, so one client loop reads both.
#[derive(Debug, Clone, Object)]
pub struct List<T: ParseFromJSON + ToJSON> {
    /// Every item.
    pub items: Vec<T>,
}

impl<T: ParseFromJSON + ToJSON> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self {
            items: iter.into_iter().collect(),
        }
    }
}

/// A role of DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Staff of a social organization.
    OrgMember,
    /// Legal representative or delegate of an organization.
    OrgAdmin,
    /// Civil-affairs staff.
    Registrar,
    /// Department staff who buy services.
    Purchaser,
    /// Evaluator on project panels.
    Expert,
    /// Oversight, read-only.
    Auditor,
    /// System administrator.
    Admin,
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::OrgMember => Role::OrgMember,
            RoleDto::OrgAdmin => Role::OrgAdmin,
            RoleDto::Registrar => Role::Registrar,
            RoleDto::Purchaser => Role::Purchaser,
            RoleDto::Expert => Role::Expert,
            RoleDto::Auditor => Role::Auditor,
            RoleDto::Admin => Role::Admin,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::OrgMember => RoleDto::OrgMember,
            Role::OrgAdmin => RoleDto::OrgAdmin,
            Role::Registrar => RoleDto::Registrar,
            Role::Purchaser => RoleDto::Purchaser,
            Role::Expert => RoleDto::Expert,
            Role::Auditor => RoleDto::Auditor,
            Role::Admin => RoleDto::Admin,
        }
    }
}

/// A user account.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// E-mail (lower case).
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Role (`org_member`, `org_admin`, `registrar`, `purchaser`, `expert`, `auditor`, `admin`).
    pub role: String,
    /// Department, for purchasers.
    pub department_id: Option<Uuid>,
    /// Organization, for org members and org admins.
    pub organization_id: Option<Uuid>,
    /// `active` or `deactivated`.
    pub status: String,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
}

impl From<entity::users::Model> for User {
    fn from(u: entity::users::Model) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            department_id: u.department_id,
            organization_id: u.organization_id,
            status: if u.active { "active" } else { "deactivated" }.to_owned(),
            created_at: u.created_at,
        }
    }
}

/// A page of users.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserPage {
    /// The users.
    pub items: Vec<User>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Self-service sign-up of a social organization's staff member.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct SignUpInput {
    /// E-mail address, used to sign in.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// Name shown to others.
    #[oai(validator(max_length = 100))]
    pub display_name: String,
    /// 10 to 128 characters with at least one letter and one digit.
    #[oai(validator(max_length = 128))]
    pub password: String,
}

/// A request for a password reset link.
#[derive(Debug, Clone, Object, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestInput {
    /// The account's e-mail address.
    #[oai(validator(max_length = 254))]
    pub email: String,
}

/// A new password set with a reset link.
#[derive(Debug, Clone, Object, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetInput {
    /// The secret at the end of the mailed link (`/reset-password/{token}`).
    #[oai(validator(max_length = 200))]
    pub token: String,
    /// 10 to 128 characters with at least one letter and one digit.
    #[oai(validator(max_length = 128))]
    pub new_password: String,
}

/// A change of one's own password.
#[derive(Debug, Clone, Object, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeInput {
    /// The password now.
    #[oai(validator(max_length = 128))]
    pub current_password: String,
    /// 10 to 128 characters with at least one letter and one digit, not the
    /// current one.
    #[oai(validator(max_length = 128))]
    pub new_password: String,
}

/// A request taken.
#[derive(Debug, Clone, Object)]
pub struct Accepted {
    /// What happens next, for a person.
    pub message: String,
}

/// An account created by an admin.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct CreateUserInput {
    /// E-mail address.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// Name shown to others.
    #[oai(validator(max_length = 100))]
    pub display_name: String,
    /// Initial password (10 to 128 characters, a letter and a digit).
    #[oai(validator(max_length = 128))]
    pub password: String,
    /// Role.
    pub role: RoleDto,
    /// Department (required for purchasers, refused for other roles).
    pub department_id: Option<Uuid>,
    /// Organization (only for org members and org admins).
    pub organization_id: Option<Uuid>,
}

/// A new role and membership for a user.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ChangeRoleInput {
    /// Role.
    pub role: RoleDto,
    /// Department (required for purchasers).
    pub department_id: Option<Uuid>,
    /// Organization (org roles only).
    pub organization_id: Option<Uuid>,
}

/// A token scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ScopeDto {
    /// Read what the owner may read.
    Read,
    /// Also change what the owner may change (implies `read`).
    Write,
}

/// A request for a new personal API token.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenInput {
    /// Your label for the token ("analysis script").
    #[oai(validator(max_length = 100))]
    pub name: String,
    /// Scopes; `write` implies `read`.
    #[oai(validator(min_items = 1, max_items = 2))]
    pub scopes: Vec<ScopeDto>,
}

/// A personal API token (never its secret).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Token {
    /// Id.
    pub id: Uuid,
    /// Label.
    pub name: String,
    /// First characters of the secret, to recognise it.
    pub prefix: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When revoked; a revoked token authenticates nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<entity::api_tokens::Model> for Token {
    fn from(t: entity::api_tokens::Model) -> Self {
        Self {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t.scopes.split(' ').map(str::to_owned).collect(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A token just created, with its secret. The secret is shown this once.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewToken {
    /// The token.
    pub token: Token,
    /// Send as `Authorization: Bearer <secret>`. Not retrievable later.
    pub secret: String,
}

/// The tokens of the caller.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TokenList {
    /// Newest first.
    pub items: Vec<Token>,
}

/// A government department.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Department {
    /// Id.
    pub id: Uuid,
    /// Short code.
    pub code: String,
    /// Official name.
    pub name: String,
    /// 6-digit administrative division code.
    pub division_code: String,
    /// Unified social credit code, when recorded (open data names the
    /// department by it, scheme `CN-USCI`).
    pub uscc: Option<String>,
    /// Inactive departments publish nothing new.
    pub active: bool,
}

impl From<entity::departments::Model> for Department {
    fn from(d: entity::departments::Model) -> Self {
        Self {
            id: d.id,
            code: d.code,
            name: d.name,
            division_code: d.division_code,
            uscc: d.uscc,
            active: d.active,
        }
    }
}

/// A page of departments.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DepartmentPage {
    /// The departments.
    pub items: Vec<Department>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// A department to create or the new state of one.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    /// 2 to 32 letters, digits or dashes; stored upper-case.
    #[oai(validator(max_length = 32))]
    pub code: String,
    /// Official name.
    #[oai(validator(max_length = 200))]
    pub name: String,
    /// 6-digit administrative division code.
    #[oai(validator(max_length = 6))]
    pub division_code: String,
    /// Unified social credit code (18 characters, both check characters
    /// valid); leave out or blank for none.
    #[oai(validator(max_length = 18))]
    #[serde(default)]
    pub uscc: Option<String>,
    /// Defaults to true.
    #[serde(default)]
    pub active: Option<bool>,
}

impl From<DepartmentInput> for crate::departments::DepartmentInput {
    fn from(d: DepartmentInput) -> Self {
        Self {
            code: d.code,
            name: d.name,
            division_code: d.division_code,
            uscc: d.uscc,
            active: d.active.unwrap_or(true),
        }
    }
}

/// Kind of calendar exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum DayKindDto {
    /// Public holiday.
    Holiday,
    /// Adjusted working day on a weekend.
    Workday,
}

impl From<DayKindDto> for crate::calendar::DayKind {
    fn from(k: DayKindDto) -> Self {
        match k {
            DayKindDto::Holiday => Self::Holiday,
            DayKindDto::Workday => Self::Workday,
        }
    }
}

/// An exception to the Monday-to-Friday week.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CalendarDay {
    /// The date.
    pub day: NaiveDate,
    /// `holiday` or `workday`.
    pub kind: String,
    /// Name (春节).
    pub name: String,
}

impl From<entity::calendar_days::Model> for CalendarDay {
    fn from(d: entity::calendar_days::Model) -> Self {
        Self {
            day: d.day,
            kind: d.kind,
            name: d.name,
        }
    }
}

/// The exceptions of a year.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CalendarYear {
    /// The year.
    pub year: i32,
    /// Exceptions in date order.
    pub items: Vec<CalendarDay>,
}

/// Sets what a day is.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct SetDayInput {
    /// `holiday` or `workday`.
    pub kind: DayKindDto,
    /// Name of the holiday.
    #[oai(validator(max_length = 100))]
    pub name: String,
}

/// The answer to "n working days after a date".
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WorkingDayAnswer {
    /// The start date (not counted).
    pub from: NaiveDate,
    /// Working days added.
    pub add: u32,
    /// The resulting date.
    pub date: NaiveDate,
}

/// One audit chain entry. An entry sealed with the bids of a project not
/// yet opened shows only its place in the chain (`seq`, `prev_hash`,
/// `hash`) and `sealed: true`, so nothing is missing and nothing is told;
/// it is shown whole after the opening.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEntry {
    /// Id (absent while sealed).
    pub id: Option<Uuid>,
    /// Position in the chain.
    pub seq: i64,
    /// `true` while the entry is sealed with bids not yet opened; absent otherwise.
    pub sealed: Option<bool>,
    /// Who acted (absent for the system, and while sealed).
    pub actor_id: Option<Uuid>,
    /// Their role, or `system` (absent while sealed).
    pub actor_role: Option<String>,
    /// What happened (absent while sealed).
    pub action: Option<String>,
    /// Kind of thing changed (absent while sealed).
    pub entity_type: Option<String>,
    /// Its id (absent while sealed).
    pub entity_id: Option<String>,
    /// State before (JSON).
    pub before: Option<serde_json::Value>,
    /// State after (JSON).
    pub after: Option<serde_json::Value>,
    /// When (UTC; absent while sealed).
    pub at: Option<DateTime<Utc>>,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl AuditEntry {
    /// An entry as its reader sees it: whole, or only its place when sealed.
    #[must_use]
    pub fn shown(e: entity::audit_entries::Model, sealed: bool) -> Self {
        if sealed {
            return Self {
                id: None,
                seq: e.seq,
                sealed: Some(true),
                actor_id: None,
                actor_role: None,
                action: None,
                entity_type: None,
                entity_id: None,
                before: None,
                after: None,
                at: None,
                prev_hash: e.prev_hash,
                hash: e.hash,
            };
        }
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Self {
            id: Some(e.id),
            seq: e.seq,
            sealed: None,
            actor_id: e.actor_id,
            actor_role: Some(e.actor_role),
            action: Some(e.action),
            entity_type: Some(e.entity_type),
            entity_id: Some(e.entity_id),
            before: parse(e.before),
            after: parse(e.after),
            at: Some(e.at),
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// A page of audit entries, newest first.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditPage {
    /// The entries.
    pub items: Vec<AuditEntry>,
    /// Cursor of the next (older) page.
    pub next_cursor: Option<String>,
}

/// What waits for the caller.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TaskList {
    /// How many things the caller must act on (the menu's count; projects
    /// closing soon are not counted).
    pub duties: u64,
    /// Groups of waiting things, duties first, the longest waiting first.
    pub groups: Vec<TaskGroup>,
}

/// The waiting things of one kind.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TaskGroup {
    /// What waits.
    pub kind: crate::tasks::Kind,
    /// The kind, for a person, in the requested language.
    pub label: String,
    /// Whether the caller must act (rather than may).
    pub duty: bool,
    /// How many wait in all.
    pub count: u64,
    /// The page listing them all.
    pub link: String,
    /// Since when the oldest waits (or, for things falling due, when it is due).
    pub oldest: Option<DateTime<Utc>>,
    /// The ten that wait longest, oldest first.
    pub items: Vec<TaskItem>,
}

/// One waiting thing.
#[derive(Debug, Clone, Object)]
pub struct TaskItem {
    /// What it is (a project's title, an organization's name).
    pub title: String,
    /// The page where it is done.
    pub link: String,
    /// Since when it waits, or when it falls due.
    pub since: DateTime<Utc>,
}

impl TaskList {
    /// The list of `groups`, labelled in `lang`.
    #[must_use]
    pub fn new(groups: &[crate::tasks::Group], lang: crate::i18n::Lang) -> Self {
        Self {
            duties: crate::tasks::duties(groups),
            groups: groups
                .iter()
                .map(|g| TaskGroup {
                    kind: g.kind,
                    label: lang
                        .try_t(&format!("task-{}", g.kind.as_str()))
                        .unwrap_or_else(|| g.kind.as_str().to_owned()),
                    duty: g.kind.is_duty(),
                    count: g.count,
                    link: g.link.clone(),
                    oldest: g.oldest(),
                    items: g
                        .items
                        .iter()
                        .map(|i| TaskItem {
                            title: i.title.clone(),
                            link: i.link.clone(),
                            since: i.since,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
