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
//! - only the system writes notifications, asked by the areas: every
//!   decision about a person or their organization is told to them in the
//!   decision's own transaction ([`tell`]: applications, annual reports,
//!   credit listings, grades, answers, openings, award notices, challenge
//!   replies, grant offers, payments, report reviews, panel seats), and the
//!   grants' reminder job (`crate::grants::reminders`) reminds of reports
//!   due within 7 days or overdue. Each carries a dedup key, unique per
//!   recipient, so a job run twice, or on two servers at once, or a
//!   retried command, sends nothing twice;
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

pub mod language;
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

/// Declares the kinds of notification once: variant, stored name, and
/// the catalogue prefix its `outcome` is read with (if it has one).
macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal $(outcome $prefix:literal)? ,)+) => {
        /// What a notification is about. The API documents these names as
        /// they are (one list, no copy in a DTO).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
        #[oai(rename = "NotificationKind", rename_all = "snake_case")]
        pub enum Kind {
            $( $(#[$doc])* $variant, )+
        }

        impl Kind {
            /// Every kind.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),+];

            /// Stored name.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$variant => $name,)+
                }
            }

            /// The catalogue prefix of the outcome's words, if the kind has
            /// an outcome (`credit-` + `dishonest`).
            #[must_use]
            fn outcome_prefix(self) -> Option<&'static str> {
                match self {
                    $(Kind::$variant => None $(.or(Some($prefix)))?,)+
                }
            }
        }
    };
}

kinds! {
    /// A grant waits for the organization to accept or decline it (sent
    /// when it is offered, and again by the reminder job's key never).
    GrantAwaitingAcceptance = "grant_awaiting_acceptance",
    /// A report falls due within 7 days.
    ReportDueSoon = "report_due_soon",
    /// A report is past its due date.
    ReportOverdue = "report_overdue",
    /// The purchaser returned a report for changes.
    ReportReturned = "report_returned",
    /// The purchaser accepted a report.
    ReportAccepted = "report_accepted",
    /// A payment of the grant was recorded.
    PaymentRecorded = "payment_recorded",
    /// A registrar returned the applicant's application for changes.
    ApplicationReturned = "application_returned",
    /// A registrar approved the application (a registration: with its code).
    ApplicationApproved = "application_approved",
    /// A registrar rejected the application.
    ApplicationRejected = "application_rejected",
    /// A registrar accepted the organization's annual report.
    AnnualReportAccepted = "annual_report_accepted",
    /// A registrar returned the organization's annual report.
    AnnualReportReturned = "annual_report_returned",
    /// The organization was put on a credit list.
    CreditListed = "credit_listed" outcome "credit-",
    /// A credit listing of the organization was lifted.
    CreditLifted = "credit_lifted" outcome "credit-",
    /// The organization was awarded an evaluation grade.
    GradeAwarded = "grade_awarded",
    /// The purchaser answered the person's question.
    QuestionAnswered = "question_answered",
    /// The bids of a project the organization bid for were opened.
    BidsOpened = "bids_opened",
    /// The award notice of a project the organization bid for is published.
    AwardPublished = "award_published",
    /// The purchaser decided the organization's challenge.
    ChallengeDecided = "challenge_decided" outcome "challenge-",
    /// The expert was seated on a project's evaluation panel.
    PanelSeat = "panel_seat",
    /// A link to set a new password was asked for (by the person, or by an
    /// admin who reset the account).
    PasswordReset = "password_reset",
}

impl Kind {
    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// The facts a message is written from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// What it is about, by name: the grant's title, the project's title,
    /// the application's or organization's name. (Rows written before
    /// other kinds existed call it `grant`.)
    #[serde(alias = "grant")]
    pub subject: String,
    /// The report's kind (`progress`, `midterm`, `final`, `financial`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// The report's due date, or the last day of a challenge window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    /// Days left (due soon) or days late (overdue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// Minutes a one-time link stays valid (a password reset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i64>,
    /// The decider's words: a return or rejection reason, a review note, a
    /// listing's ground.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The code issued (an approved registration's USCC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// How it was decided, by stored name (`upheld`, `dishonest`, `4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// An amount in fen (a payment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    /// A year (an annual report's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

impl Params {
    /// The facts of a message about `subject`.
    #[must_use]
    pub fn about(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            ..Self::default()
        }
    }
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
    people_of(tx, [organization_id], admins_only).await
}

/// The message of a notification in `lang`: one sentence.
#[must_use]
pub fn text(lang: Lang, kind: &str, params: &Params) -> String {
    let report = params
        .report
        .as_deref()
        .and_then(|r| lang.try_t(&format!("rkind-{r}")))
        .unwrap_or_default();
    let outcome = match (
        Kind::parse(kind).and_then(Kind::outcome_prefix),
        &params.outcome,
    ) {
        (Some(prefix), Some(o)) => lang.try_t(&format!("{prefix}{o}")).unwrap_or_default(),
        (None, Some(o)) => o.clone(),
        (_, None) => String::new(),
    };
    let args = [
        ("grant", params.subject.clone()),
        ("subject", params.subject.clone()),
        ("report", report),
        (
            "due_on",
            params.due_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("days", params.days.unwrap_or_default().to_string()),
        ("minutes", params.minutes.unwrap_or_default().to_string()),
        ("note", params.note.clone().unwrap_or_default()),
        (
            "code",
            params.code.clone().unwrap_or_else(|| "none".to_owned()),
        ),
        ("outcome", outcome),
        (
            "amount",
            crate::money::Fen(params.amount_fen.unwrap_or_default()).grouped(),
        ),
        (
            "year",
            params.year.map(|y| y.to_string()).unwrap_or_default(),
        ),
    ];
    lang.try_t_with(&format!("notice-{kind}"), &args)
        .unwrap_or_else(|| format!("{kind}: {}", params.subject))
}

/// Active users by id (a decision's addressee: an applicant, an asker, a
/// challenger, an expert), in one read.
///
/// # Errors
/// The database's error.
pub async fn users_by_id<C: ConnectionTrait>(
    tx: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<users::Model>> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Id)
        .all(tx)
        .await?)
}

/// The active people of some organizations (their admins only, or
/// everyone), in one read: told of a decision about their organization.
///
/// # Errors
/// The database's error.
pub async fn people_of<C: ConnectionTrait>(
    tx: &C,
    organizations: impl IntoIterator<Item = Uuid>,
    admins_only: bool,
) -> Result<Vec<users::Model>> {
    let organizations: Vec<Uuid> = organizations.into_iter().collect();
    if organizations.is_empty() {
        return Ok(Vec::new());
    }
    let roles: &[Role] = if admins_only {
        &[Role::OrgAdmin]
    } else {
        &[Role::OrgAdmin, Role::OrgMember]
    };
    Ok(users::Entity::find()
        .filter(users::Column::OrganizationId.is_in(organizations))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Role.is_in(roles.iter().map(|r| r.as_str())))
        .order_by_asc(users::Column::Id)
        .all(tx)
        .await?)
}

/// Tells `recipients` of a decision: `notice` keyed by `key` (unique per
/// decision, so a retried command never tells twice).
///
/// # Errors
/// The database's error.
pub async fn tell<C: ConnectionTrait>(
    tx: &C,
    recipients: &[users::Model],
    kind: Kind,
    key: String,
    link: String,
    params: Params,
    now: DateTime<Utc>,
) -> Result<u64> {
    send(
        tx,
        recipients,
        &Notice {
            kind,
            key,
            link,
            params,
        },
        now,
    )
    .await
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
        for &k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("nonsense"), None);
    }

    #[test]
    fn messages_are_written_in_both_languages_from_the_facts() {
        let params = Params {
            subject: "社区养老服务".into(),
            report: Some("midterm".into()),
            due_on: NaiveDate::from_ymd_opt(2026, 6, 30),
            days: Some(3),
            ..Params::default()
        };
        let en = text(Lang::En, Kind::ReportDueSoon.as_str(), &params);
        assert!(en.contains("Mid-term report"), "{en}");
        assert!(
            en.contains("2026-06-30") && en.contains("社区养老服务"),
            "{en}"
        );
        let zh = text(Lang::ZhCn, Kind::ReportDueSoon.as_str(), &params);
        assert!(zh.contains("2026-06-30") && zh != en, "{zh}");
        for &k in Kind::ALL {
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
    fn an_approval_names_its_code_only_when_one_was_issued() {
        let kind = Kind::ApplicationApproved.as_str();
        let with = Params {
            code: Some("52420100MJY0000012".into()),
            ..Params::about("武汉市阳光社工服务中心")
        };
        let zh = text(Lang::ZhCn, kind, &with);
        assert!(zh.contains("统一社会信用代码：52420100MJY0000012"), "{zh}");
        let en = text(Lang::En, kind, &Params::about("A change"));
        assert_eq!(en, "Your application “A change” was approved.");
    }

    #[test]
    fn stored_params_survive_a_round_trip_and_bad_ones_read_empty() {
        let params = Params {
            subject: "g".into(),
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
