//! What waits in procurement, and for whom: for a purchaser, the
//! department's unanswered questions, opened projects without a panel,
//! evaluations whose every sheet is in (an award to propose) and challenges
//! to reply to; for an expert, declarations and score sheets of the panels
//! they sit on; for an organization, open projects it may bid for that
//! close within a week. See [`crate::tasks`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{bids, challenges, conflict_declarations, panel_members, project_questions, projects};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::bids::{BidStatus, org_facts};
use super::panels::SeatStatus;
use super::projects::Project;
use super::rules::{self, Status};
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::error::Result;
use crate::tasks::{Group, Item, Kind, SHOWN, Want, oldest};

/// How far ahead an organization is told of closing projects.
pub const CLOSING_WITHIN_DAYS: i64 = 7;

/// At most this many projects closing soon are weighed against an
/// organization's eligibility (the nearest deadlines first).
const CLOSING_WEIGHED: u64 = 200;

/// Procurement's tasks of `actor` at `now`.
///
/// # Errors
/// The database's error.
pub async fn of(db: &Db, want: Want, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<Group>> {
    let mut out = Vec::new();
    if policy::may(Some(actor), Action::Purchase)
        && let Ok(Some(department)) = policy::department_scope(actor)
    {
        out.extend(questions(db, want, department).await?);
        out.extend(evaluations(db, want, department).await?);
        out.extend(challenges_waiting(db, want, department).await?);
    }
    if policy::may(Some(actor), Action::Evaluate) {
        out.extend(seats(db, want, actor.user_id).await?);
    }
    if let Some(org) = policy::organization_of(Some(actor)) {
        out.extend(closing_soon(db, org, now).await?);
    }
    if policy::sees_all(Some(actor)) {
        out.extend(overdue_replies(db, want, now).await?);
    }
    Ok(out)
}

/// The ids of a department's projects in `status`.
fn projects_of(department: Uuid, status: Status) -> SelectStatement {
    Query::select()
        .column(projects::Column::Id)
        .from(projects::Entity)
        .and_where(projects::Column::DepartmentId.eq(department))
        .and_where(projects::Column::Status.eq(status))
        .to_owned()
}

/// The ids of projects with an active seat (whose sheet is missing, when
/// `sheet_missing`).
fn seated(sheet_missing: bool) -> SelectStatement {
    let mut q = Query::select()
        .column(panel_members::Column::ProjectId)
        .from(panel_members::Entity)
        .and_where(panel_members::Column::Status.eq(SeatStatus::Active))
        .to_owned();
    if sheet_missing {
        q.and_where(panel_members::Column::SheetSubmittedAt.is_null());
    }
    q
}

/// Items about projects, each titled with its project's title (the
/// titles in one read): `about` gives a row's project, page and time.
async fn about_projects<T>(
    db: &Db,
    rows: Vec<T>,
    about: impl Fn(&T) -> (Uuid, String, DateTime<Utc>),
) -> Result<Vec<Item>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| about(r).0).collect();
    let titles: HashMap<Uuid, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        projects::Entity::find()
            .filter(projects::Column::Id.is_in(ids))
            .order_by_asc(projects::Column::Id)
            .all(db.conn())
            .await?
            .into_iter()
            .map(|p| (p.id, p.title))
            .collect()
    };
    Ok(rows
        .iter()
        .map(|r| {
            let (project, link, since) = about(r);
            Item {
                title: titles.get(&project).cloned().unwrap_or_default(),
                link,
                since,
            }
        })
        .collect())
}

async fn questions(db: &Db, want: Want, department: Uuid) -> Result<Option<Group>> {
    let query = project_questions::Entity::find()
        .filter(project_questions::Column::Answer.is_null())
        .filter(
            project_questions::Column::ProjectId.in_subquery(projects_of(department, Status::Open)),
        );
    let (count, rows) =
        oldest(db.conn(), want, query, project_questions::Column::CreatedAt).await?;
    let items = about_projects(db, rows, |q| {
        (
            q.project_id,
            format!("/projects/{}#questions", q.project_id),
            q.created_at,
        )
    })
    .await?;
    Ok(Group::of(
        Kind::QuestionsToAnswer,
        count,
        "/purchaser",
        items,
    ))
}

/// Opened projects without a panel, and those whose panel has submitted
/// every sheet.
async fn evaluations(db: &Db, want: Want, department: Uuid) -> Result<Vec<Group>> {
    let evaluating = || {
        projects::Entity::find()
            .filter(projects::Column::DepartmentId.eq(department))
            .filter(projects::Column::Status.eq(Status::Evaluating))
    };
    let mut out = Vec::new();
    for (kind, query) in [
        (
            Kind::PanelsToAssign,
            evaluating().filter(projects::Column::Id.not_in_subquery(seated(false))),
        ),
        (
            Kind::AwardsToPropose,
            evaluating()
                .filter(projects::Column::Id.in_subquery(seated(false)))
                .filter(projects::Column::Id.not_in_subquery(seated(true))),
        ),
    ] {
        let (count, rows) = oldest(db.conn(), want, query, projects::Column::OpenedAt).await?;
        let items = rows
            .into_iter()
            .map(|p| Item {
                link: format!("/projects/{}/evaluation", p.id),
                since: p.opened_at.unwrap_or(p.bid_deadline),
                title: p.title,
            })
            .collect();
        out.extend(Group::of(kind, count, "/purchaser", items));
    }
    Ok(out)
}

async fn challenges_waiting(db: &Db, want: Want, department: Uuid) -> Result<Option<Group>> {
    let query = challenges::Entity::find()
        .filter(challenges::Column::Status.eq(super::challenges::ChallengeStatus::Open))
        .filter(challenges::Column::ProjectId.in_subquery(projects_of(department, Status::Notice)));
    let (count, rows) = oldest(db.conn(), want, query, challenges::Column::FiledAt).await?;
    let items = about_projects(db, rows, |c| {
        (
            c.project_id,
            format!("/projects/{}/evaluation#challenges", c.project_id),
            c.filed_at,
        )
    })
    .await?;
    Ok(Group::of(
        Kind::ChallengesToAnswer,
        count,
        "/purchaser",
        items,
    ))
}

/// Challenges past their reply date without a reply, every department's
/// (what an auditor follows up).
async fn overdue_replies(db: &Db, want: Want, now: DateTime<Utc>) -> Result<Option<Group>> {
    let query = challenges::Entity::find()
        .filter(challenges::Column::Status.eq(super::challenges::ChallengeStatus::Open))
        .filter(challenges::Column::ReplyDue.lt(crate::clock::china_date(now)));
    let (count, rows) = oldest(db.conn(), want, query, challenges::Column::ReplyDue).await?;
    let items = about_projects(db, rows, |c| {
        let due = c
            .reply_due
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc();
        (
            c.project_id,
            format!("/projects/{}/evaluation#challenges", c.project_id),
            due,
        )
    })
    .await?;
    Ok(Group::of(
        Kind::ChallengesOverdue,
        count,
        "/dashboard",
        items,
    ))
}

/// An expert's seats on panels still evaluating: those with bidders not
/// declared about yet, and those declared but without a submitted sheet.
async fn seats(db: &Db, want: Want, expert: Uuid) -> Result<Vec<Group>> {
    let declared = Query::select()
        .column(conflict_declarations::Column::ProjectId)
        .from(conflict_declarations::Entity)
        .and_where(conflict_declarations::Column::ExpertId.eq(expert))
        .to_owned();
    let evaluating = Query::select()
        .column(projects::Column::Id)
        .from(projects::Entity)
        .and_where(projects::Column::Status.eq(Status::Evaluating))
        .to_owned();
    let mine = || {
        panel_members::Entity::find()
            .filter(panel_members::Column::ExpertId.eq(expert))
            .filter(panel_members::Column::Status.eq(SeatStatus::Active))
            .filter(panel_members::Column::ProjectId.in_subquery(evaluating.clone()))
    };
    let mut out = Vec::new();
    for (kind, query) in [
        (
            Kind::DeclarationsDue,
            mine().filter(panel_members::Column::ProjectId.not_in_subquery(declared.clone())),
        ),
        (
            Kind::ScoreSheetsDue,
            mine()
                .filter(panel_members::Column::ProjectId.in_subquery(declared.clone()))
                .filter(panel_members::Column::SheetSubmittedAt.is_null()),
        ),
    ] {
        let (count, rows) = oldest(db.conn(), want, query, panel_members::Column::AddedAt).await?;
        let items = about_projects(db, rows, |m| {
            (
                m.project_id,
                format!("/projects/{}/evaluation", m.project_id),
                m.added_at,
            )
        })
        .await?;
        out.extend(Group::of(kind, count, "/panels", items));
    }
    Ok(out)
}

/// Open projects closing within [`CLOSING_WITHIN_DAYS`] that `org` has not
/// bid for and whose rules it meets today, nearest deadline first.
async fn closing_soon(db: &Db, org: Uuid, now: DateTime<Utc>) -> Result<Option<Group>> {
    let bid_for = Query::select()
        .column(bids::Column::ProjectId)
        .from(bids::Entity)
        .and_where(bids::Column::OrganizationId.eq(org))
        .and_where(bids::Column::Status.eq(BidStatus::Active))
        .to_owned();
    let rows = projects::Entity::find()
        .filter(projects::Column::Status.eq(Status::Open))
        .filter(
            Condition::all()
                .add(projects::Column::BidDeadline.gt(now))
                .add(projects::Column::BidDeadline.lte(now + Duration::days(CLOSING_WITHIN_DAYS))),
        )
        .filter(projects::Column::Id.not_in_subquery(bid_for))
        .order_by_asc(projects::Column::BidDeadline)
        .limit(CLOSING_WEIGHED)
        .all(db.conn())
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let today = crate::clock::china_date(now);
    let (_, facts) = org_facts(db.conn(), org, today).await?;
    let mut count = 0;
    let mut items = Vec::new();
    for row in rows {
        let p = Project::from_row(row)?;
        if !rules::evaluate(&p.eligibility, &facts, today)
            .iter()
            .all(|v| v.passed)
        {
            continue;
        }
        count += 1;
        if items.len() < usize::try_from(SHOWN).unwrap_or(usize::MAX) {
            items.push(Item {
                link: format!("/projects/{}", p.row.id),
                since: p.row.bid_deadline,
                title: p.row.title,
            });
        }
    }
    Ok(Group::of(
        Kind::ProjectsClosingSoon,
        count,
        "/projects",
        items,
    ))
}
