//! The grant service: creation from an award, the schedule, acceptance,
//! completion and termination (reports in [`super::reports`], payments in
//! [`super::disbursements`]). One transaction per
//! command, each with its audit entry; the grant row is locked first so
//! concurrent commands on one grant take turns.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{disbursements, grant_reports as reports, grants, installments};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::reports::ReportStatus;
use super::rules::{self, Action, Installment, ReportKind, Status, Trigger};
use crate::audit::{Change, Who};
use crate::auth::{Actor, policy};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::pagination::PageRequest;

/// A grant with its installments, reports and disbursements.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The row.
    pub row: grants::Model,
    /// State.
    pub status: Status,
    /// Installments in order.
    pub installments: Vec<installments::Model>,
    /// Reports by due date; bodies and figures blanked for those who may
    /// not read them yet ([`Grant::details`]).
    pub reports: Vec<reports::Model>,
    /// Disbursements, oldest first.
    pub disbursements: Vec<disbursements::Model>,
    /// Whether the reader sees reports not yet accepted.
    pub details: bool,
}

impl Grant {
    /// Paid so far, fen.
    #[must_use]
    pub fn paid_fen(&self) -> i64 {
        self.installments.iter().map(|i| i.paid_fen).sum()
    }

    /// Still to pay, fen.
    #[must_use]
    pub fn remaining_fen(&self) -> i64 {
        self.row.amount_fen - self.paid_fen()
    }

    /// Payable now, fen.
    #[must_use]
    pub fn payable_fen(&self) -> i64 {
        self.installments
            .iter()
            .map(|i| rules::payable(i.amount_fen, i.payable_at.is_some(), i.paid_fen))
            .sum()
    }

    /// Reports of an active grant past their due date and neither submitted
    /// nor accepted, on `today` (a closed grant owes nothing more).
    #[must_use]
    pub fn overdue(&self, today: NaiveDate) -> Vec<&reports::Model> {
        if self.status != Status::Active {
            return Vec::new();
        }
        self.reports
            .iter()
            .filter(|r| is_overdue(r, today))
            .collect()
    }
}

/// Whether a report is overdue on `today`: past its due date and neither
/// submitted nor accepted.
#[must_use]
pub fn is_overdue(r: &reports::Model, today: NaiveDate) -> bool {
    r.status.is_owed() && r.due_on < today
}

pub(super) fn snapshot(g: &grants::Model) -> serde_json::Value {
    json!({
        "id": g.id, "status": g.status, "status_reason": g.status_reason, "amount_fen": g.amount_fen,
        "organization_id": g.organization_id, "performance_score": g.performance_score,
    })
}

/// Creates the grant of an award inside the caller's transaction (the award
/// job's): default schedule, reports with due dates.
///
/// # Errors
/// The database's error.
pub async fn create_from_award<C: ConnectionTrait>(
    tx: &C,
    award: &entity::awards::Model,
    project: &entity::projects::Model,
    now: DateTime<Utc>,
) -> Result<grants::Model> {
    let winner = Winner {
        award_id: award.id,
        bid_id: award.bid_id,
        organization_id: award.organization_id,
        amount_fen: award.amount_fen,
    };
    create(tx, &winner, project, now).await
}

/// Who a grant goes to.
#[derive(Debug, Clone, Copy)]
pub struct Winner {
    /// The award it follows.
    pub award_id: Uuid,
    /// The winning bid.
    pub bid_id: Uuid,
    /// The grantee.
    pub organization_id: Uuid,
    /// The grant's amount, fen.
    pub amount_fen: i64,
}

/// Offers a grant to `winner` for `project`: default schedule, reports with
/// due dates, audited and published.
///
/// # Errors
/// The database's error.
pub async fn create<C: ConnectionTrait>(
    tx: &C,
    winner: &Winner,
    project: &entity::projects::Model,
    now: DateTime<Utc>,
) -> Result<grants::Model> {
    let g = grants::Model {
        id: Uuid::now_v7(),
        project_id: project.id,
        award_id: winner.award_id,
        bid_id: winner.bid_id,
        organization_id: winner.organization_id,
        department_id: project.department_id,
        title: project.title.clone(),
        amount_fen: winner.amount_fen,
        service_start: project.service_start,
        service_end: project.service_end,
        status: Status::PendingAcceptance,
        status_reason: None,
        accepted_at: None,
        performance_score: None,
        performance_comment: None,
        closed_at: None,
        created_at: now,
        updated_at: now,
    };
    grants::ActiveModel::from(g.clone())
        .reset_all()
        .insert(tx)
        .await?;
    let schedule = rules::default_schedule(g.amount_fen);
    write_schedule(tx, g.id, &schedule).await?;
    let mut due: Vec<(ReportKind, NaiveDate)> =
        rules::progress_due_dates(g.service_start, g.service_end)
            .into_iter()
            .map(|d| (ReportKind::Progress, d))
            .collect();
    due.extend(rules::report_due_dates(g.service_start, g.service_end));
    due.sort_by_key(|(_, d)| *d);
    for (kind, due_on) in &due {
        reports::ActiveModel::from(reports::Model {
            id: Uuid::now_v7(),
            grant_id: g.id,
            kind: kind.as_str().into(),
            due_on: *due_on,
            status: ReportStatus::Due,
            body: String::new(),
            people_served: None,
            spending_fen: None,
            submitted_at: None,
            submitted_by: None,
            reviewed_at: None,
            reviewed_by: None,
            review_note: None,
        })
        .reset_all()
        .insert(tx)
        .await?;
    }
    crate::open::publish(
        tx,
        &Who::system(),
        Change::new::<(), _>(
            "grant.create",
            "grant",
            g.id,
            None,
            Some(&json!({
                "id": g.id, "status": g.status, "project_id": g.project_id, "award_id": g.award_id,
                "organization_id": g.organization_id, "amount_fen": g.amount_fen,
                "schedule": schedule.iter().map(|i| json!({"trigger": i.trigger.as_str(), "amount_fen": i.amount_fen})).collect::<Vec<_>>(),
                "reports": due.iter().map(|(k, d)| json!({"kind": k.as_str(), "due_on": d})).collect::<Vec<_>>(),
            })),
        ),
        crate::open::Event::GrantCreated(g.id),
        now)
    .await?;
    // Offered: the organization's admins hear it now, under the key the
    // reminder job uses, so the job never repeats it.
    let admins = crate::notifications::organization_users(tx, g.organization_id, true).await?;
    crate::notifications::tell(
        tx,
        &admins,
        crate::notifications::Kind::GrantAwaitingAcceptance,
        super::reminders::awaiting_key(g.id),
        format!("/grants/{}", g.id),
        crate::notifications::Params::about(g.title.clone()),
        now,
    )
    .await?;
    Ok(g)
}

pub(super) async fn write_schedule<C: ConnectionTrait>(
    tx: &C,
    grant_id: Uuid,
    schedule: &[Installment],
) -> Result<()> {
    installments::Entity::delete_many()
        .filter(installments::Column::GrantId.eq(grant_id))
        .exec(tx)
        .await?;
    for (position, inst) in (0..).zip(schedule) {
        installments::ActiveModel::from(installments::Model {
            id: Uuid::now_v7(),
            grant_id,
            position,
            trigger: inst.trigger.as_str().into(),
            amount_fen: inst.amount_fen,
            paid_fen: 0,
            payable_at: None,
            paid_at: None,
        })
        .reset_all()
        .insert(tx)
        .await?;
    }
    Ok(())
}

/// Loads a grant row, locked for update inside a transaction.
pub async fn locked<C: ConnectionTrait>(tx: &C, id: Uuid) -> Result<(grants::Model, Status)> {
    let row = grants::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(Error::NotFound("grant"))?;
    let status = row.status;
    Ok((row, status))
}

/// Whether `actor` sees what a grant keeps from the public (reports not yet
/// accepted): the funding department's overseers and the grantee's people.
pub(super) fn sees_details(actor: Option<&Actor>, g: &grants::Model) -> bool {
    policy::oversees(actor, g.department_id) || policy::acts_for(actor, g.organization_id)
}

pub(super) async fn assemble<C: ConnectionTrait>(
    conn: &C,
    actor: Option<&Actor>,
    row: grants::Model,
) -> Result<Grant> {
    let id = row.id;
    assemble_all(conn, actor, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(format!("grant {id} was not assembled")))
}

/// Grants with their installments, reports and payments: three queries
/// for the whole page, whatever its size.
pub(super) async fn assemble_all<C: ConnectionTrait>(
    conn: &C,
    actor: Option<&Actor>,
    rows: Vec<grants::Model>,
) -> Result<Vec<Grant>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut installments_of: HashMap<Uuid, Vec<installments::Model>> = HashMap::new();
    for i in installments::Entity::find()
        .filter(installments::Column::GrantId.is_in(ids.clone()))
        .order_by_asc(installments::Column::Position)
        .all(conn)
        .await?
    {
        installments_of.entry(i.grant_id).or_default().push(i);
    }
    let mut reports_of: HashMap<Uuid, Vec<reports::Model>> = HashMap::new();
    for r in reports::Entity::find()
        .filter(reports::Column::GrantId.is_in(ids.clone()))
        .order_by_asc(reports::Column::DueOn)
        .order_by_asc(reports::Column::Id)
        .all(conn)
        .await?
    {
        reports_of.entry(r.grant_id).or_default().push(r);
    }
    let mut disbursements_of: HashMap<Uuid, Vec<disbursements::Model>> = HashMap::new();
    for d in disbursements::Entity::find()
        .filter(disbursements::Column::GrantId.is_in(ids))
        .order_by_asc(disbursements::Column::Id)
        .all(conn)
        .await?
    {
        disbursements_of.entry(d.grant_id).or_default().push(d);
    }
    rows.into_iter()
        .map(|row| {
            let status = row.status;
            let details = sees_details(actor, &row);
            let reports = reports_of
                .remove(&row.id)
                .unwrap_or_default()
                .into_iter()
                .map(|r| {
                    if details || r.status == ReportStatus::Accepted {
                        r
                    } else {
                        reports::Model {
                            body: String::new(),
                            people_served: None,
                            spending_fen: None,
                            submitted_by: None,
                            reviewed_by: None,
                            review_note: None,
                            ..r
                        }
                    }
                })
                .collect();
            Ok(Grant {
                installments: installments_of.remove(&row.id).unwrap_or_default(),
                disbursements: disbursements_of.remove(&row.id).unwrap_or_default(),
                status,
                reports,
                details,
                row,
            })
        })
        .collect()
}

/// One grant (public; details of reports for those concerned).
///
/// # Errors
/// `NotFound`.
pub async fn get(db: &Db, actor: Option<&Actor>, id: Uuid) -> Result<Grant> {
    let row = grants::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("grant"))?;
    assemble(db.conn(), actor, row).await
}

/// Which grants to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Of this grantee.
    pub organization_id: Option<Uuid>,
    /// Of this project.
    pub project_id: Option<Uuid>,
    /// Funded by this department.
    pub department_id: Option<Uuid>,
    /// In this state.
    pub status: Option<Status>,
}

/// A page of grants, newest first (public), and the next page's cursor.
///
/// # Errors
/// The database's error.
pub async fn list(
    db: &Db,
    actor: Option<&Actor>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<(Vec<Grant>, Option<String>)> {
    let mut q = grants::Entity::find().order_by_desc(grants::Column::Id);
    if let Some(o) = filter.organization_id {
        q = q.filter(grants::Column::OrganizationId.eq(o));
    }
    if let Some(p) = filter.project_id {
        q = q.filter(grants::Column::ProjectId.eq(p));
    }
    if let Some(d) = filter.department_id {
        q = q.filter(grants::Column::DepartmentId.eq(d));
    }
    if let Some(s) = filter.status {
        q = q.filter(grants::Column::Status.eq(s.as_str()));
    }
    if let Some(after) = page.after {
        q = q.filter(grants::Column::Id.lt(after));
    }
    let rows = q.limit(page.limit + 1).all(db.conn()).await?;
    let (rows, next) = page.finish(rows, |r| r.id);
    Ok((assemble_all(db.conn(), actor, rows).await?, next))
}

/// One line of an organization's public track record.
#[derive(Debug, Clone)]
pub struct TrackRecord {
    /// The grant.
    pub grant: grants::Model,
    /// Its reports past due and not submitted, on the day asked.
    pub overdue_reports: usize,
}

/// An organization's grants (not those it declined), newest first, with
/// their amounts, states, performance scores and overdue reports (public).
///
/// # Errors
/// The database's error.
pub async fn track_record(
    db: &Db,
    organization_id: Uuid,
    today: NaiveDate,
) -> Result<Vec<TrackRecord>> {
    let rows = grants::Entity::find()
        .filter(grants::Column::OrganizationId.eq(organization_id))
        .filter(grants::Column::Status.ne(Status::Declined.as_str()))
        .order_by_desc(grants::Column::Id)
        .all(db.conn())
        .await?;
    // Every report of the organization's grants, in one query.
    let mut overdue: HashMap<Uuid, usize> = HashMap::new();
    for r in reports::Entity::find()
        .filter(
            reports::Column::GrantId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(grants::Column::Id)
                    .from(grants::Entity)
                    .and_where(grants::Column::OrganizationId.eq(organization_id))
                    .to_owned(),
            ),
        )
        .all(db.conn())
        .await?
    {
        if is_overdue(&r, today) {
            *overdue.entry(r.grant_id).or_default() += 1;
        }
    }
    Ok(rows
        .into_iter()
        .map(|grant| TrackRecord {
            overdue_reports: if grant.status == Status::Active {
                overdue.get(&grant.id).copied().unwrap_or(0)
            } else {
                0
            },
            grant,
        })
        .collect())
}

pub(super) async fn save(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    before: &grants::Model,
    after: &grants::Model,
    verb: &'static str,
    event: crate::open::Event,
    now: DateTime<Utc>,
) -> Result<()> {
    grants::ActiveModel::from(after.clone())
        .reset_all()
        .update(tx)
        .await?;
    crate::open::publish(
        tx,
        &actor.who(),
        Change::new(
            verb,
            "grant",
            after.id,
            Some(&snapshot(before)),
            Some(&snapshot(after)),
        ),
        event,
        now,
    )
    .await?;
    Ok(())
}

/// The purchaser replaces the schedule before acceptance.
///
/// # Errors
/// `Forbidden` by role or department; `Conflict` once accepted; `Invalid`
/// naming each broken rule.
pub async fn set_schedule(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    schedule: &[Installment],
    now: DateTime<Utc>,
) -> Result<Grant> {
    let tx = db.begin().await?;
    let (row, status) = locked(&*tx, id).await?;
    policy::own_department(actor, row.department_id)?;
    rules::transition(status, Action::EditSchedule)?;
    let errors = rules::check_schedule(row.amount_fen, schedule);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    write_schedule(&*tx, id, schedule).await?;
    crate::open::publish(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "grant.schedule",
            "grant",
            id,
            None,
            Some(&json!({"schedule": schedule.iter().map(|i| json!({"trigger": i.trigger.as_str(), "amount_fen": i.amount_fen})).collect::<Vec<_>>()})),
        ),
        crate::open::Event::GrantScheduleChanged(id),
        now)
    .await?;
    tx.commit().await?;
    get(db, Some(actor), id).await
}

/// Marks installments with `trigger` payable (inside the caller's transaction).
pub(super) async fn make_payable<C: ConnectionTrait>(
    tx: &C,
    grant_id: Uuid,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<()> {
    use sea_orm::sea_query::Expr;
    installments::Entity::update_many()
        .col_expr(installments::Column::PayableAt, Expr::value(now))
        .filter(installments::Column::GrantId.eq(grant_id))
        .filter(installments::Column::Trigger.eq(trigger.as_str()))
        .filter(installments::Column::PayableAt.is_null())
        .exec(tx)
        .await?;
    Ok(())
}

/// The grantee's org admin accepts: the grant is active and the signing
/// installment payable.
///
/// # Errors
/// `Forbidden` unless the grantee's org admin; `Conflict` unless pending.
pub async fn accept(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<Grant> {
    let tx = db.begin().await?;
    let (row, status) = locked(&*tx, id).await?;
    policy::org_admin_of(actor, row.organization_id)?;
    let to = rules::transition(status, Action::Accept)?;
    let after = grants::Model {
        status: to,
        accepted_at: Some(now),
        updated_at: now,
        ..row.clone()
    };
    save(
        &*tx,
        actor,
        &row,
        &after,
        "grant.accept",
        crate::open::Event::GrantAccepted(after.id),
        now,
    )
    .await?;
    make_payable(&*tx, id, Trigger::Signing, now).await?;
    tx.commit().await?;
    get(db, Some(actor), id).await
}

/// A reason of 1 to 2000 characters, trimmed.
///
/// # Errors
/// `Invalid` naming `field`.
pub fn reason_text(field: &str, text: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 2000 {
        return Err(Error::invalid(
            field,
            "reason_required",
            "give a reason of 1 to 2000 characters",
        ));
    }
    Ok(t.to_owned())
}

/// The grantee's org admin declines, with a reason.
///
/// # Errors
/// As [`accept`]; `Invalid` without a reason.
pub async fn decline(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Grant> {
    let reason = reason_text("reason", reason)?;
    let tx = db.begin().await?;
    let (row, status) = locked(&*tx, id).await?;
    policy::org_admin_of(actor, row.organization_id)?;
    let to = rules::transition(status, Action::Decline)?;
    let after = grants::Model {
        status: to,
        status_reason: Some(reason),
        closed_at: Some(now),
        updated_at: now,
        ..row.clone()
    };
    save(
        &*tx,
        actor,
        &row,
        &after,
        "grant.decline",
        crate::open::Event::GrantDeclined(after.id),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, Some(actor), id).await
}

/// The purchaser terminates a pending or active grant, with a reason.
///
/// # Errors
/// `Forbidden` by role or department; `Conflict` once closed; `Invalid`
/// without a reason.
pub async fn terminate(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Grant> {
    let reason = reason_text("reason", reason)?;
    let tx = db.begin().await?;
    let (row, status) = locked(&*tx, id).await?;
    let to = terminable(actor, &row, status)?;
    let after = grants::Model {
        status: to,
        status_reason: Some(reason),
        closed_at: Some(now),
        updated_at: now,
        ..row.clone()
    };
    save(
        &*tx,
        actor,
        &row,
        &after,
        "grant.terminate",
        crate::open::Event::GrantTerminated(after.id),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, Some(actor), id).await
}

/// Whether `actor` may terminate the grant now: the state it goes to.
fn terminable(actor: &Actor, row: &grants::Model, status: Status) -> Result<Status> {
    policy::own_department(actor, row.department_id)?;
    rules::transition(status, Action::Terminate)
}

/// The grant `terminate` would end, for the purchaser to confirm; nothing
/// written.
///
/// # Errors
/// As [`terminate`].
pub async fn check_terminate(db: &Db, actor: &Actor, id: Uuid, reason: &str) -> Result<Grant> {
    reason_text("reason", reason)?;
    let g = get(db, Some(actor), id).await?;
    terminable(actor, &g.row, g.status)?;
    Ok(g)
}

/// The purchaser records the performance score and completes the grant:
/// the final report accepted and every installment paid.
///
/// # Errors
/// `Forbidden` by role or department; `Conflict` unless active, with the
/// final report accepted and nothing left to pay; `Invalid` for a score
/// outside 0-100 or an empty comment.
pub async fn complete(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    score: i32,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<Grant> {
    rules::check_score(score).map_err(|e| Error::Invalid(vec![e]))?;
    let comment = reason_text("comment", comment)?;
    let tx = db.begin().await?;
    let (row, status) = locked(&*tx, id).await?;
    policy::own_department(actor, row.department_id)?;
    let to = rules::transition(status, Action::Complete)?;
    let g = assemble(&*tx, Some(actor), row.clone()).await?;
    let final_accepted = g
        .reports
        .iter()
        .any(|r| r.kind == ReportKind::Final.as_str() && r.status == ReportStatus::Accepted);
    if !final_accepted || g.remaining_fen() != 0 {
        return Err(Error::Conflict {
            code: "not_finished",
            message: format!(
                "a grant completes once the final report is accepted and everything is paid; {} fen remain",
                g.remaining_fen()
            ),
        });
    }
    let after = grants::Model {
        status: to,
        performance_score: Some(score),
        performance_comment: Some(comment),
        closed_at: Some(now),
        updated_at: now,
        ..row.clone()
    };
    save(
        &*tx,
        actor,
        &row,
        &after,
        "grant.complete",
        crate::open::Event::GrantCompleted(after.id),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, Some(actor), id).await
}
