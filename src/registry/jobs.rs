//! The registry's daily job: organizations with no annual report by the due
//! date go on the abnormal list; those abnormal for 2 years go on the
//! dishonest list. Runs once per day (China date) under a lease; every
//! listing has a key (`annual_report_overdue:2025`,
//! `abnormal_two_years:<record>`), so nothing is ever listed twice.

use chrono::{DateTime, Days, Months, Utc};
use entity::{credit_records, organizations};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::annual_reports::{self, DueDates, must_report};
use super::credit::{self, Kind, Listing};
use super::organizations::Status;
use crate::audit::Who;
use crate::db::Db;
use crate::error::Result;
use crate::jobs;

/// The ground of a listing for a missing annual report (credit records are
/// public records of a Chinese authority, so their grounds are in Chinese).
#[must_use]
pub fn overdue_ground(year: i32, due_on: chrono::NaiveDate) -> String {
    format!("未按时报送{year}年度工作报告（截止日期{due_on}）")
}

/// Lease name of the job.
pub const JOB: &str = "registry.credit_daily";

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreditRun {
    /// False when another instance held the lease or today's run was done.
    pub ran: bool,
    /// Organizations put on the abnormal list.
    pub abnormal: u64,
    /// Organizations put on the dishonest list.
    pub dishonest: u64,
}

/// Runs the job for the day of `now`, unless done today or running elsewhere.
///
/// # Errors
/// The database's error (what was listed before it stays listed).
pub async fn run_credit_job(
    db: &Db,
    holder: &str,
    now: DateTime<Utc>,
    due: DueDates,
) -> Result<CreditRun> {
    let today = crate::clock::china_date(now);
    if jobs::last_run_on(db, JOB).await? == Some(today) {
        return Ok(CreditRun::default());
    }
    if !jobs::acquire(db, JOB, holder, now, chrono::Duration::minutes(10)).await? {
        return Ok(CreditRun::default());
    }
    let result = list_everyone(db, now, due).await;
    let completed = result.as_ref().ok().map(|_| today);
    jobs::release(db, JOB, holder, now, completed).await?;
    result
}

async fn list_everyone(db: &Db, now: DateTime<Utc>, due: DueDates) -> Result<CreditRun> {
    let today = crate::clock::china_date(now);
    let mut run = CreditRun {
        ran: true,
        ..CreditRun::default()
    };
    let mut after = None;
    loop {
        let mut q = organizations::Entity::find()
            .filter(organizations::Column::Status.eq(Status::Active))
            .order_by_asc(organizations::Column::Id)
            .limit(200);
        if let Some(id) = after {
            q = q.filter(organizations::Column::Id.gt(id));
        }
        let batch = q.all(db.conn()).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        for org in &batch {
            let year = due.latest_overdue_year(&org.org_type, today);
            let Some(registered_on) = org.registered_on else {
                continue;
            };
            if !must_report(registered_on, year)
                || annual_reports::has_report(db.conn(), org.id, year).await?
            {
                continue;
            }
            let due_on = due.due(&org.org_type, year);
            let listing = Listing {
                organization_id: org.id,
                kind: Kind::Abnormal,
                ground: overdue_ground(year, due_on),
                ground_key: Some(format!("annual_report_overdue:{year}")),
                started_on: due_on + Days::new(1),
            };
            if list(db, listing, now).await? {
                run.abnormal += 1;
            }
        }
    }
    let Some(two_years_ago) = today.checked_sub_months(Months::new(24)) else {
        return Ok(run);
    };
    let old = credit_records::Entity::find()
        .filter(credit_records::Column::Kind.eq(credit::Kind::Abnormal))
        .filter(credit_records::Column::LiftedOn.is_null())
        .filter(credit_records::Column::StartedOn.lte(two_years_ago))
        .order_by_asc(credit_records::Column::Id)
        .all(db.conn())
        .await?;
    for record in old {
        let started = record
            .started_on
            .checked_add_months(Months::new(24))
            .unwrap_or(today);
        let listing = Listing {
            organization_id: record.organization_id,
            kind: Kind::Dishonest,
            ground: format!("被列入活动异常名录满2年（自{}起）", record.started_on),
            ground_key: Some(format!("abnormal_two_years:{}", record.id)),
            started_on: started,
        };
        if list(db, listing, now).await? {
            run.dishonest += 1;
        }
    }
    Ok(run)
}

async fn list(db: &Db, listing: Listing, now: DateTime<Utc>) -> Result<bool> {
    let tx = db.begin().await?;
    let added = credit::list_in_tx(&*tx, &Who::system(), listing, now).await?;
    tx.commit().await?;
    Ok(added.is_some())
}
