//! Notifications: messages to users, in the app and by e-mail.
//!
//! What it owns: `notifications` (one row per message to one user) and the
//! e-mail `outbox` (one row per notification to mail).
//!
//! ```text
//! notification  unread -> read                       (its recipient)
//! outbox mail   pending -> sent
//!               pending -> pending (retried with backoff) -> failed
//! ```
//!
//! Who may do what:
//! - only the system writes notifications, asked by the areas: the grants'
//!   reminder job (`crate::grants::reminders`)
//!   for grants awaiting acceptance and reports due within 7 days or
//!   overdue, and the grant service when a report is returned. Each carries
//!   a dedup key, unique per recipient, so a job run twice, or on two
//!   servers at once, sends nothing twice;
//! - every notification is queued in the outbox in the same transaction;
//!   the delivery job ([`mail`]) mails it through SMTP when configured, into
//!   a directory, or to the log, and gives up after [`mail::MAX_ATTEMPTS`];
//! - a user lists and marks read only their own notifications (others'
//!   are not found); admins and auditors read the outbox.
//!
//! What it must not touch: the areas. They call it with who to tell and
//! what happened; it calls none of them.
//!
//! A notification keeps its facts (`params`), not its words: pages render
//! it in the reader's language, mails in Chinese and English.

pub mod mail;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{notifications, outbox, users};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Actor;
use crate::auth::policy::{Action, check};
use crate::auth::roles::Role;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::pagination::PageRequest;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A grant waits for the organization to accept or decline it.
    GrantAwaitingAcceptance,
    /// A report falls due within 7 days.
    ReportDueSoon,
    /// A report is past its due date.
    ReportOverdue,
    /// The purchaser returned a report for changes.
    ReportReturned,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 4] = [
        Kind::GrantAwaitingAcceptance,
        Kind::ReportDueSoon,
        Kind::ReportOverdue,
        Kind::ReportReturned,
    ];

    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::GrantAwaitingAcceptance => "grant_awaiting_acceptance",
            Kind::ReportDueSoon => "report_due_soon",
            Kind::ReportOverdue => "report_overdue",
            Kind::ReportReturned => "report_returned",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The facts a message is written from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// The grant's title.
    pub grant: String,
    /// The report's kind (`progress`, `midterm`, `final`, `financial`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// The report's due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    /// Days left (due soon) or days late (overdue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// The purchaser's note (returned reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A message to send to some users.
#[derive(Debug, Clone)]
pub struct Notice {
    /// What it is about.
    pub kind: Kind,
    /// Names this message; the recipient's id is appended, and a key sent
    /// once is never sent again.
    pub key: String,
    /// Path of the page it is about.
    pub link: String,
    /// Its facts.
    pub params: Params,
}

/// Creates `notice` for each recipient who has not had it yet, and queues
/// its e-mail; returns how many were new. Runs in the caller's transaction.
///
/// # Errors
/// The database's error.
pub async fn send<C: ConnectionTrait>(
    tx: &C,
    recipients: &[users::Model],
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<u64> {
    let params = serde_json::to_string(&notice.params)
        .map_err(|e| Error::Internal(format!("notification params: {e}")))?;
    let mut created = 0;
    for user in recipients {
        let id = Uuid::now_v7();
        let inserted = notifications::Entity::insert(notifications::ActiveModel {
            id: Set(id),
            user_id: Set(user.id),
            kind: Set(notice.kind.as_str().to_owned()),
            dedup_key: Set(format!("{}:{}", notice.key, user.id)),
            link: Set(notice.link.clone()),
            params: Set(params.clone()),
            created_at: Set(now),
            read_at: Set(None),
        })
        .on_conflict(
            OnConflict::column(notifications::Column::DedupKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx)
        .await?;
        if inserted == 0 {
            continue;
        }
        created += 1;
        outbox::Entity::insert(outbox::ActiveModel {
            id: Set(Uuid::now_v7()),
            notification_id: Set(id),
            to_address: Set(user.email.clone()),
            status: Set(mail::Status::Pending),
            attempts: Set(0),
            last_error: Set(None),
            next_attempt_at: Set(now),
            sent_at: Set(None),
            created_at: Set(now),
        })
        .exec_without_returning(tx)
        .await?;
    }
    Ok(created)
}

/// The active users of an organization: its admins only, or everyone.
///
/// # Errors
/// The database's error.
pub async fn organization_users<C: ConnectionTrait>(
    tx: &C,
    organization_id: Uuid,
    admins_only: bool,
) -> Result<Vec<users::Model>> {
    let roles: &[Role] = if admins_only {
        &[Role::OrgAdmin]
    } else {
        &[Role::OrgAdmin, Role::OrgMember]
    };
    Ok(users::Entity::find()
        .filter(users::Column::OrganizationId.eq(organization_id))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Role.is_in(roles.iter().map(|r| r.as_str())))
        .order_by_asc(users::Column::Id)
        .all(tx)
        .await?)
}

/// The message of a notification in `lang`: one sentence.
#[must_use]
pub fn text(lang: Lang, kind: &str, params: &Params) -> String {
    let report = params
        .report
        .as_deref()
        .and_then(|r| lang.try_t(&format!("rkind-{r}")))
        .unwrap_or_default();
    let args = [
        ("grant", params.grant.clone()),
        ("report", report),
        (
            "due_on",
            params.due_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("days", params.days.unwrap_or_default().to_string()),
        ("note", params.note.clone().unwrap_or_default()),
    ];
    lang.try_t_with(&format!("notice-{kind}"), &args)
        .unwrap_or_else(|| format!("{kind}: {}", params.grant))
}

/// Reads a stored row's params (an unreadable one reads as empty: the
/// message then names its kind only).
#[must_use]
pub fn params_of(n: &notifications::Model) -> Params {
    serde_json::from_str(&n.params).unwrap_or_default()
}

/// The outbox's tasks of `actor`: mails given up on, for those who read
/// the outbox (see [`crate::tasks`]).
///
/// # Errors
/// The database's error.
pub async fn tasks(
    db: &Db,
    want: crate::tasks::Want,
    actor: &Actor,
) -> Result<Vec<crate::tasks::Group>> {
    use crate::tasks::{Group, Item, Kind, oldest};
    if !crate::auth::policy::may(Some(actor), Action::ReadOutbox) {
        return Ok(Vec::new());
    }
    let failed = outbox::Entity::find().filter(outbox::Column::Status.eq(mail::Status::Failed));
    let (count, rows) = oldest(db.conn(), want, failed, outbox::Column::CreatedAt).await?;
    let items = rows
        .into_iter()
        .map(|m| Item {
            title: m.to_address,
            link: "/admin/outbox?status=failed".into(),
            since: m.created_at,
        })
        .collect();
    Ok(Group::of(
        Kind::MailsFailed,
        count,
        "/admin/outbox?status=failed",
        items,
    )
    .into_iter()
    .collect())
}

/// The caller's notifications, newest first; only unread ones when asked.
///
/// # Errors
/// The database's error.
pub async fn list(
    db: &Db,
    actor: &Actor,
    unread_only: bool,
    page: &PageRequest,
) -> Result<(Vec<notifications::Model>, Option<String>)> {
    let mut q = notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(actor.user_id))
        .order_by_desc(notifications::Column::Id)
        .limit(page.limit + 1);
    if unread_only {
        q = q.filter(notifications::Column::ReadAt.is_null());
    }
    if let Some(after) = page.after {
        q = q.filter(notifications::Column::Id.lt(after));
    }
    let rows = q.all(db.conn()).await?;
    Ok(page.finish(rows, |n| n.id))
}

/// How many of the user's notifications are unread.
///
/// # Errors
/// The database's error.
pub async fn unread_count(db: &Db, user_id: Uuid) -> Result<u64> {
    Ok(notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user_id))
        .filter(notifications::Column::ReadAt.is_null())
        .count(db.conn())
        .await?)
}

/// Marks one of the caller's notifications read (reading it again changes
/// nothing).
///
/// # Errors
/// `NotFound` for another user's notification or none; `Forbidden` for a
/// read-only token.
pub async fn mark_read(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<notifications::Model> {
    check(Some(actor), Action::MarkOwnNotifications)?;
    let tx = db.begin().await?;
    notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Expr::value(now))
        .filter(notifications::Column::Id.eq(id))
        .filter(notifications::Column::UserId.eq(actor.user_id))
        .filter(notifications::Column::ReadAt.is_null())
        .exec(&*tx)
        .await?;
    let n = notifications::Entity::find_by_id(id)
        .filter(notifications::Column::UserId.eq(actor.user_id))
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("notification"))?;
    tx.commit().await?;
    Ok(n)
}

/// Marks all the caller's notifications read; returns how many were unread.
///
/// # Errors
/// `Forbidden` for a read-only token.
pub async fn mark_all_read(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<u64> {
    check(Some(actor), Action::MarkOwnNotifications)?;
    let tx = db.begin().await?;
    let marked = notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Expr::value(now))
        .filter(notifications::Column::UserId.eq(actor.user_id))
        .filter(notifications::Column::ReadAt.is_null())
        .exec(&*tx)
        .await?
        .rows_affected;
    tx.commit().await?;
    Ok(marked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("nonsense"), None);
    }

    #[test]
    fn messages_are_written_in_both_languages_from_the_facts() {
        let params = Params {
            grant: "社区养老服务".into(),
            report: Some("midterm".into()),
            due_on: NaiveDate::from_ymd_opt(2026, 6, 30),
            days: Some(3),
            note: None,
        };
        let en = text(Lang::En, Kind::ReportDueSoon.as_str(), &params);
        assert!(en.contains("Mid-term report"), "{en}");
        assert!(
            en.contains("2026-06-30") && en.contains("社区养老服务"),
            "{en}"
        );
        let zh = text(Lang::ZhCn, Kind::ReportDueSoon.as_str(), &params);
        assert!(zh.contains("2026-06-30") && zh != en, "{zh}");
        for k in Kind::ALL {
            for lang in [Lang::En, Lang::ZhCn] {
                let t = text(lang, k.as_str(), &Params::default());
                assert!(
                    !t.starts_with(k.as_str()),
                    "{k:?} has no {lang:?} text: {t}"
                );
            }
        }
    }

    #[test]
    fn stored_params_survive_a_round_trip_and_bad_ones_read_empty() {
        let params = Params {
            grant: "g".into(),
            days: Some(8),
            ..Params::default()
        };
        let row = notifications::Model {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            kind: "report_overdue".into(),
            dedup_key: "k".into(),
            link: "/grants/x".into(),
            params: serde_json::to_string(&params).unwrap(),
            created_at: Utc::now(),
            read_at: None,
        };
        assert_eq!(params_of(&row), params);
        let broken = notifications::Model {
            params: "not json".into(),
            ..row
        };
        assert_eq!(params_of(&broken), Params::default());
    }
}
