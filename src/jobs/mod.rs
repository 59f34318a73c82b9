//! Background jobs: each runs in the server on a timer, takes a lease in the
//! database first (so only one instance of several runs it at a time), and is
//! idempotent (running it again changes nothing more).
//!
//! A lease is a row of `job_leases`: taken by an atomic `UPDATE ... WHERE
//! expires_at < now OR holder = me`, which both databases serialise on the
//! row; it lapses by itself if its holder dies: leases are short
//! ([`LEASE_SECS`]) and renewed by a heartbeat while the work runs.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::job_leases;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};

use crate::db::Db;
use crate::error::Result;

/// Takes the lease on `name` for `ttl` unless another holder has it.
///
/// # Errors
/// The database's error.
pub async fn acquire(
    db: &Db,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<bool> {
    let tx = db.begin().await?;
    job_leases::Entity::insert(job_leases::ActiveModel {
        name: Set(name.to_owned()),
        holder: Set(String::new()),
        expires_at: Set(DateTime::<Utc>::UNIX_EPOCH),
        last_run_on: Set(None),
    })
    .on_conflict(
        OnConflict::column(job_leases::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&*tx)
    .await?;
    let taken = job_leases::Entity::update_many()
        .col_expr(job_leases::Column::Holder, Expr::value(holder))
        .col_expr(job_leases::Column::ExpiresAt, Expr::value(now + ttl))
        .filter(job_leases::Column::Name.eq(name))
        .filter(
            Condition::any()
                .add(job_leases::Column::ExpiresAt.lt(now))
                .add(job_leases::Column::Holder.eq(holder)),
        )
        .exec(&*tx)
        .await?
        .rows_affected
        == 1;
    tx.commit().await?;
    Ok(taken)
}

/// Gives the lease back, noting the day the job last completed.
///
/// # Errors
/// The database's error.
pub async fn release(
    db: &Db,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    completed_on: Option<NaiveDate>,
) -> Result<()> {
    let mut update = job_leases::Entity::update_many()
        .col_expr(job_leases::Column::ExpiresAt, Expr::value(now))
        .filter(job_leases::Column::Name.eq(name))
        .filter(job_leases::Column::Holder.eq(holder));
    if let Some(day) = completed_on {
        update = update.col_expr(job_leases::Column::LastRunOn, Expr::value(day));
    }
    let tx = db.begin().await?;
    update.exec(&*tx).await?;
    tx.commit().await?;
    Ok(())
}

/// How long a lease lasts without a heartbeat: a holder that dies (killed,
/// power lost) delays its job by at most this long.
pub const LEASE_SECS: i64 = 30;
/// How often a running job renews its lease.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `work` under the lease on `name`: `None` when another holder has
/// it. The lease lasts [`LEASE_SECS`] and is renewed every 10 seconds while
/// the work runs, so a job that takes long keeps it and a holder that dies
/// loses it within half a minute; it is given back whether the work
/// succeeds or fails.
///
/// # Errors
/// The work's error, or the database's.
pub async fn under_lease<T>(
    db: &Db,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    work: impl Future<Output = Result<T>>,
) -> Result<Option<T>> {
    let lease = Duration::seconds(LEASE_SECS);
    if !acquire(db, name, holder, now, lease).await? {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    // On the heap: a job's future is large, and the heartbeat must not
    // double it on the stack of whoever awaits this.
    let mut work = Box::pin(work);
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    let result = loop {
        tokio::select! {
            r = &mut work => break r,
            _ = beat.tick() => {
                let at = now + Duration::from_std(started.elapsed()).unwrap_or_default();
                match acquire(db, name, holder, at, lease).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(job = name, "lost the lease while running"),
                    Err(e) => tracing::warn!(job = name, error = %e, "lease heartbeat failed"),
                }
            }
        }
    };
    crate::telemetry::record_job(name, result.is_ok(), started.elapsed());
    release(db, name, holder, now, None).await?;
    result.map(Some)
}

/// The day a daily job last completed.
///
/// # Errors
/// The database's error.
pub async fn last_run_on(db: &Db, name: &str) -> Result<Option<NaiveDate>> {
    Ok(job_leases::Entity::find_by_id(name.to_owned())
        .one(db.conn())
        .await?
        .and_then(|l| l.last_run_on))
}
