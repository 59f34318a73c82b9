//! Browser sessions: created at sign-in (always a new id), found from the
//! cookie on each request, ended at sign-out, after `session_idle` without a
//! request, or `session_max` after sign-in.

use chrono::{DateTime, Duration, Utc};
use entity::{sessions, users};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{Actor, Via, random_secret, secret_hash};
use crate::audit::{self, Change};
use crate::db::Db;
use crate::error::Result;

/// How often (at most) a session's last-seen time is written back.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A session just created: the cookie value goes to the browser, once.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Value of the session cookie.
    pub cookie_value: String,
    /// CSRF token the session's forms carry.
    pub csrf_token: String,
}

/// Expiry rules of sessions.
#[derive(Debug, Clone, Copy)]
pub struct Lifetime {
    /// Ends after this long without a request.
    pub idle: Duration,
    /// Ends this long after sign-in regardless.
    pub max: Duration,
}

/// Starts a session for `user` inside the caller's transaction, with its audit entry.
///
/// # Errors
/// The database's error.
pub async fn create<C: ConnectionTrait>(
    tx: &C,
    user: &users::Model,
    now: DateTime<Utc>,
    lifetime: Lifetime,
) -> Result<NewSession> {
    let cookie_value = random_secret(32);
    let csrf_token = random_secret(32);
    let row = sessions::ActiveModel {
        id_hash: Set(secret_hash(&cookie_value)),
        user_id: Set(user.id),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + lifetime.max),
    };
    sessions::Entity::insert(row)
        .exec_without_returning(tx)
        .await?;
    let who = audit::Who {
        user_id: Some(user.id),
        role: user.role.clone(),
    };
    let after = serde_json::json!({ "user_id": user.id, "expires_at": now + lifetime.max });
    audit::append(
        tx,
        &who,
        Change::new::<(), _>("session.sign_in", "user", user.id, None, Some(&after)),
        now,
    )
    .await?;
    Ok(NewSession {
        cookie_value,
        csrf_token,
    })
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct Current {
    /// Who is signed in.
    pub actor: Actor,
    /// The session's CSRF token.
    pub csrf_token: String,
}

/// Finds the live session for a cookie value; ends it when it has expired or
/// its user was deactivated.
///
/// # Errors
/// The database's error.
pub async fn resolve(
    db: &Db,
    cookie_value: &str,
    now: DateTime<Utc>,
    lifetime: Lifetime,
) -> Result<Option<Current>> {
    let id_hash = secret_hash(cookie_value);
    let Some(session) = sessions::Entity::find_by_id(id_hash.clone())
        .one(db.conn())
        .await?
    else {
        return Ok(None);
    };
    let user = users::Entity::find_by_id(session.user_id)
        .one(db.conn())
        .await?;
    let expired = now >= session.expires_at || now >= session.last_seen_at + lifetime.idle;
    let actor = user
        .filter(|u| u.active)
        .and_then(|u| Actor::from_user(&u, Via::Session));
    let (Some(actor), false) = (actor, expired) else {
        let tx = db.begin().await?;
        sessions::Entity::delete_by_id(id_hash).exec(&*tx).await?;
        tx.commit().await?;
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY {
        crate::db::note(db, "session activity", |tx| async move {
            sessions::Entity::update_many()
                .col_expr(
                    sessions::Column::LastSeenAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(sessions::Column::IdHash.eq(id_hash))
                .exec(&*tx)
                .await?;
            tx.commit().await
        })
        .await?;
    }
    Ok(Some(Current {
        actor,
        csrf_token: session.csrf_token,
    }))
}

/// Ends the session with this cookie value (sign-out), with its audit entry.
///
/// # Errors
/// The database's error.
pub async fn end(db: &Db, cookie_value: &str, now: DateTime<Utc>) -> Result<()> {
    let id_hash = secret_hash(cookie_value);
    let tx = db.begin().await?;
    if let Some(session) = sessions::Entity::find_by_id(id_hash.clone())
        .one(&*tx)
        .await?
    {
        sessions::Entity::delete_by_id(id_hash).exec(&*tx).await?;
        let role = users::Entity::find_by_id(session.user_id)
            .one(&*tx)
            .await?
            .map_or_else(|| "unknown".to_owned(), |u| u.role);
        let who = audit::Who {
            user_id: Some(session.user_id),
            role,
        };
        audit::append(
            &*tx,
            &who,
            Change::new::<(), ()>("session.sign_out", "user", session.user_id, None, None),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Ends every session of a user (deactivation, role change).
///
/// # Errors
/// The database's error.
pub async fn end_all_for<C: ConnectionTrait>(tx: &C, user_id: Uuid) -> Result<()> {
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(tx)
        .await?;
    Ok(())
}
