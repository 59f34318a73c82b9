//! The life of an application (`registration`, `change`, `deregistration`):
//!
//! ```text
//! draft -> submitted -> (returned -> submitted)* -> approved | rejected
//! draft | submitted | returned -> withdrawn   (before a decision)
//! ```
//!
//! Who may move it: the applicant's org members edit drafts and returned
//! applications; the org admin (or, for a first registration, the applicant)
//! submits and withdraws; a registrar returns, approves or rejects. Returns
//! and rejections carry a reason. [`transition`] is the rule; the service
//! functions below apply it inside one transaction with the audit entry and,
//! on approval, the effect on the organization.

use chrono::{DateTime, Utc};
use entity::applications;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::organizations as orgs;
use super::particulars::{Changes, Content, Kind, Particulars, unknown_division};
use super::rules::check_registration;
use super::uscc::{Holder, RecordedCode};
use crate::audit::{self, Change};
use crate::auth::Actor;
use crate::auth::policy::{self, ApplicationAccess, RegistryScope};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};
use crate::notifications;
use crate::pagination::PageRequest;

/// State of an application (stored as its column's type).
pub use entity::applications::Status;

/// Something done to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Change the content.
    Edit,
    /// Hand in (first time or again after a return).
    Submit,
    /// Registrar sends back with reasons.
    Return,
    /// Registrar grants.
    Approve,
    /// Registrar refuses with a reason.
    Reject,
    /// Applicant takes it back.
    Withdraw,
}

impl Action {
    /// How the action reads after "cannot be".
    #[must_use]
    pub fn participle(self) -> &'static str {
        match self {
            Action::Edit => "edited",
            Action::Submit => "submitted",
            Action::Return => "returned",
            Action::Approve => "approved",
            Action::Reject => "rejected",
            Action::Withdraw => "withdrawn",
        }
    }
}

/// The state after `action`, or why it is not allowed now.
///
/// # Errors
/// `Conflict` (wrong state) naming the state and the action.
pub fn transition(from: Status, action: Action) -> Result<Status> {
    use Action as A;
    use Status as S;
    let to = match (from, action) {
        (S::Draft | S::Returned, A::Edit) => from,
        (S::Draft | S::Returned, A::Submit) => S::Submitted,
        (S::Submitted, A::Return) => S::Returned,
        (S::Submitted, A::Approve) => S::Approved,
        (S::Submitted, A::Reject) => S::Rejected,
        (S::Draft | S::Submitted | S::Returned, A::Withdraw) => S::Withdrawn,
        _ => {
            return Err(Error::Conflict {
                code: "wrong_state",
                message: format!(
                    "an application that is {from} cannot be {}",
                    action.participle()
                ),
            });
        }
    };
    Ok(to)
}

// ---------- the service: one transaction per command, with its audit entry ----------

/// An application as the service hands it out.
#[derive(Debug, Clone)]
pub struct Application {
    /// The row.
    pub row: applications::Model,
    /// Its kind.
    pub kind: Kind,
    /// Its state.
    pub status: Status,
    /// Its content.
    pub content: Content,
}

impl Application {
    fn from_row(row: applications::Model) -> Result<Self> {
        let bad = |what: &str| Error::Internal(format!("application {} has {what}", row.id));
        let kind = Kind::parse(&row.kind).ok_or_else(|| bad("an unknown kind"))?;
        let status = row.status;
        let content = Content::from_json(kind, &row.content).map_err(|_| bad("bad content"))?;
        Ok(Self {
            row,
            kind,
            status,
            content,
        })
    }

    fn access(&self, actor: &Actor) -> Result<ApplicationAccess> {
        policy::application_access(
            actor,
            self.row.applicant_id,
            self.row.organization_id,
            self.kind == Kind::Registration,
            self.status == Status::Draft,
        )
    }
}

fn app_snapshot(a: &applications::Model) -> serde_json::Value {
    serde_json::json!({
        "id": a.id, "kind": a.kind, "status": a.status, "applicant_id": a.applicant_id,
        "organization_id": a.organization_id, "name": a.name,
        "content": serde_json::from_str::<serde_json::Value>(&a.content).ok(),
        "decision_reason": a.decision_reason,
    })
}

async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Application> {
    let row = applications::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("application"))?;
    Application::from_row(row)
}

/// One application, for those allowed to see it, with what they may do.
///
/// # Errors
/// `NotFound` for anyone else.
pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> Result<(Application, ApplicationAccess)> {
    let app = load(db.conn(), id).await?;
    let access = app.access(actor)?;
    Ok((app, access))
}

/// Opens a draft. A registration is opened by an org user who belongs to no
/// organization yet; a change or deregistration by a member of an active
/// organization, about it.
///
/// # Errors
/// `Forbidden` by role; `Conflict` for a registration by someone who already
/// belongs to an organization (or a change by someone who does not);
/// `Invalid` naming each field with a shape problem.
pub async fn create(
    db: &Db,
    actor: &Actor,
    mut content: Content,
    now: DateTime<Utc>,
) -> Result<Application> {
    policy::check(Some(actor), policy::Action::Apply)?;
    let errors = content.normalize();
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let tx = db.begin().await?;
    let (organization_id, name) = match &content {
        Content::Registration(p) => {
            if actor.organization_id.is_some() {
                return Err(Error::Conflict {
                    code: "already_member",
                    message: "you already belong to an organization; register a new one from an account without one".into(),
                });
            }
            (None, p.name.clone())
        }
        Content::Change(_) | Content::Deregistration(_) => {
            let org_id = actor.organization_id.ok_or_else(|| Error::Conflict {
                code: "no_organization",
                message: "changes and deregistrations are made for your organization, and you belong to none".into(),
            })?;
            let org = orgs::get(&*tx, org_id).await?;
            if org.status != orgs::Status::Active {
                return Err(Error::Conflict {
                    code: "organization_not_active",
                    message: format!("the organization is {}", org.status),
                });
            }
            (Some(org_id), org.name)
        }
    };
    let row = applications::Model {
        id: Uuid::now_v7(),
        kind: content.kind().as_str().into(),
        status: Status::Draft,
        applicant_id: actor.user_id,
        organization_id,
        name,
        content: content.to_json(),
        decision_reason: None,
        submitted_at: None,
        decided_at: None,
        decided_by: None,
        created_at: now,
        updated_at: now,
    };
    applications::ActiveModel::from(row.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "application.create",
            "application",
            row.id,
            None,
            Some(&app_snapshot(&row)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Application::from_row(row)
}

/// Replaces the content of a draft or returned application.
///
/// # Errors
/// `NotFound`; `Forbidden` for readers; `Conflict` in another state or for a
/// content of another kind; `Invalid` naming each field with a shape problem.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    mut content: Content,
    now: DateTime<Utc>,
) -> Result<Application> {
    policy::check(Some(actor), policy::Action::Apply)?;
    let tx = db.begin().await?;
    let app = load(&*tx, id).await?;
    if app.access(actor)? < ApplicationAccess::Edit {
        return Err(Error::forbidden(
            "you may read this application, not edit it",
        ));
    }
    transition(app.status, Action::Edit)?;
    if content.kind() != app.kind {
        return Err(Error::Conflict {
            code: "kind_mismatch",
            message: format!("this is a {} application", app.kind.as_str()),
        });
    }
    let errors = content.normalize();
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let name = match &content {
        Content::Registration(p) => p.name.clone(),
        _ => app.row.name.clone(),
    };
    let after = applications::Model {
        content: content.to_json(),
        name,
        updated_at: now,
        ..app.row.clone()
    };
    applications::ActiveModel {
        id: Set(id),
        content: Set(after.content.clone()),
        name: Set(after.name.clone()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&*tx)
    .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "application.edit",
            "application",
            id,
            Some(&app_snapshot(&app.row)),
            Some(&app_snapshot(&after)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Application::from_row(after)
}

/// Every rule the content breaks now (empty when it may be submitted or approved).
async fn rule_violations<C: ConnectionTrait>(
    conn: &C,
    app: &Application,
) -> Result<Vec<FieldError>> {
    let mut errors = Vec::new();
    match &app.content {
        Content::Registration(p) => {
            let Some(facts) = p.facts() else {
                return Ok(vec![unknown_division()]);
            };
            errors = check_registration(&facts);
            for (field, value) in [
                ("address", &p.address),
                ("legal_representative", &p.legal_representative),
                ("business_scope", &p.business_scope),
            ] {
                if value.is_empty() {
                    errors.push(FieldError::new(
                        field,
                        "required",
                        format!("{field} is required to register"),
                    ));
                }
            }
            if orgs::name_taken(conn, &p.name, &p.division_code, None).await? {
                errors.push(name_taken_error());
            }
        }
        Content::Change(c) => {
            if *c == Changes::default() {
                errors.push(FieldError::new(
                    "changes",
                    "no_changes",
                    "a change application must change at least one particular",
                ));
            }
            let org_id = app
                .row
                .organization_id
                .ok_or(Error::NotFound("organization"))?;
            let org = orgs::get(conn, org_id).await?;
            if let Some(facts) = changed_facts(&org, c) {
                let changed_fields = [
                    c.name.as_ref().map(|_| "name"),
                    c.funds_fen.map(|_| "original_fund_fen"),
                    c.funds_fen.map(|_| "activity_funds_fen"),
                ];
                errors.extend(
                    check_registration(&facts)
                        .into_iter()
                        .filter(|e| changed_fields.contains(&Some(e.field.as_str()))),
                );
            }
            if let Some(name) = &c.name
                && orgs::name_taken(conn, name, &org.division_code, Some(org.id)).await?
            {
                errors.push(name_taken_error());
            }
        }
        Content::Deregistration(d) => {
            if d.reason.is_empty() {
                errors.push(FieldError::new(
                    "reason",
                    "reason_required",
                    "a deregistration application needs a reason",
                ));
            }
        }
    }
    Ok(errors)
}

fn name_taken_error() -> FieldError {
    FieldError::new(
        "name",
        "name_taken",
        "an active organization of the same registration authority already has this name",
    )
}

/// The facts of an organization with the changes applied.
fn changed_facts(
    org: &entity::organizations::Model,
    c: &Changes,
) -> Option<super::rules::RegistrationFacts> {
    let p = Particulars {
        name: c.name.clone().unwrap_or_else(|| org.name.clone()),
        org_type: org.org_type.clone(),
        public_offering: org.public_offering,
        division_code: org.division_code.clone(),
        field: org.field.clone(),
        supervising_unit: org.supervising_unit.clone(),
        address: String::new(),
        legal_representative: String::new(),
        business_scope: String::new(),
        funds_fen: c.funds_fen.unwrap_or(org.funds_fen),
        individual_members: 0,
        unit_members: 0,
    };
    p.facts()
}

async fn set_status<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    app: &Application,
    to: Status,
    reason: Option<&str>,
    verb: &'static str,
    now: DateTime<Utc>,
) -> Result<applications::Model> {
    let deciding = matches!(to, Status::Returned | Status::Approved | Status::Rejected);
    let after = applications::Model {
        status: to,
        decision_reason: if deciding {
            reason.map(str::to_owned)
        } else {
            app.row.decision_reason.clone()
        },
        submitted_at: if to == Status::Submitted {
            Some(now)
        } else {
            app.row.submitted_at
        },
        decided_at: if matches!(to, Status::Approved | Status::Rejected) {
            Some(now)
        } else {
            app.row.decided_at
        },
        decided_by: if deciding {
            Some(actor.user_id)
        } else {
            app.row.decided_by
        },
        updated_at: now,
        ..app.row.clone()
    };
    crate::db::update_while::<applications::Entity, _>(
        tx,
        applications::ActiveModel {
            status: Set(after.status),
            organization_id: Set(after.organization_id),
            decision_reason: Set(after.decision_reason.clone()),
            submitted_at: Set(after.submitted_at),
            decided_at: Set(after.decided_at),
            decided_by: Set(after.decided_by),
            updated_at: Set(now),
            ..Default::default()
        },
        applications::Column::Id,
        after.id,
        applications::Column::Status,
        app.row.status,
        "this application",
    )
    .await?;
    audit::append(
        tx,
        &actor.who(),
        Change::new(
            verb,
            "application",
            after.id,
            Some(&app_snapshot(&app.row)),
            Some(&app_snapshot(&after)),
        ),
        now,
    )
    .await?;
    Ok(after)
}

/// Hands a draft or returned application to the registrar, after checking
/// every rule.
///
/// # Errors
/// `NotFound`; `Forbidden` unless the actor may submit it; `Conflict` in
/// another state; `Invalid` naming each broken rule.
pub async fn submit(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<Application> {
    let tx = db.begin().await?;
    let app = load(&*tx, id).await?;
    let to = submittable(actor, &app)?;
    let errors = submit_problems(&*tx, &app).await?.problems;
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let row = set_status(&*tx, actor, &app, to, None, "application.submit", now).await?;
    tx.commit().await?;
    Application::from_row(row)
}

/// Whether `actor` may send `app` now: the state it goes to.
fn submittable(actor: &Actor, app: &Application) -> Result<Status> {
    policy::check(Some(actor), policy::Action::Apply)?;
    if app.access(actor)? < ApplicationAccess::Submit {
        return Err(Error::forbidden(
            "only the org admin submits applications for the organization",
        ));
    }
    transition(app.status, Action::Submit)
}

/// What sending an application would meet: its checklist, and every
/// problem [`submit`] would name (a broken rule, a missing document).
#[derive(Debug)]
pub struct SubmitCheck {
    /// The application.
    pub app: Application,
    /// Its required materials, ticked.
    pub checklist: Vec<super::materials::Item>,
    /// What stands in the way; empty when it can be sent.
    pub problems: Vec<FieldError>,
}

async fn submit_problems<C: ConnectionTrait>(conn: &C, app: &Application) -> Result<SubmitCheck> {
    let checklist = checklist_in(conn, app).await?;
    let mut problems = rule_violations(conn, app).await?;
    problems.extend(super::materials::missing(&checklist));
    Ok(SubmitCheck {
        app: app.clone(),
        checklist,
        problems,
    })
}

/// "Check your answers": what [`submit`] would meet, nothing written.
///
/// # Errors
/// As [`submit`] for who and when; the problems come back, not refused.
pub async fn check_submit(db: &Db, actor: &Actor, id: Uuid) -> Result<SubmitCheck> {
    let app = load(db.conn(), id).await?;
    submittable(actor, &app)?;
    submit_problems(db.conn(), &app).await
}

/// An application's checklist of required materials, read in `conn`.
async fn checklist_in<C: ConnectionTrait>(
    conn: &C,
    app: &Application,
) -> Result<Vec<super::materials::Item>> {
    let required = super::materials::required(conn, app.content.kind()).await?;
    let attached: Vec<String> = entity::files::Entity::find()
        .filter(entity::files::Column::OwnerKind.eq(crate::files::APPLICATION))
        .filter(entity::files::Column::OwnerId.eq(app.row.id))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|f| f.label)
        .collect();
    Ok(super::materials::checklist(
        &required,
        &app.content,
        &attached,
    ))
}

/// The checklist of required materials of an application the actor may
/// see: each document asked of it, ticked when attached.
///
/// # Errors
/// As [`get`].
pub async fn checklist(db: &Db, actor: &Actor, id: Uuid) -> Result<Vec<super::materials::Item>> {
    let (app, _) = get(db, actor, id).await?;
    checklist_in(db.conn(), &app).await
}

/// The audit verbs an application's history shows.
pub const STEPS: [&str; 7] = [
    "application.create",
    "application.edit",
    "application.submit",
    "application.return",
    "application.reject",
    "application.approve",
    "application.withdraw",
];

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What happened: the audit verb's last part (`create`, `update`,
    /// `submit`, `return`, `reject`, `approve`, `withdraw`).
    pub what: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The registrar's reason, for a return or rejection.
    pub reason: Option<String>,
}

/// An application's history, oldest first, from its audit entries: every
/// submission, return with its reason, and decision. For whoever may read
/// the application.
///
/// # Errors
/// As [`get`].
pub async fn history(db: &Db, actor: &Actor, id: Uuid) -> Result<Vec<Step>> {
    get(db, actor, id).await?;
    let page = PageRequest::parse(Some(100), None)?;
    let filter = audit::Filter {
        entity_type: Some("application".into()),
        entity_id: Some(id.to_string()),
    };
    let (mut entries, _) = audit::list(db.conn(), &filter, &page).await?;
    entries.reverse();
    Ok(entries
        .into_iter()
        .filter(|e| STEPS.contains(&e.action.as_str()))
        .map(|e| {
            let what = e.action.rsplit('.').next().unwrap_or_default().to_owned();
            let reason = matches!(what.as_str(), "return" | "reject")
                .then(|| {
                    e.after
                        .as_deref()
                        .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
                        .and_then(|a| a["decision_reason"].as_str().map(str::to_owned))
                })
                .flatten();
            Step {
                what,
                at: e.at,
                reason,
            }
        })
        .collect())
}

/// The code an approval would issue now to a submitted registration (a
/// preview: another approval may take it first, and a typed-in code
/// replaces it). `None` for other kinds.
///
/// # Errors
/// As [`get`]; `Forbidden` unless a registrar.
pub async fn code_to_issue(db: &Db, actor: &Actor, id: Uuid) -> Result<Option<String>> {
    policy::check(Some(actor), policy::Action::Register)?;
    let (app, _) = get(db, actor, id).await?;
    let Content::Registration(p) = &app.content else {
        return Ok(None);
    };
    let Some(facts) = p.facts() else {
        return Ok(None);
    };
    let tx = db.begin().await?;
    // Drawn in a transaction that is rolled back: the sequence is not used up.
    let code = orgs::next_uscc(&*tx, facts.org_type.category(), &p.division_code).await?;
    drop(tx);
    Ok(Some(code.as_str().to_owned()))
}

/// The applicant takes the application back before a decision.
///
/// # Errors
/// As [`submit`], without the rules.
pub async fn withdraw(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<Application> {
    policy::check(Some(actor), policy::Action::Apply)?;
    let tx = db.begin().await?;
    let app = load(&*tx, id).await?;
    if app.access(actor)? < ApplicationAccess::Submit {
        return Err(Error::forbidden(
            "only the org admin withdraws applications for the organization",
        ));
    }
    let to = transition(app.status, Action::Withdraw)?;
    let row = set_status(&*tx, actor, &app, to, None, "application.withdraw", now).await?;
    tx.commit().await?;
    Application::from_row(row)
}

fn required_reason(reason: &str) -> Result<&str> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 2000 {
        return Err(Error::invalid(
            "reason",
            "reason_required",
            "give the applicant a reason of 1 to 2000 characters",
        ));
    }
    Ok(r)
}

async fn decide_without_effect(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    action: Action,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Application> {
    policy::check(Some(actor), policy::Action::Register)?;
    let reason = required_reason(reason)?;
    let tx = db.begin().await?;
    let app = load(&*tx, id).await?;
    app.access(actor)?;
    let to = transition(app.status, action)?;
    let verb = if action == Action::Return {
        "application.return"
    } else {
        "application.reject"
    };
    let row = set_status(&*tx, actor, &app, to, Some(reason), verb, now).await?;
    let kind = if action == Action::Return {
        notifications::Kind::ApplicationReturned
    } else {
        notifications::Kind::ApplicationRejected
    };
    tell_applicant(&*tx, &row, kind, Some(reason.to_owned()), None, now).await?;
    tx.commit().await?;
    Application::from_row(row)
}

/// Tells the applicant of a registrar's decision, in the decision's
/// transaction (keyed by the decision's time: one message per decision).
async fn tell_applicant<C: ConnectionTrait>(
    tx: &C,
    row: &applications::Model,
    kind: notifications::Kind,
    note: Option<String>,
    code: Option<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    let applicant = notifications::users_by_id(tx, [row.applicant_id]).await?;
    notifications::tell(
        tx,
        &applicant,
        kind,
        format!(
            "application:{}:{}:{}",
            row.id,
            kind.as_str(),
            now.timestamp_micros()
        ),
        format!("/applications/{}", row.id),
        notifications::Params {
            note,
            code,
            ..notifications::Params::about(row.name.clone())
        },
        now,
    )
    .await?;
    Ok(())
}

/// A registrar sends a submitted application back with reasons.
///
/// # Errors
/// `Forbidden` unless a registrar; `NotFound`; `Conflict` unless submitted;
/// `Invalid` without a reason.
pub async fn send_back(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Application> {
    decide_without_effect(db, actor, id, Action::Return, reason, now).await
}

/// A registrar refuses a submitted application with a reason.
///
/// # Errors
/// As [`send_back`].
pub async fn reject(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Application> {
    decide_without_effect(db, actor, id, Action::Reject, reason, now).await
}

/// How a registrar approves: with a generated code (the default) or with one
/// typed in, which may be a legacy code only with an override reason.
#[derive(Debug, Clone, Default)]
pub struct Approval {
    /// A code to record instead of a generated one.
    pub uscc: Option<String>,
    /// Why a code that fails the standard is recorded anyway.
    pub legacy_override_reason: Option<String>,
}

/// A registrar grants a submitted application, with its effect in the same
/// transaction: a registration creates the organization with its code and
/// makes the applicant its org admin; a change updates the organization; a
/// deregistration strikes it off.
///
/// # Errors
/// `Forbidden` unless a registrar; `NotFound`; `Conflict` unless submitted
/// (a decided application cannot be decided again); `Invalid` when a rule is
/// now broken or the code typed in fails a check (the message says which).
pub async fn approve(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    approval: Approval,
    now: DateTime<Utc>,
) -> Result<Application> {
    policy::check(Some(actor), policy::Action::Register)?;
    let tx = db.begin().await?;
    let mut app = load(&*tx, id).await?;
    app.access(actor)?;
    let to = transition(app.status, Action::Approve)?;
    let errors = rule_violations(&*tx, &app).await?;
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let today = crate::clock::china_date(now);
    let mut legacy_reason = None;
    let mut issued = None;
    match &app.content {
        Content::Registration(p) => {
            let facts = p
                .facts()
                .ok_or_else(|| Error::Invalid(vec![unknown_division()]))?;
            let code = match approval
                .uscc
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                Some(typed) => {
                    let recorded = RecordedCode::from_registrar(
                        typed,
                        approval.legacy_override_reason.as_deref(),
                    )
                    .map_err(|e| Error::invalid("uscc", "invalid_uscc", e.to_string()))?;
                    match &recorded {
                        RecordedCode::Standard(code) => code
                            .check_holder(Holder::Organization {
                                category: facts.org_type.category(),
                                division: Some(p.division_code.as_str()),
                            })
                            .map_err(|e| Error::invalid("uscc", "uscc_holder", e.to_string()))?,
                        RecordedCode::Legacy { reason, .. } => legacy_reason = Some(reason.clone()),
                    }
                    recorded.as_str().to_owned()
                }
                None => orgs::next_uscc(&*tx, facts.org_type.category(), &p.division_code)
                    .await?
                    .as_str()
                    .to_owned(),
            };
            let org = orgs::insert(
                &*tx,
                orgs::NewOrganization {
                    name: p.name.clone(),
                    org_type: facts.org_type,
                    division_code: p.division_code.clone(),
                    field: facts.field,
                    supervising_unit: p.supervising_unit.clone(),
                    address: p.address.clone(),
                    legal_representative: p.legal_representative.clone(),
                    business_scope: p.business_scope.clone(),
                    funds_fen: p.funds_fen,
                    registered_on: today,
                    uscc: code,
                    uscc_legacy_reason: legacy_reason.clone(),
                },
                now,
            )
            .await?;
            crate::open::publish(
                &*tx,
                &actor.who(),
                Change::new::<(), _>(
                    "organization.register",
                    "organization",
                    org.id,
                    None,
                    Some(&orgs::snapshot(&org)),
                ),
                crate::open::Event::OrganizationRegistered(org.id),
                now,
            )
            .await?;
            super::members::make_founder(&*tx, actor, app.row.applicant_id, org.id, now).await?;
            app.row.organization_id = Some(org.id);
            issued = org.uscc.clone();
        }
        Content::Change(c) => {
            let org_id = app
                .row
                .organization_id
                .ok_or(Error::NotFound("organization"))?;
            let before = orgs::get(&*tx, org_id).await?;
            let after = entity::organizations::Model {
                name: c.name.clone().unwrap_or_else(|| before.name.clone()),
                address: c.address.clone().unwrap_or_else(|| before.address.clone()),
                legal_representative: c
                    .legal_representative
                    .clone()
                    .unwrap_or_else(|| before.legal_representative.clone()),
                business_scope: c
                    .business_scope
                    .clone()
                    .unwrap_or_else(|| before.business_scope.clone()),
                funds_fen: c.funds_fen.unwrap_or(before.funds_fen),
                updated_at: now,
                ..before.clone()
            };
            orgs::save(
                &*tx,
                &actor.who(),
                &before,
                &after,
                "organization.change",
                crate::open::Event::OrganizationChanged(after.id),
                now,
            )
            .await?;
        }
        Content::Deregistration(d) => {
            let org_id = app
                .row
                .organization_id
                .ok_or(Error::NotFound("organization"))?;
            let before = orgs::get(&*tx, org_id).await?;
            if before.status != orgs::Status::Active {
                return Err(Error::Conflict {
                    code: "organization_not_active",
                    message: format!("the organization is already {}", before.status),
                });
            }
            let after = entity::organizations::Model {
                status: orgs::Status::Deregistered,
                status_reason: Some(d.reason.clone()),
                updated_at: now,
                ..before.clone()
            };
            orgs::save(
                &*tx,
                &actor.who(),
                &before,
                &after,
                "organization.deregister",
                crate::open::Event::OrganizationDeregistered(after.id),
                now,
            )
            .await?;
        }
    }
    let row = set_status(&*tx, actor, &app, to, None, "application.approve", now).await?;
    tell_applicant(
        &*tx,
        &row,
        notifications::Kind::ApplicationApproved,
        None,
        issued,
        now,
    )
    .await?;
    tx.commit().await?;
    Application::from_row(row)
}

/// Filters of the application lists.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this state.
    pub status: Option<Status>,
    /// Only this kind.
    pub kind: Option<Kind>,
}

/// Applications the actor may see: org users their own and their
/// organization's; registrars and auditors every submitted one (the queue).
///
/// # Errors
/// `Forbidden` for other roles.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &ListFilter,
    page: &PageRequest,
) -> Result<(Vec<Application>, Option<String>)> {
    use applications::Column as C;
    let mut q = applications::Entity::find().order_by_asc(C::Id);
    if let RegistryScope::Own(own_org) = policy::registry_scope(actor)? {
        let mut mine = Condition::any().add(C::ApplicantId.eq(actor.user_id));
        if let Some(org) = own_org {
            mine = mine.add(C::OrganizationId.eq(org));
        }
        q = q.filter(mine);
    } else {
        q = q.filter(C::Status.ne(Status::Draft.as_str()));
    }
    if let Some(s) = filter.status {
        q = q.filter(C::Status.eq(s.as_str()));
    }
    if let Some(k) = filter.kind {
        q = q.filter(C::Kind.eq(k.as_str()));
    }
    if let Some(after) = page.after {
        q = q.filter(C::Id.gt(after));
    }
    let rows = q.limit(page.limit + 1).all(db.conn()).await?;
    let (rows, next) = page.finish(rows, |a| a.id);
    let apps = rows
        .into_iter()
        .map(Application::from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok((apps, next))
}

/// Submitted applications waiting for a registrar, by kind.
///
/// # Errors
/// `Forbidden` unless the actor reads the registry.
pub async fn queue_counts(db: &Db, actor: &Actor) -> Result<Vec<(Kind, u64)>> {
    policy::check(Some(actor), policy::Action::ReadRegistry)?;
    let mut out = Vec::new();
    for kind in [Kind::Registration, Kind::Change, Kind::Deregistration] {
        let n = applications::Entity::find()
            .filter(applications::Column::Status.eq(Status::Submitted.as_str()))
            .filter(applications::Column::Kind.eq(kind.as_str()))
            .count(db.conn())
            .await?;
        out.push((kind, n));
    }
    Ok(out)
}

/// Attaches one of the actor's uploads to a draft or returned application.
///
/// # Errors
/// `NotFound`; `Forbidden` for readers; `Conflict` once submitted or
/// decided; `Invalid` for an unknown label or a file that is not the actor's
/// unattached upload.
pub async fn attach_document(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    file_id: Uuid,
    label: &str,
    now: DateTime<Utc>,
) -> Result<entity::files::Model> {
    policy::check(Some(actor), policy::Action::Apply)?;
    let label = crate::files::APPLICATION_LABELS
        .iter()
        .find(|l| **l == label)
        .ok_or_else(|| {
            Error::invalid(
                "label",
                "unknown_label",
                format!(
                    "label must be one of {}",
                    crate::files::APPLICATION_LABELS.join(", ")
                ),
            )
        })?;
    let tx = db.begin().await?;
    let app = load(&*tx, id).await?;
    if app.access(actor)? < ApplicationAccess::Edit {
        return Err(Error::forbidden(
            "you may read this application, not edit it",
        ));
    }
    transition(app.status, Action::Edit)?;
    let file = crate::files::attach(
        &*tx,
        actor,
        file_id,
        crate::files::APPLICATION,
        id,
        label,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(file)
}

/// The documents of an application the actor may see.
///
/// # Errors
/// `NotFound` for those who may not see the application.
pub async fn documents(db: &Db, actor: &Actor, id: Uuid) -> Result<Vec<entity::files::Model>> {
    let app = load(db.conn(), id).await?;
    app.access(actor)?;
    crate::files::attached_to(db.conn(), crate::files::APPLICATION, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_STATUSES: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
        Status::Rejected,
        Status::Withdrawn,
    ];
    const ALL_ACTIONS: [Action; 6] = [
        Action::Edit,
        Action::Submit,
        Action::Return,
        Action::Approve,
        Action::Reject,
        Action::Withdraw,
    ];

    #[test]
    fn the_happy_path_and_a_return_loop() {
        let s = transition(Status::Draft, Action::Submit).unwrap();
        let s = transition(s, Action::Return).unwrap();
        assert_eq!(s, Status::Returned);
        let s = transition(s, Action::Edit).unwrap();
        let s = transition(s, Action::Submit).unwrap();
        assert_eq!(transition(s, Action::Approve).unwrap(), Status::Approved);
    }

    #[test]
    fn decided_applications_are_final_and_submitted_ones_cannot_be_edited() {
        for from in ALL_STATUSES.into_iter().filter(|s| s.is_final()) {
            for action in ALL_ACTIONS {
                assert!(transition(from, action).is_err(), "{from} {action:?}");
            }
        }
        match transition(Status::Submitted, Action::Edit) {
            Err(Error::Conflict { message, .. }) => {
                assert_eq!(message, "an application that is submitted cannot be edited");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            transition(Status::Draft, Action::Approve).is_err(),
            "registrars decide only submitted ones"
        );
        assert!(transition(Status::Returned, Action::Reject).is_err());
    }

    #[test]
    fn withdrawal_is_possible_until_a_decision() {
        for from in [Status::Draft, Status::Submitted, Status::Returned] {
            assert_eq!(
                transition(from, Action::Withdraw).unwrap(),
                Status::Withdrawn
            );
        }
    }
}
