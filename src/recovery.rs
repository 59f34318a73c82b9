//! Password recovery: a one-time link by mail to set a new password, asked
//! for by the person (the sign-in page's "forgot your password") or sent by
//! an admin who resets the account.
//!
//! What it owns: `password_resets`, one row per request.
//!
//! ```text
//! request   asked -> link mailed (an active account) | nothing mailed
//! link      unused -> used (a new password set; every session ends)
//!           unused -> expired (after LINK_MINUTES) | superseded (another link used)
//! ```
//!
//! Who may do what:
//! - anyone asks for a link for an address; the answer is the same whether
//!   or not an account has it (no enumeration), and so is the throttle:
//!   [`MAX_PER_ADDRESS`] requests per address and [`MAX_PER_CLIENT`] per
//!   client address within [`WINDOW_MINUTES`], counted over every request;
//! - whoever holds an unused, unexpired link sets a new password with it,
//!   once; the link's secret is kept only as a hash;
//! - an admin forces a reset of another account: its password stops
//!   working, its sessions end, and a link is mailed to it.
//!
//! Above `auth` (accounts, sessions, the password rules) and
//! `notifications` (the mail), which know nothing of it.

use chrono::{DateTime, Duration, Utc};
use entity::{notifications as notes, password_resets, users};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;
use validator::ValidateEmail as _;

use crate::audit::{self, Change, Who};
use crate::auth::policy::{self, Action};
use crate::auth::users::{normalize_email, set_password};
use crate::auth::{Actor, password, random_secret, secret_hash};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::notifications::{self, Kind, Params};

/// How long a link works.
pub const LINK_MINUTES: i64 = 60;
/// Requests allowed per address within the window.
pub const MAX_PER_ADDRESS: u64 = 3;
/// Requests allowed per client address within the window.
pub const MAX_PER_CLIENT: u64 = 10;
/// Length of the throttle's window.
pub const WINDOW_MINUTES: i64 = 60;

/// The person acting on their own account, signed out.
fn self_service(user: &users::Model) -> Who {
    Who {
        user_id: Some(user.id),
        role: user.role.clone(),
    }
}

/// The refusal of a link that is unknown, used or expired (one answer for
/// all three).
fn dead_link() -> Error {
    Error::invalid(
        "token",
        "reset_link_invalid",
        "this link has expired or has been used; ask for a new one",
    )
}

/// Asks for a reset link for `email`: mailed when an active account has the
/// address, nothing otherwise; the caller cannot tell which.
///
/// # Errors
/// `Invalid` on `email` when it is not an address; `TooManyRequests` when
/// the address or the client asked too often.
pub async fn request(db: &Db, email: &str, client_ip: &str, now: DateTime<Utc>) -> Result<()> {
    let email = normalize_email(email);
    if !email.validate_email() {
        return Err(Error::invalid(
            "email",
            "invalid_email",
            "enter an e-mail address",
        ));
    }
    let since = now - Duration::minutes(WINDOW_MINUTES);
    for (column, value, max) in [
        (
            password_resets::Column::Email,
            email.as_str(),
            MAX_PER_ADDRESS,
        ),
        (password_resets::Column::ClientIp, client_ip, MAX_PER_CLIENT),
    ] {
        let recent = password_resets::Entity::find()
            .filter(column.eq(value))
            .filter(password_resets::Column::RequestedAt.gt(since))
            .count(db.conn())
            .await?;
        if recent >= max {
            return Err(Error::TooManyRequests {
                retry_after_secs: u64::try_from(WINDOW_MINUTES * 60).unwrap_or(3600),
            });
        }
    }
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.clone()))
        .filter(users::Column::Active.eq(true))
        .one(db.conn())
        .await?;
    let tx = db.begin().await?;
    match user {
        Some(user) => {
            mail_link(&*tx, &self_service(&user), &user, client_ip, now).await?;
        }
        None => {
            password_resets::Entity::insert(password_resets::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(email),
                user_id: Set(None),
                secret_hash: Set(None),
                client_ip: Set(client_ip.to_owned()),
                requested_at: Set(now),
                expires_at: Set(now),
                used_at: Set(None),
            })
            .exec_without_returning(&*tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Records a link for `user` and mails it, in the caller's transaction.
async fn mail_link<C: ConnectionTrait>(
    tx: &C,
    who: &Who,
    user: &users::Model,
    client_ip: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let secret = random_secret(32);
    let id = Uuid::now_v7();
    password_resets::Entity::insert(password_resets::ActiveModel {
        id: Set(id),
        email: Set(user.email.clone()),
        user_id: Set(Some(user.id)),
        secret_hash: Set(Some(secret_hash(&secret))),
        client_ip: Set(client_ip.to_owned()),
        requested_at: Set(now),
        expires_at: Set(now + Duration::minutes(LINK_MINUTES)),
        used_at: Set(None),
    })
    .exec_without_returning(tx)
    .await?;
    notifications::tell(
        tx,
        std::slice::from_ref(user),
        Kind::PasswordReset,
        format!("password_reset:{id}"),
        format!("/reset-password/{secret}"),
        Params {
            minutes: Some(LINK_MINUTES),
            ..Params::about(user.email.clone())
        },
        now,
    )
    .await?;
    audit::append(
        tx,
        who,
        Change::new::<(), _>(
            "user.password_reset_link",
            "user",
            user.id,
            None,
            Some(&serde_json::json!({"expires_at": now + Duration::minutes(LINK_MINUTES)})),
        ),
        now,
    )
    .await?;
    Ok(())
}

/// Whether `secret` is a link that still works (the page asks before
/// showing the form).
///
/// # Errors
/// `Invalid` on `token` for a dead link.
pub async fn check_link(db: &Db, secret: &str, now: DateTime<Utc>) -> Result<()> {
    live_link(db.conn(), secret, now).await.map(|_| ())
}

async fn live_link<C: ConnectionTrait>(
    conn: &C,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<password_resets::Model> {
    password_resets::Entity::find()
        .filter(password_resets::Column::SecretHash.eq(secret_hash(secret)))
        .filter(password_resets::Column::UsedAt.is_null())
        .filter(password_resets::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?
        .ok_or_else(dead_link)
}

/// Sets a new password with a link: once, before it expires. Every session
/// of the account ends, and every other link of it stops working.
///
/// # Errors
/// `Invalid` on `token` for a dead link, on `new_password` for a broken rule.
pub async fn reset(
    db: &Db,
    secret: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<users::Model> {
    let link = live_link(db.conn(), secret, now).await?;
    let user = match link.user_id {
        Some(id) => users::Entity::find_by_id(id)
            .filter(users::Column::Active.eq(true))
            .one(db.conn())
            .await?
            .ok_or_else(dead_link)?,
        None => return Err(dead_link()),
    };
    let errors = password::check_rules("new_password", new_password, &user.email);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let hash = password::hash(new_password.to_owned()).await?;
    let tx = db.begin().await?;
    // Used once: a second use alongside finds it used.
    let hit = password_resets::Entity::update_many()
        .col_expr(password_resets::Column::UsedAt, Expr::value(now))
        .filter(password_resets::Column::Id.eq(link.id))
        .filter(password_resets::Column::UsedAt.is_null())
        .exec(&*tx)
        .await?;
    if hit.rows_affected != 1 {
        return Err(dead_link());
    }
    password_resets::Entity::update_many()
        .col_expr(password_resets::Column::UsedAt, Expr::value(now))
        .filter(password_resets::Column::UserId.eq(user.id))
        .filter(password_resets::Column::UsedAt.is_null())
        .exec(&*tx)
        .await?;
    // The message keeps no working secret once it is spent.
    notes::Entity::update_many()
        .col_expr(notes::Column::Link, Expr::value("/login"))
        .filter(notes::Column::UserId.eq(user.id))
        .filter(notes::Column::Kind.eq(Kind::PasswordReset.as_str()))
        .exec(&*tx)
        .await?;
    set_password(
        &*tx,
        &self_service(&user),
        &user,
        hash,
        "user.password_reset",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// An admin resets another account: its password stops working at once,
/// its sessions end, and a link to set a new one is mailed to it.
///
/// # Errors
/// `Forbidden` unless an admin, or on oneself; `NotFound`; `Conflict` for a
/// deactivated account.
pub async fn force(db: &Db, actor: &Actor, user_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    policy::check(Some(actor), Action::ManageUsers)?;
    policy::not_self(actor, user_id)?;
    let user = users::Entity::find_by_id(user_id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("user"))?;
    if !user.active {
        return Err(Error::Conflict {
            code: "user_inactive",
            message: "activate the account before resetting its password".into(),
        });
    }
    // A hash of a secret nobody keeps: no password matches it, and a
    // sign-in against it takes as long as any other.
    let unusable = password::hash(random_secret(32)).await?;
    let tx = db.begin().await?;
    set_password(
        &*tx,
        &actor.who(),
        &user,
        unusable,
        "user.password_force_reset",
        now,
    )
    .await?;
    mail_link(&*tx, &actor.who(), &user, "admin", now).await?;
    tx.commit().await?;
    Ok(())
}
