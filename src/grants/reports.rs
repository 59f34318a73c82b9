//! A grant's reports: what the grantee submits (due or returned), who may
//! read one and its files, and the purchaser's review, which makes the
//! installment that waits on it payable. Each command locks the grant
//! first, as every grant command does.

use chrono::{DateTime, Utc};
use entity::{grant_reports as reports, grants};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::rules::{self, Action, ReportKind, Status, Trigger};
use super::service::{locked, make_payable, sees_details};
use crate::audit::{self, Change};
use crate::auth::{Actor, policy};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::files;
use crate::notifications::{self, Params};

/// Where a report is.
pub use entity::grant_reports::Status as ReportStatus;
/// Owner kind of report files.
pub const FILE_OWNER: &str = "grant_report";

/// What a report says.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// Text.
    pub body: String,
    /// People served to date.
    pub people_served: Option<i64>,
    /// Spending to date, fen.
    pub spending_fen: Option<i64>,
    /// The submitter's unattached uploads.
    pub file_ids: Vec<Uuid>,
}

async fn report_and_grant<C: ConnectionTrait>(
    tx: &C,
    report_id: Uuid,
) -> Result<(reports::Model, grants::Model, Status)> {
    let r = reports::Entity::find_by_id(report_id)
        .one(tx)
        .await?
        .ok_or(Error::NotFound("report"))?;
    let (g, status) = locked(tx, r.grant_id).await?;
    Ok((r, g, status))
}

/// The grantee submits a due or returned report.
///
/// # Errors
/// `Forbidden` unless an org user of the grantee; `Conflict` unless the
/// grant is active and the report due or returned; `Invalid` for empty
/// text, negative figures or files that are not the caller's uploads.
pub async fn submit_report(
    db: &Db,
    actor: &Actor,
    report_id: Uuid,
    input: ReportInput,
    now: DateTime<Utc>,
) -> Result<reports::Model> {
    let body = input.body.trim().to_owned();
    let mut errors = Vec::new();
    if body.is_empty() || body.chars().count() > 20_000 {
        errors.push(crate::error::FieldError::new(
            "body",
            "length",
            "write the report in 1 to 20000 characters",
        ));
    }
    for (field, v) in [
        ("people_served", input.people_served),
        ("spending_fen", input.spending_fen),
    ] {
        if v.is_some_and(|v| v < 0) {
            errors.push(crate::error::FieldError::new(
                field,
                "negative",
                "figures cannot be negative",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let tx = db.begin().await?;
    let (r, g, status) = report_and_grant(&*tx, report_id).await?;
    policy::member_of(actor, g.organization_id)?;
    rules::transition(status, Action::Report)?;
    if !r.status.is_owed() {
        return Err(Error::Conflict {
            code: "wrong_state",
            message: format!("this report is {}", r.status.as_str()),
        });
    }
    let after = reports::Model {
        status: ReportStatus::Submitted,
        body,
        people_served: input.people_served,
        spending_fen: input.spending_fen,
        submitted_at: Some(now),
        submitted_by: Some(actor.user_id),
        ..r.clone()
    };
    reports::ActiveModel::from(after.clone())
        .reset_all()
        .update(&*tx)
        .await?;
    let hashes: Vec<String> =
        files::attach_all(&*tx, actor, &input.file_ids, FILE_OWNER, r.id, &r.kind, now)
            .await?
            .into_iter()
            .map(|f| f.sha256)
            .collect();
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "grant.report_submit",
            "grant",
            g.id,
            Some(&json!({"report_id": r.id, "status": r.status})),
            Some(&json!({
                "report_id": r.id, "kind": r.kind, "status": ReportStatus::Submitted.as_str(),
                "people_served": after.people_served, "spending_fen": after.spending_fen,
                "files": hashes,
            })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Files attached to a report, for those who may read it.
///
/// # Errors
/// `NotFound` for others.
pub async fn report_files(
    db: &Db,
    actor: Option<&Actor>,
    report_id: Uuid,
) -> Result<Vec<entity::files::Model>> {
    report_access(db, actor, report_id).await?;
    files::attached_to(db.conn(), FILE_OWNER, report_id).await
}

/// The report if the actor may read it in full: accepted reports for
/// everyone, others for the grantee, the department, auditors and admins.
///
/// # Errors
/// `NotFound` otherwise.
pub async fn report_access(
    db: &Db,
    actor: Option<&Actor>,
    report_id: Uuid,
) -> Result<reports::Model> {
    let r = reports::Entity::find_by_id(report_id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("report"))?;
    let g = grants::Entity::find_by_id(r.grant_id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("report"))?;
    if r.status == ReportStatus::Accepted || sees_details(actor, &g) {
        Ok(r)
    } else {
        Err(Error::NotFound("report"))
    }
}

/// The purchaser accepts a submitted report (making its installment
/// payable) or returns it with a note.
///
/// # Errors
/// `Forbidden` by role or department; `Conflict` unless submitted on an
/// active grant, or `report_too_early` for an acceptance before the
/// service it reports on ([`rules::check_acceptance`]); `Invalid` for a
/// return without a note.
pub async fn review_report(
    db: &Db,
    actor: &Actor,
    report_id: Uuid,
    accept: bool,
    note: &str,
    now: DateTime<Utc>,
) -> Result<reports::Model> {
    let note = note.trim();
    if !accept && note.is_empty() {
        return Err(Error::invalid(
            "note",
            "reason_required",
            "say what must change",
        ));
    }
    let tx = db.begin().await?;
    let (r, g, status) = report_and_grant(&*tx, report_id).await?;
    policy::own_department(actor, g.department_id)?;
    rules::transition(status, Action::Report)?;
    if r.status != ReportStatus::Submitted {
        return Err(Error::Conflict {
            code: "wrong_state",
            message: format!("this report is {}", r.status.as_str()),
        });
    }
    let kind = ReportKind::parse(&r.kind)
        .ok_or_else(|| Error::Internal(format!("report {} has an unknown kind", r.id)))?;
    if accept {
        rules::check_acceptance(
            kind,
            g.service_start,
            g.service_end,
            crate::clock::china_date(now),
        )?;
    }
    let after = reports::Model {
        status: if accept {
            ReportStatus::Accepted
        } else {
            ReportStatus::Returned
        },
        reviewed_at: Some(now),
        reviewed_by: Some(actor.user_id),
        review_note: (!note.is_empty()).then(|| note.to_owned()),
        ..r.clone()
    };
    let hit = reports::Entity::update_many()
        .set(reports::ActiveModel::from(after.clone()).reset_all())
        .filter(reports::Column::Id.eq(r.id))
        .filter(reports::Column::Status.eq(ReportStatus::Submitted))
        .exec(&*tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this report")?;
    if accept && let Some(trigger) = Trigger::ALL.into_iter().find(|t| t.report() == Some(kind)) {
        make_payable(&*tx, g.id, trigger, now).await?;
    }
    let people = notifications::organization_users(&*tx, g.organization_id, false).await?;
    notifications::tell(
        &*tx,
        &people,
        if accept {
            notifications::Kind::ReportAccepted
        } else {
            notifications::Kind::ReportReturned
        },
        format!("report:{}:reviewed:{}", r.id, now.timestamp_micros()),
        format!("/grants/{}#report-{}", g.id, r.id),
        Params {
            report: Some(r.kind.clone()),
            due_on: Some(r.due_on),
            note: after.review_note.clone(),
            ..Params::about(g.title.clone())
        },
        now,
    )
    .await?;
    let change = Change::new(
        if accept {
            "grant.report_accept"
        } else {
            "grant.report_return"
        },
        "grant",
        g.id,
        Some(&json!({"report_id": r.id, "status": r.status})),
        Some(
            &json!({"report_id": r.id, "kind": r.kind, "status": after.status, "note": after.review_note}),
        ),
    );
    // An accepted report is public (the grant's implementation); a return is not.
    if accept {
        let event = crate::open::Event::GrantReportAccepted(g.id);
        crate::open::publish(&*tx, &actor.who(), change, event, now).await?;
    } else {
        audit::append(&*tx, &actor.who(), change, now).await?;
    }
    tx.commit().await?;
    Ok(after)
}
