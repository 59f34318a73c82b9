//! The reminder job: tells an organization's people what their grants are
//! waiting for.
//!
//! - A grant awaiting acceptance: its organization's admins, once.
//! - A report not yet in (due, or returned) of an active subject: every user
//!   of the organization, once when it falls due within [`DUE_SOON_DAYS`]
//!   days, then on the first day it is overdue and every
//!   [`OVERDUE_EVERY_DAYS`] days after while it stays overdue.
//!
//! Days are China dates. Each reminder has a dedup key (see
//! [`reminder_for`]), so runs at any frequency, on any number of servers,
//! send each reminder once; the job also takes its lease
//! ([`crate::jobs::under_lease`]). Each grant's or report's reminders go out
//! in one transaction with their audit entry (`grant.remind`,
//! `report.remind`) naming how many people were told.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{grant_reports, grants};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::reports::ReportStatus;
use super::rules::Status;
use crate::audit::{self, Change, Who};
use crate::clock::china_date;
use crate::db::Db;
use crate::error::Result;
use crate::notifications::{Kind, Notice, Params, organization_users, send};

/// The job's lease name.
pub const JOB: &str = "grants.reminders";
/// A report is "due soon" this many days ahead (and on its due date).
pub const DUE_SOON_DAYS: i64 = 7;
/// An overdue report is reminded again this often.
pub const OVERDUE_EVERY_DAYS: i64 = 7;

/// The reminder a report not yet in gets on `today`, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// Due in `days_left` days (0 = today).
    DueSoon {
        /// Days until the due date.
        days_left: i64,
    },
    /// `days_late` days past the due date; `round` counts the reminders
    /// (0 on the first day late, 1 a week later, ...).
    Overdue {
        /// Days since the due date.
        days_late: i64,
        /// Which overdue reminder this is.
        round: i64,
    },
}

impl Reminder {
    /// The part of the dedup key that names this reminder: the same on
    /// every day it covers.
    #[must_use]
    pub fn key(self) -> String {
        match self {
            Reminder::DueSoon { .. } => "due_soon".to_owned(),
            Reminder::Overdue { round, .. } => format!("overdue:{round}"),
        }
    }
}

/// Which reminder a report due on `due_on` gets on `today`.
#[must_use]
pub fn reminder_for(due_on: NaiveDate, today: NaiveDate) -> Option<Reminder> {
    let days = (due_on - today).num_days();
    if (0..=DUE_SOON_DAYS).contains(&days) {
        Some(Reminder::DueSoon { days_left: days })
    } else if days < 0 {
        let days_late = -days;
        Some(Reminder::Overdue {
            days_late,
            round: (days_late - 1) / OVERDUE_EVERY_DAYS,
        })
    } else {
        None
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Run {
    /// Notifications created (each with its e-mail queued).
    pub notifications: u64,
}

/// Runs the job under its lease: `None` when another server holds it.
///
/// # Errors
/// The database's error.
pub async fn run(db: &Db, holder: &str, now: DateTime<Utc>) -> Result<Option<Run>> {
    crate::jobs::under_lease(db, JOB, holder, now, remind(db, now)).await
}

/// The key of "a grant awaits acceptance": sent when the grant is offered,
/// and by the job to an admin who joined since.
#[must_use]
pub fn awaiting_key(grant: uuid::Uuid) -> String {
    format!("grant:{grant}:awaiting")
}

async fn remind(db: &Db, now: DateTime<Utc>) -> Result<Run> {
    let today = china_date(now);
    let mut run = Run::default();
    let waiting = grants::Entity::find()
        .filter(grants::Column::Status.eq(Status::PendingAcceptance.as_str()))
        .order_by_asc(grants::Column::Id)
        .all(db.conn())
        .await?;
    for g in waiting {
        let notice = Notice {
            kind: Kind::GrantAwaitingAcceptance,
            key: awaiting_key(g.id),
            link: format!("/grants/{}", g.id),
            params: Params {
                subject: g.title.clone(),
                ..Params::default()
            },
        };
        run.notifications +=
            remind_organization(db, g.organization_id, true, &notice, now, |sent| {
                Change::new::<(), _>(
                    "grant.remind",
                    "grant",
                    g.id,
                    None,
                    Some(&json!({"kind": notice.kind.as_str(), "recipients": sent})),
                )
            })
            .await?;
    }

    let active = grants::Entity::find()
        .filter(grants::Column::Status.eq(Status::Active.as_str()))
        .all(db.conn())
        .await?;
    let outstanding = grant_reports::Entity::find()
        .filter(grant_reports::Column::GrantId.is_in(active.iter().map(|g| g.id)))
        .filter(grant_reports::Column::Status.is_in([ReportStatus::Due, ReportStatus::Returned]))
        .filter(grant_reports::Column::DueOn.lte(today + Duration::days(DUE_SOON_DAYS)))
        .order_by_asc(grant_reports::Column::Id)
        .all(db.conn())
        .await?;
    for r in outstanding {
        let (Some(g), Some(reminder)) = (
            active.iter().find(|g| g.id == r.grant_id),
            reminder_for(r.due_on, today),
        ) else {
            continue;
        };
        let (kind, days) = match reminder {
            Reminder::DueSoon { days_left } => (Kind::ReportDueSoon, days_left),
            Reminder::Overdue { days_late, .. } => (Kind::ReportOverdue, days_late),
        };
        let notice = Notice {
            kind,
            key: format!("report:{}:{}", r.id, reminder.key()),
            link: format!("/grants/{}#report-{}", g.id, r.id),
            params: Params {
                subject: g.title.clone(),
                report: Some(r.kind.clone()),
                due_on: Some(r.due_on),
                days: Some(days),
                ..Params::default()
            },
        };
        run.notifications +=
            remind_organization(db, g.organization_id, false, &notice, now, |sent| {
                Change::new::<(), _>(
                    "report.remind",
                    "grant_report",
                    r.id,
                    None,
                    Some(&json!({
                        "kind": kind.as_str(), "due_on": r.due_on,
                        "days": days, "recipients": sent,
                    })),
                )
            })
            .await?;
    }
    Ok(run)
}

/// Sends `notice` to an organization's people (its admins only, or
/// everyone) who have not had it, with the audit entry `change` makes of the
/// number told, in one transaction; returns that number.
async fn remind_organization(
    db: &Db,
    organization_id: uuid::Uuid,
    admins_only: bool,
    notice: &Notice,
    now: DateTime<Utc>,
    change: impl FnOnce(u64) -> Change,
) -> Result<u64> {
    let tx = db.begin().await?;
    let people = organization_users(&*tx, organization_id, admins_only).await?;
    let sent = send(&*tx, &people, notice, now).await?;
    if sent > 0 {
        audit::append(&*tx, &Who::system(), change(sent), now).await?;
    }
    tx.commit().await?;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn a_report_is_due_soon_from_seven_days_ahead_to_its_due_date() {
        let due = day(3, 31);
        assert_eq!(reminder_for(due, day(3, 23)), None);
        assert_eq!(
            reminder_for(due, day(3, 24)),
            Some(Reminder::DueSoon { days_left: 7 })
        );
        assert_eq!(
            reminder_for(due, day(3, 31)),
            Some(Reminder::DueSoon { days_left: 0 })
        );
    }

    #[test]
    fn an_overdue_report_is_reminded_on_its_first_late_day_and_weekly_after() {
        let due = day(3, 31);
        let overdue = |d| reminder_for(due, d);
        assert_eq!(
            overdue(day(4, 1)),
            Some(Reminder::Overdue {
                days_late: 1,
                round: 0
            })
        );
        assert_eq!(
            overdue(day(4, 7)).map(Reminder::key),
            Some("overdue:0".into())
        );
        assert_eq!(
            overdue(day(4, 8)).map(Reminder::key),
            Some("overdue:1".into())
        );
        assert_eq!(
            overdue(day(4, 15)).map(Reminder::key),
            Some("overdue:2".into())
        );
    }

    #[test]
    fn every_day_of_a_window_shares_one_key() {
        let due = day(3, 31);
        let keys: std::collections::BTreeSet<_> = (24..=31)
            .filter_map(|d| reminder_for(due, day(3, d)))
            .map(Reminder::key)
            .collect();
        assert_eq!(keys.len(), 1);
    }
}
