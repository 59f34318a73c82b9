//! The e-mail outbox and its delivery job.
//!
//! Notifications are queued in `outbox` in the transaction that creates
//! them; this job sends what is due, under its lease, a batch at a time.
//! A mail is composed when it is sent, from its notification, in Chinese
//! then English, with a link to the page when the public URL is known.
//!
//! Where mail goes ([`Postman`]): SMTP when `--smtp-url` is set (lettre),
//! else `.eml` files in `--mail-dir`, else the log. A failed attempt is
//! retried after [`retry_delay`]; a permanent refusal (a 5xx reply, an
//! unusable address) or [`MAX_ATTEMPTS`] failures mark it `failed`.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use entity::{notifications, outbox};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{params_of, text};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::i18n::Lang;

/// The job's lease name.
pub const JOB: &str = "mail.deliver";
/// Where a mail is: pending, sent or failed.
pub use entity::outbox::Status;
/// Attempts before a mail is given up on.
pub const MAX_ATTEMPTS: i32 = 6;
/// Mails one run sends at most.
const BATCH: u64 = 50;
/// A run stops starting new sends after this long (well inside its lease).
const RUN_BUDGET: std::time::Duration = std::time::Duration::from_secs(120);

/// How long to wait after the `attempts`-th failed attempt: 1, 4, 16, 64
/// and 256 minutes; `None` once there have been [`MAX_ATTEMPTS`].
#[must_use]
pub fn retry_delay(attempts: i32) -> Option<Duration> {
    if !(1..MAX_ATTEMPTS).contains(&attempts) {
        return None;
    }
    Some(Duration::minutes(4_i64.pow(attempts.unsigned_abs() - 1)))
}

/// Where mail goes, from the command line.
#[derive(Debug, Clone, Default)]
pub struct MailSettings {
    /// `smtp://`, `smtps://` URL (lettre's format, credentials included).
    pub smtp_url: Option<String>,
    /// Write `.eml` files here instead (when there is no SMTP URL).
    pub dir: Option<PathBuf>,
    /// The From address, e.g. `cogov <noreply@example.cn>`.
    pub from: String,
    /// The public URL of the service, for links in mails.
    pub public_url: Option<String>,
}

enum Transport {
    Log,
    Dir(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends mail the configured way.
pub struct Postman {
    transport: Transport,
    from: Mailbox,
    public_url: Option<String>,
}

/// Why a send failed, and whether to try again.
struct Failure {
    permanent: bool,
    message: String,
}

impl Postman {
    /// Sets up the transport.
    ///
    /// # Errors
    /// `BadInput` naming the setting that cannot be used.
    pub fn new(settings: &MailSettings) -> Result<Self> {
        let from: Mailbox = settings.from.parse().map_err(|e| {
            Error::bad_input("mail_from", "invalid", format!("not a mail address: {e}"))
        })?;
        let transport = match (&settings.smtp_url, &settings.dir) {
            (Some(url), _) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| {
                        Error::bad_input("smtp_url", "invalid", format!("unusable SMTP URL: {e}"))
                    })?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    .build(),
            ),
            (None, Some(dir)) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::bad_input("mail_dir", "invalid", format!("{}: {e}", dir.display()))
                })?;
                Transport::Dir(AsyncFileTransport::<Tokio1Executor>::new(dir))
            }
            (None, None) => Transport::Log,
        };
        Ok(Self {
            transport,
            from,
            public_url: settings
                .public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_owned()),
        })
    }

    /// Where mail goes, for the start-up message.
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self.transport {
            Transport::Log => "the log (no --smtp-url or --mail-dir)",
            Transport::Dir(_) => "files in --mail-dir",
            Transport::Smtp(_) => "SMTP",
        }
    }

    async fn send(&self, to: &str, subject: String, body: String) -> Result<(), Failure> {
        let permanent = |message: String| Failure {
            permanent: true,
            message,
        };
        let to: Mailbox = to
            .parse()
            .map_err(|e| permanent(format!("recipient {to}: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.clone())
            .subject(subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| permanent(format!("composing: {e}")))?;
        match &self.transport {
            Transport::Log => {
                tracing::info!(to = %to, subject = %subject, "mail (not sent: no SMTP configured)");
                Ok(())
            }
            Transport::Dir(t) => t.send(message).await.map(drop).map_err(|e| Failure {
                permanent: false,
                message: e.to_string(),
            }),
            Transport::Smtp(t) => t.send(message).await.map(drop).map_err(|e| Failure {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
        }
    }
}

/// The mail templates (`templates/mail/`): plain text, nothing escaped,
/// strict (a name the template asks for and is not given is a bug of ours).
fn mail_templates() -> &'static handlebars::Handlebars<'static> {
    static TEMPLATES: std::sync::OnceLock<handlebars::Handlebars<'static>> =
        std::sync::OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut hb = handlebars::Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        for (name, source) in [
            (
                "subject",
                include_str!("../../templates/mail/notification.subject.hbs"),
            ),
            (
                "body",
                include_str!("../../templates/mail/notification.txt.hbs"),
            ),
        ] {
            hb.register_template_string(name, source)
                .expect("the mail templates compile");
        }
        hb
    })
}

/// A notification's mail: subject and plain-text body, from the mail
/// templates, in the recipient's language (`lang`), or Chinese then
/// English when they chose none.
#[must_use]
pub fn compose(
    n: &notifications::Model,
    public_url: Option<&str>,
    lang: Option<Lang>,
) -> (String, String) {
    let params = params_of(n);
    let wanted = |l: Lang| lang.is_none_or(|chosen| chosen == l);
    let words = |l: Lang| wanted(l).then(|| text(l, &n.kind, &params));
    let footer = |l: Lang| wanted(l).then(|| l.try_t("mail-footer")).flatten();
    let link = public_url.map_or_else(|| n.link.clone(), |base| format!("{base}{}", n.link));
    let data = serde_json::json!({
        "zh": words(Lang::ZhCn),
        "en": words(Lang::En),
        "site": lang.unwrap_or(Lang::ZhCn).try_t("site-name").unwrap_or_default(),
        "link": link,
        "footer_zh": footer(Lang::ZhCn),
        "footer_en": footer(Lang::En),
    });
    let render = |name: &str| {
        mail_templates()
            .render(name, &data)
            .expect("the mail templates take exactly these fields")
    };
    (render("subject").trim_end().to_owned(), render("body"))
}

/// What a delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Mails sent.
    pub sent: u64,
    /// Mails that failed and will be tried again.
    pub retrying: u64,
    /// Mails given up on.
    pub failed: u64,
}

/// Sends the mails that are due, under the job's lease: `None` when another
/// server holds it.
///
/// # Errors
/// The database's error (a mail's failure is recorded on it, not returned).
pub async fn deliver(
    db: &Db,
    postman: &Postman,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<Option<Delivery>> {
    crate::jobs::under_lease(db, JOB, holder, now, deliver_due(db, postman, now)).await
}

async fn deliver_due(db: &Db, postman: &Postman, now: DateTime<Utc>) -> Result<Delivery> {
    let started = std::time::Instant::now();
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(Status::Pending))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH)
        .all(db.conn())
        .await?;
    let notes = notifications::Entity::find()
        .filter(notifications::Column::Id.is_in(due.iter().map(|m| m.notification_id)))
        .all(db.conn())
        .await?;
    let recipients: Vec<uuid::Uuid> = notes.iter().map(|n| n.user_id).collect();
    let languages = super::language::of_many(db.conn(), &recipients).await?;
    let mut run = Delivery::default();
    for mail in due {
        if started.elapsed() > RUN_BUDGET {
            break;
        }
        let result = match notes.iter().find(|n| n.id == mail.notification_id) {
            Some(n) => {
                let lang = languages.get(&n.user_id).copied();
                let (subject, body) = compose(n, postman.public_url.as_deref(), lang);
                postman.send(&mail.to_address, subject, body).await
            }
            None => Err(Failure {
                permanent: true,
                message: "its notification is gone".into(),
            }),
        };
        let attempts = mail.attempts + 1;
        let update = outbox::Entity::update_many()
            .col_expr(outbox::Column::Attempts, Expr::value(attempts))
            .filter(outbox::Column::Id.eq(mail.id))
            .filter(outbox::Column::Status.eq(Status::Pending));
        let update = match result {
            Ok(()) => {
                run.sent += 1;
                update
                    .col_expr(outbox::Column::Status, Expr::value(Status::Sent))
                    .col_expr(outbox::Column::SentAt, Expr::value(now))
                    .col_expr(outbox::Column::LastError, Expr::value(None::<String>))
            }
            Err(f) => {
                tracing::warn!(mail = %mail.id, error = %f.message, "mail not sent");
                let retry = (!f.permanent).then(|| retry_delay(attempts)).flatten();
                let update = update.col_expr(outbox::Column::LastError, Expr::value(f.message));
                match retry {
                    Some(delay) => {
                        run.retrying += 1;
                        update.col_expr(outbox::Column::NextAttemptAt, Expr::value(now + delay))
                    }
                    None => {
                        run.failed += 1;
                        update.col_expr(outbox::Column::Status, Expr::value(Status::Failed))
                    }
                }
            }
        };
        let tx = db.begin().await?;
        update.exec(&*tx).await?;
        tx.commit().await?;
    }
    Ok(run)
}

/// The outbox, newest first, for staff: every mail or those in one state.
///
/// # Errors
/// `Forbidden` for anyone but admins and auditors.
pub async fn recent(
    db: &Db,
    actor: &crate::auth::Actor,
    status: Option<Status>,
    page: &crate::pagination::PageRequest,
) -> Result<(
    Vec<(outbox::Model, Option<notifications::Model>)>,
    Option<String>,
)> {
    crate::auth::policy::check(Some(actor), crate::auth::policy::Action::ReadOutbox)?;
    let mut q = outbox::Entity::find()
        .order_by_desc(outbox::Column::Id)
        .limit(page.limit + 1);
    if let Some(s) = status {
        q = q.filter(outbox::Column::Status.eq(s));
    }
    if let Some(after) = page.after {
        q = q.filter(outbox::Column::Id.lt(after));
    }
    let rows = q.all(db.conn()).await?;
    let (rows, next) = page.finish(rows, |m| m.id);
    let ids: Vec<Uuid> = rows.iter().map(|m| m.notification_id).collect();
    let notes = notifications::Entity::find()
        .filter(notifications::Column::Id.is_in(ids))
        .all(db.conn())
        .await?;
    let rows = rows
        .into_iter()
        .map(|m| {
            let n = notes.iter().find(|n| n.id == m.notification_id).cloned();
            (m, n)
        })
        .collect();
    Ok((rows, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_fourfold_and_stop_after_the_last_attempt() {
        let minutes: Vec<_> = (1..MAX_ATTEMPTS)
            .map(|a| retry_delay(a).unwrap().num_minutes())
            .collect();
        assert_eq!(minutes, vec![1, 4, 16, 64, 256]);
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
        assert_eq!(retry_delay(0), None);
    }

    #[test]
    fn a_mail_is_written_in_both_languages_with_a_full_link() {
        let params = super::super::Params {
            subject: "社区服务 & <养老>".into(),
            ..Default::default()
        };
        let n = notifications::Model {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            kind: "grant_awaiting_acceptance".into(),
            dedup_key: "k".into(),
            link: "/grants/abc".into(),
            params: serde_json::to_string(&params).unwrap(),
            created_at: Utc::now(),
            read_at: None,
        };
        let (subject, body) = compose(&n, Some("https://cogov.example.cn"), None);
        // Plain text: nothing escaped, the subject one line.
        assert!(subject.contains("社区服务 & <养老>"), "{subject}");
        assert!(!subject.contains('\n'), "{subject}");
        assert!(body.contains("社区服务 & <养老>"), "{body}");
        assert!(
            body.contains("https://cogov.example.cn/grants/abc"),
            "{body}"
        );
        assert!(body.contains("accept"), "{body}");
        let (_, relative) = compose(&n, None, None);
        assert!(relative.contains("\n/grants/abc\n"), "{relative}");
        // In the language the person chose: that one only.
        let (subject, english) = compose(&n, None, Some(Lang::En));
        let zh = text(Lang::ZhCn, &n.kind, &params_of(&n));
        let en = text(Lang::En, &n.kind, &params_of(&n));
        assert!(english.contains(&en) && !english.contains(&zh), "{english}");
        assert!(
            subject.contains(&en) && !subject.contains("平台"),
            "{subject}"
        );
        let (_, chinese) = compose(&n, None, Some(Lang::ZhCn));
        assert!(chinese.contains(&zh) && !chinese.contains(&en), "{chinese}");
    }

    #[test]
    fn unusable_settings_are_refused_by_name() {
        let bad_from = MailSettings {
            from: "not an address".into(),
            ..Default::default()
        };
        assert!(
            matches!(Postman::new(&bad_from), Err(Error::BadInput(e)) if e[0].field == "mail_from")
        );
        let bad_url = MailSettings {
            from: "cogov <noreply@example.cn>".into(),
            smtp_url: Some("ftp://nowhere".into()),
            ..Default::default()
        };
        assert!(
            matches!(Postman::new(&bad_url), Err(Error::BadInput(e)) if e[0].field == "smtp_url")
        );
    }
}
