//! What waits in the registry, and for whom: submitted applications and
//! annual reports for registrars; an applicant's returned and unsent
//! applications, an organization's returned annual reports, and
//! invitations addressed to a person. See [`crate::tasks`].

use chrono::{DateTime, Utc};
use entity::{annual_reports, applications, invitations};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::annual_reports::ReportStatus;
use super::applications::Status;
use super::members::InvitationStatus;
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::error::Result;
use crate::tasks::{Group, Item, Kind, Want, oldest};

/// The registry's tasks of `actor`.
///
/// # Errors
/// The database's error.
pub async fn of(db: &Db, want: Want, actor: &Actor) -> Result<Vec<Group>> {
    let mut out = Vec::new();
    if policy::may(Some(actor), Action::Register) {
        out.extend(applications_waiting(db, want, Status::Submitted, None).await?);
        out.extend(reports_waiting(db, want, ReportStatus::Submitted, None).await?);
    }
    if policy::may(Some(actor), Action::Apply) {
        out.extend(applications_waiting(db, want, Status::Returned, Some(actor.user_id)).await?);
        out.extend(applications_waiting(db, want, Status::Draft, Some(actor.user_id)).await?);
        if let Some(org) = actor.organization_id {
            out.extend(reports_waiting(db, want, ReportStatus::Returned, Some(org)).await?);
        }
        let invited = invitations::Entity::find()
            .filter(invitations::Column::Email.eq(actor.email.clone()))
            .filter(invitations::Column::Status.eq(InvitationStatus::Pending));
        let (count, rows) =
            oldest(db.conn(), want, invited, invitations::Column::CreatedAt).await?;
        let names =
            super::organizations::names_of(db.conn(), rows.iter().map(|i| i.organization_id))
                .await?;
        let items = rows
            .into_iter()
            .map(|i| Item {
                title: names.get(&i.organization_id).cloned().unwrap_or_default(),
                link: "/my".into(),
                since: i.created_at,
            })
            .collect();
        out.extend(Group::of(Kind::InvitationsToAnswer, count, "/my", items));
    }
    Ok(out)
}

/// Applications in `status`: everyone's (a registrar's queue) or one
/// applicant's.
async fn applications_waiting(
    db: &Db,
    want: Want,
    status: Status,
    applicant: Option<Uuid>,
) -> Result<Option<Group>> {
    let mut query = applications::Entity::find().filter(applications::Column::Status.eq(status));
    if let Some(user) = applicant {
        query = query.filter(applications::Column::ApplicantId.eq(user));
    }
    let (kind, since_column, list) = match status {
        Status::Submitted => (
            Kind::ApplicationsToReview,
            applications::Column::SubmittedAt,
            "/registrar",
        ),
        Status::Draft => (
            Kind::ApplicationsInDraft,
            applications::Column::CreatedAt,
            "/my",
        ),
        _ => (
            Kind::ApplicationsReturned,
            applications::Column::DecidedAt,
            "/my",
        ),
    };
    let (count, rows) = oldest(db.conn(), want, query, since_column).await?;
    let items = rows
        .into_iter()
        .map(|a| {
            let since: DateTime<Utc> = match status {
                Status::Submitted => a.submitted_at.unwrap_or(a.updated_at),
                Status::Draft => a.created_at,
                _ => a.decided_at.unwrap_or(a.updated_at),
            };
            Item {
                title: a.name,
                link: format!("/applications/{}", a.id),
                since,
            }
        })
        .collect();
    Ok(Group::of(kind, count, list, items))
}

/// Annual reports in `status`: everyone's or one organization's.
async fn reports_waiting(
    db: &Db,
    want: Want,
    status: ReportStatus,
    organization: Option<Uuid>,
) -> Result<Option<Group>> {
    let mut query =
        annual_reports::Entity::find().filter(annual_reports::Column::Status.eq(status));
    if let Some(org) = organization {
        query = query.filter(annual_reports::Column::OrganizationId.eq(org));
    }
    let (kind, since_column, list) = if status == ReportStatus::Submitted {
        (
            Kind::AnnualReportsToReview,
            annual_reports::Column::SubmittedAt,
            "/registrar",
        )
    } else {
        (
            Kind::AnnualReportsReturned,
            annual_reports::Column::ReviewedAt,
            "/my/annual-reports",
        )
    };
    let (count, rows) = oldest(db.conn(), want, query, since_column).await?;
    let names =
        super::organizations::names_of(db.conn(), rows.iter().map(|r| r.organization_id)).await?;
    let items = rows
        .into_iter()
        .map(|r| Item {
            title: format!(
                "{} {}",
                names.get(&r.organization_id).cloned().unwrap_or_default(),
                r.year
            ),
            link: format!("/annual-reports/{}", r.id),
            since: if status == ReportStatus::Submitted {
                r.submitted_at
            } else {
                r.reviewed_at.unwrap_or(r.updated_at)
            },
        })
        .collect();
    Ok(Group::of(kind, count, list, items))
}
