//! Sign-in throttling: failed attempts are stored with the e-mail tried and
//! the client address; more than [`MAX_PER_ACCOUNT`] failures for one account,
//! or [`MAX_PER_CLIENT`] from one address, within [`WINDOW_MINUTES`] refuse
//! further attempts (even with the right password) until the oldest failure
//! leaves the window. A successful sign-in clears the account's failures.

use chrono::{DateTime, Duration, Utc};
use entity::login_attempts;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Failures allowed per account within the window.
pub const MAX_PER_ACCOUNT: u64 = 5;
/// Failures allowed per client address within the window.
pub const MAX_PER_CLIENT: u64 = 20;
/// Length of the window.
pub const WINDOW_MINUTES: i64 = 15;

/// Refuses the attempt when the account or the address has too many recent failures.
///
/// # Errors
/// `TooManyRequests` with the seconds until the next attempt may pass.
pub async fn check<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    client_ip: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let since = now - Duration::minutes(WINDOW_MINUTES);
    for (column, value, max) in [
        (login_attempts::Column::Email, email, MAX_PER_ACCOUNT),
        (login_attempts::Column::ClientIp, client_ip, MAX_PER_CLIENT),
    ] {
        let recent = login_attempts::Entity::find()
            .filter(column.eq(value))
            .filter(login_attempts::Column::AttemptedAt.gt(since))
            .order_by_desc(login_attempts::Column::AttemptedAt)
            .limit(max)
            .all(conn)
            .await?;
        if recent.len() as u64 >= max {
            // The window reopens when the oldest of the last `max` failures expires.
            let oldest = recent.last().map_or(now, |a| a.attempted_at);
            let wait = (oldest + Duration::minutes(WINDOW_MINUTES) - now)
                .num_seconds()
                .max(1);
            return Err(Error::TooManyRequests {
                retry_after_secs: u64::try_from(wait).unwrap_or(1),
            });
        }
    }
    Ok(())
}

/// Records one failed attempt.
///
/// # Errors
/// The database's error.
pub async fn record_failure<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    client_ip: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    login_attempts::Entity::insert(login_attempts::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.to_owned()),
        client_ip: Set(client_ip.to_owned()),
        attempted_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    // Old rows are no use to anyone; keep the table small.
    login_attempts::Entity::delete_many()
        .filter(login_attempts::Column::AttemptedAt.lt(now - Duration::days(1)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forgets an account's failures after it signs in.
///
/// # Errors
/// The database's error.
pub async fn clear_account<C: ConnectionTrait>(conn: &C, email: &str) -> Result<(), DbErr> {
    login_attempts::Entity::delete_many()
        .filter(login_attempts::Column::Email.eq(email))
        .exec(conn)
        .await?;
    Ok(())
}
