//! What waits in the grants, and for whom: for a purchaser, the
//! department's submitted reports and payable installments; for an
//! organization, grants offered to it (its admin accepts), reports due
//! within a week or overdue, and reports returned. See [`crate::tasks`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{grant_reports, grants, installments};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query, SelectStatement};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::reminders::DUE_SOON_DAYS;
use super::reports::ReportStatus;
use super::rules::Status;
use crate::auth::Actor;
use crate::auth::policy;
use crate::clock::china_date;
use crate::db::Db;
use crate::error::Result;
use crate::tasks::{Group, Item, Kind, Want, oldest};

/// Whose grants a list of tasks reads.
#[derive(Clone, Copy)]
enum Side {
    Funder(Uuid),
    Grantee(Uuid),
}

/// The ids of a side's grants in `status`.
fn grants_of(side: Side, status: Status) -> SelectStatement {
    let mut q = Query::select()
        .column(grants::Column::Id)
        .from(grants::Entity)
        .and_where(grants::Column::Status.eq(status))
        .to_owned();
    match side {
        Side::Funder(d) => q.and_where(grants::Column::DepartmentId.eq(d)),
        Side::Grantee(o) => q.and_where(grants::Column::OrganizationId.eq(o)),
    };
    q
}

/// The grants' tasks of `actor` at `now`.
///
/// # Errors
/// The database's error.
pub async fn of(db: &Db, want: Want, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<Group>> {
    let mut out = Vec::new();
    if policy::may(Some(actor), policy::Action::Purchase)
        && let Ok(Some(department)) = policy::department_scope(actor)
    {
        let side = Side::Funder(department);
        out.extend(reports(db, want, side, ReportStatus::Submitted, now).await?);
        out.extend(payments_due(db, want, department, now).await?);
    }
    if let Some(org) = policy::organization_of(Some(actor)) {
        let side = Side::Grantee(org);
        if policy::is_org_admin(Some(actor)) {
            let offered = grants::Entity::find()
                .filter(grants::Column::OrganizationId.eq(org))
                .filter(grants::Column::Status.eq(Status::PendingAcceptance));
            let (count, rows) = oldest(db.conn(), want, offered, grants::Column::CreatedAt).await?;
            let items = rows
                .into_iter()
                .map(|g| Item {
                    link: format!("/grants/{}", g.id),
                    since: g.created_at,
                    title: g.title,
                })
                .collect();
            out.extend(Group::of(Kind::GrantsToAccept, count, "/grants", items));
        }
        out.extend(reports(db, want, side, ReportStatus::Due, now).await?);
        out.extend(reports(db, want, side, ReportStatus::Returned, now).await?);
    }
    Ok(out)
}

/// The start of a day, as a moment to sort and age by.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Reports of active grants in `status`: submitted ones waiting for the
/// funder, due ones (within [`DUE_SOON_DAYS`] or overdue) and returned ones
/// waiting for the grantee.
async fn reports(
    db: &Db,
    want: Want,
    side: Side,
    status: ReportStatus,
    now: DateTime<Utc>,
) -> Result<Option<Group>> {
    let mut query = grant_reports::Entity::find()
        .filter(grant_reports::Column::Status.eq(status))
        .filter(grant_reports::Column::GrantId.in_subquery(grants_of(side, Status::Active)));
    let (kind, since) = match status {
        ReportStatus::Submitted => (Kind::ReportsToReview, grant_reports::Column::SubmittedAt),
        ReportStatus::Due => {
            let horizon = china_date(now) + Duration::days(DUE_SOON_DAYS);
            query = query.filter(grant_reports::Column::DueOn.lte(horizon));
            (Kind::ReportsDue, grant_reports::Column::DueOn)
        }
        _ => (Kind::ReportsReturned, grant_reports::Column::ReviewedAt),
    };
    let (count, rows) = oldest(db.conn(), want, query, since).await?;
    let titles = titles(db, rows.iter().map(|r| r.grant_id)).await?;
    let items = rows
        .into_iter()
        .map(|r| Item {
            title: titles.get(&r.grant_id).cloned().unwrap_or_default(),
            link: format!("/grants/{}#reports", r.grant_id),
            since: match status {
                ReportStatus::Submitted => r.submitted_at.unwrap_or_else(|| start_of(r.due_on)),
                ReportStatus::Due => start_of(r.due_on),
                _ => r.reviewed_at.unwrap_or_else(|| start_of(r.due_on)),
            },
        })
        .collect();
    Ok(Group::of(kind, count, "/grants", items))
}

/// Installments of the department's active grants that are payable and
/// not fully paid.
async fn payments_due(
    db: &Db,
    want: Want,
    department: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Group>> {
    let query = installments::Entity::find()
        .filter(installments::Column::PayableAt.lte(now))
        .filter(
            Expr::col(installments::Column::PaidFen).lt(Expr::col(installments::Column::AmountFen)),
        )
        .filter(
            installments::Column::GrantId
                .in_subquery(grants_of(Side::Funder(department), Status::Active)),
        );
    let (count, rows) = oldest(db.conn(), want, query, installments::Column::PayableAt).await?;
    let titles = titles(db, rows.iter().map(|i| i.grant_id)).await?;
    let items = rows
        .into_iter()
        .map(|i| Item {
            title: titles.get(&i.grant_id).cloned().unwrap_or_default(),
            link: format!("/grants/{}#installments", i.grant_id),
            since: i.payable_at.unwrap_or(now),
        })
        .collect();
    Ok(Group::of(Kind::PaymentsDue, count, "/grants", items))
}

/// Grant titles by id, in one read.
async fn titles(db: &Db, ids: impl Iterator<Item = Uuid>) -> Result<HashMap<Uuid, String>> {
    let ids: Vec<Uuid> = ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(grants::Entity::find()
        .filter(grants::Column::Id.is_in(ids))
        .order_by_asc(grants::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|g| (g.id, g.title))
        .collect())
}
