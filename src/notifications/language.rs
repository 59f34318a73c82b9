//! The language a person reads their notices and mails in: Chinese,
//! English, or (not chosen) both, Chinese first. Chosen at sign-up (the
//! page's language) and on the account page (`PUT /me/language`); read by
//! the mail job for each recipient, in one query per run.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, ExprTrait as _};
use uuid::Uuid;

use crate::audit::{self, Change, Who};
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::error::Result;
use crate::i18n::Lang;

const TABLE: &str = "user_languages";

/// The language `user_id` chose, if any.
///
/// # Errors
/// The database's error.
pub async fn of<C: ConnectionTrait>(conn: &C, user_id: Uuid) -> Result<Option<Lang>> {
    Ok(of_many(conn, &[user_id]).await?.remove(&user_id))
}

/// The languages the `users` chose (those who did), in one query.
///
/// # Errors
/// The database's error.
pub async fn of_many<C: ConnectionTrait>(conn: &C, users: &[Uuid]) -> Result<HashMap<Uuid, Lang>> {
    if users.is_empty() {
        return Ok(HashMap::new());
    }
    let select = Query::select()
        .columns([Alias::new("user_id"), Alias::new("lang")])
        .from(Alias::new(TABLE))
        .and_where(Expr::col(Alias::new("user_id")).is_in(users.iter().copied()))
        .to_owned();
    let rows = conn
        .query_all_raw(conn.get_database_backend().build(&select))
        .await?;
    let mut out = HashMap::new();
    for r in rows {
        let user: Uuid = r.try_get_by_index(0)?;
        let tag: String = r.try_get_by_index(1)?;
        if let Some(lang) = Lang::from_tag(&tag) {
            out.insert(user, lang);
        }
    }
    Ok(out)
}

/// Records `user_id`'s choice (`None`: both languages), with its audit
/// entry, by `who` (the person, or the system at sign-up).
async fn record(
    db: &Db,
    who: &Who,
    user_id: Uuid,
    lang: Option<Lang>,
    now: DateTime<Utc>,
) -> Result<()> {
    let tx = db.begin().await?;
    let before = of(&*tx, user_id).await?;
    let statement = match lang {
        Some(lang) => tx.get_database_backend().build(
            Query::insert()
                .into_table(Alias::new(TABLE))
                .columns([Alias::new("user_id"), Alias::new("lang")])
                .values_panic([user_id.into(), lang.tag().into()])
                .on_conflict(
                    OnConflict::column(Alias::new("user_id"))
                        .update_column(Alias::new("lang"))
                        .to_owned(),
                ),
        ),
        None => tx.get_database_backend().build(
            Query::delete()
                .from_table(Alias::new(TABLE))
                .and_where(Expr::col(Alias::new("user_id")).eq(user_id)),
        ),
    };
    tx.execute_raw(statement).await?;
    let tag = |l: Option<Lang>| serde_json::json!({"lang": l.map(Lang::tag)});
    audit::append(
        &*tx,
        who,
        Change::new(
            "user.language",
            "user",
            user_id,
            Some(&tag(before)),
            Some(&tag(lang)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A person chooses the language of their notices and mails (`None`:
/// both).
///
/// # Errors
/// `Forbidden` for a read-only token; the database's error.
pub async fn choose(db: &Db, actor: &Actor, lang: Option<Lang>, now: DateTime<Utc>) -> Result<()> {
    policy::check(Some(actor), Action::ChooseOwnLanguage)?;
    record(db, &actor.who(), actor.user_id, lang, now).await
}

/// At sign-up: the language of the page the person signed up on.
///
/// # Errors
/// The database's error.
pub async fn at_sign_up(
    db: &Db,
    user: &entity::users::Model,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<()> {
    let who = Who {
        user_id: Some(user.id),
        role: user.role.clone(),
    };
    record(db, &who, user.id, Some(lang), now).await
}
