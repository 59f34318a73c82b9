//! Personal API tokens: `cgv_` + 32 random bytes, shown once at creation,
//! stored as SHA-256, scoped `read` or `read write`, revocable by their owner,
//! listed with their last use.

use chrono::{DateTime, Duration, Utc};
use entity::{api_tokens, users};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::policy::{self, Action};
use super::{Actor, Via, random_secret, secret_hash};
use crate::audit::{self, Change};
use crate::db::Db;
use crate::error::{Error, Result};

/// Prefix that marks a cogov token (helps secret scanners and people).
pub const PREFIX: &str = "cgv_";
/// Last use is written at most this often per token.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A token's rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Reads only.
    Read,
    /// Reads and writes.
    Write,
}

impl Scope {
    /// Parses a scope name.
    ///
    /// # Errors
    /// `Invalid` on `scopes` for an unknown name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            other => Err(Error::invalid(
                "scopes",
                "unknown_scope",
                format!("unknown scope `{other}`; use `read` or `write`"),
            )),
        }
    }
}

/// What is stored for a set of scopes: `write` always implies `read`.
fn stored_scopes(scopes: &[Scope]) -> &'static str {
    if scopes.contains(&Scope::Write) {
        "read write"
    } else {
        "read"
    }
}

/// Creates a token for the actor; returns the row and the secret (shown once).
///
/// # Errors
/// `Forbidden` by policy; `Invalid` for an empty or over-long name.
pub async fn create(
    db: &Db,
    actor: &Actor,
    name: &str,
    scopes: &[Scope],
    now: DateTime<Utc>,
) -> Result<(api_tokens::Model, String)> {
    policy::check(Some(actor), Action::ManageOwnTokens)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            "length",
            "name must be 1 to 100 characters",
        ));
    }
    if scopes.is_empty() {
        return Err(Error::invalid(
            "scopes",
            "required",
            "choose at least one scope",
        ));
    }
    let secret = format!("{PREFIX}{}", random_secret(32));
    let model = api_tokens::Model {
        id: Uuid::now_v7(),
        user_id: actor.user_id,
        name: name.to_owned(),
        token_hash: secret_hash(&secret),
        prefix: secret.chars().take(10).collect(),
        scopes: stored_scopes(scopes).to_owned(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let tx = db.begin().await?;
    api_tokens::Entity::insert(api_tokens::ActiveModel {
        id: Set(model.id),
        user_id: Set(model.user_id),
        name: Set(model.name.clone()),
        token_hash: Set(model.token_hash.clone()),
        prefix: Set(model.prefix.clone()),
        scopes: Set(model.scopes.clone()),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
    })
    .exec_without_returning(&*tx)
    .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "token.create",
            "api_token",
            model.id,
            None,
            Some(&snapshot(&model)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((model, secret))
}

/// What the audit chain keeps of a token (never the hash).
fn snapshot(t: &api_tokens::Model) -> serde_json::Value {
    serde_json::json!({
        "id": t.id, "user_id": t.user_id, "name": t.name, "prefix": t.prefix,
        "scopes": t.scopes, "revoked_at": t.revoked_at,
    })
}

/// The actor's tokens, newest first, revoked ones included.
///
/// # Errors
/// The database's error.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<api_tokens::Model>> {
    policy::check(Some(actor), Action::ReadOwnAccount)?;
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::UserId.eq(actor.user_id))
        .order_by_desc(api_tokens::Column::Id)
        .all(db.conn())
        .await?)
}

/// Revokes one of the actor's tokens.
///
/// # Errors
/// `NotFound` for a token that is not the actor's; `Conflict` when already revoked.
pub async fn revoke(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<api_tokens::Model> {
    policy::check(Some(actor), Action::ManageOwnTokens)?;
    let tx = db.begin().await?;
    let token = api_tokens::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("token"))?;
    policy::own_token(actor, token.user_id)?;
    if token.revoked_at.is_some() {
        return Err(Error::Conflict {
            code: "already_revoked",
            message: "this token is already revoked".into(),
        });
    }
    let mut after = token.clone();
    after.revoked_at = Some(now);
    // Only while still live: two revocations at once revoke it once.
    let hit = api_tokens::Entity::update_many()
        .col_expr(
            api_tokens::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(api_tokens::Column::Id.eq(id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(&*tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this token")?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "token.revoke",
            "api_token",
            id,
            Some(&snapshot(&token)),
            Some(&snapshot(&after)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The actor a bearer secret stands for, if it is a live token of an active user.
///
/// # Errors
/// The database's error.
pub async fn authenticate(db: &Db, secret: &str, now: DateTime<Utc>) -> Result<Option<Actor>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(token) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(secret_hash(secret)))
        .one(db.conn())
        .await?
    else {
        return Ok(None);
    };
    if token.revoked_at.is_some() {
        return Ok(None);
    }
    let Some(user) = users::Entity::find_by_id(token.user_id)
        .one(db.conn())
        .await?
        .filter(|u| u.active)
    else {
        return Ok(None);
    };
    if token.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
        crate::db::note(db, "token use", |tx| async move {
            api_tokens::Entity::update_many()
                .col_expr(
                    api_tokens::Column::LastUsedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(api_tokens::Column::Id.eq(token.id))
                .exec(&*tx)
                .await?;
            tx.commit().await
        })
        .await?;
    }
    let write = token.scopes.split(' ').any(|s| s == "write");
    Ok(Actor::from_user(&user, Via::Token { write }))
}
