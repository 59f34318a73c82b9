//! `/me/notifications`: the caller's own notifications.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use super::auth::TokenAuth;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::notifications::{self, Kind, params_of};
use crate::pagination::PageRequest;

/// The caller's notifications.
pub struct NotificationsApi;

/// A notification.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Notification {
    /// Id.
    pub id: Uuid,
    /// What it is about (absent for a kind this version does not know).
    pub kind: Option<Kind>,
    /// The message, in the language of `Accept-Language` (zh-CN by default).
    pub message: String,
    /// Path of the page it is about.
    pub link: String,
    /// What it is about, by name: a grant's or project's title, an
    /// application's or organization's name.
    pub subject: String,
    /// The same as `subject` (the name from when every notification was
    /// about a grant; kept for clients that read it).
    #[oai(deprecated)]
    pub grant: String,
    /// The code issued (an approved registration's unified social credit code).
    pub code: Option<String>,
    /// An amount in fen (a recorded payment).
    pub amount_fen: Option<i64>,
    /// The report's kind: `progress`, `midterm`, `final` or `financial`.
    pub report_kind: Option<String>,
    /// The report's due date (China date).
    pub due_on: Option<NaiveDate>,
    /// Days left (due soon) or days late (overdue).
    pub days: Option<i64>,
    /// The decider's words: a return or rejection reason, a review note, a
    /// listing's ground.
    pub note: Option<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When marked read; absent while unread.
    pub read_at: Option<DateTime<Utc>>,
}

impl Notification {
    fn new(n: entity::notifications::Model, lang: Lang) -> Self {
        let params = params_of(&n);
        Self {
            id: n.id,
            kind: Kind::parse(&n.kind),
            message: notifications::text(lang, &n.kind, &params),
            link: n.link,
            grant: params.subject.clone(),
            subject: params.subject,
            code: params.code,
            amount_fen: params.amount_fen,
            report_kind: params.report,
            due_on: params.due_on,
            days: params.days,
            note: params.note,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// A page of notifications.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NotificationPage {
    /// Notifications, newest first.
    pub items: Vec<Notification>,
    /// Unread notifications in all.
    pub unread: u64,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// How many were marked read.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MarkedRead {
    /// Notifications that were unread.
    pub marked: u64,
}

fn lang_of(accept_language: Option<&str>) -> Lang {
    accept_language
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::ZhCn)
}

#[OpenApi(prefix_path = "/me/notifications", tag = "ApiTags::Accounts")]
impl NotificationsApi {
    /// My notifications
    ///
    /// Every decision about the caller or their organization (applications
    /// returned, approved with their code, or rejected; annual reports
    /// reviewed; credit listings and liftings; grades; answers to their
    /// questions; bids opened; award notices; challenges decided; grants
    /// offered; payments recorded; reports reviewed; panel seats), and
    /// reminders of reports due within 7 days or overdue. Each is also mailed.
    #[oai(path = "/", method = "get", operation_id = "list_my_notifications")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// Only unread ones.
        unread: Query<Option<bool>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
        /// The language of `message`: zh-CN (default) or en.
        #[oai(name = "Accept-Language")]
        accept_language: Header<Option<String>>,
    ) -> ApiResult<Json<NotificationPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let lang = lang_of(accept_language.0.as_deref());
        let (rows, next_cursor) =
            notifications::list(&state.db, &auth.0, unread.0.unwrap_or(false), &page).await?;
        Ok(Json(NotificationPage {
            items: rows
                .into_iter()
                .map(|n| Notification::new(n, lang))
                .collect(),
            unread: notifications::unread_count(&state.db, auth.0.user_id).await?,
            next_cursor,
        }))
    }

    /// Mark one of my notifications read
    #[oai(
        path = "/:id/read",
        method = "post",
        operation_id = "read_my_notification"
    )]
    async fn read(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        /// The language of `message`: zh-CN (default) or en.
        #[oai(name = "Accept-Language")]
        accept_language: Header<Option<String>>,
    ) -> ApiResult<Json<Notification>> {
        let n = notifications::mark_read(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Json(Notification::new(
            n,
            lang_of(accept_language.0.as_deref()),
        )))
    }

    /// Mark all my notifications read
    #[oai(
        path = "/read-all",
        method = "post",
        operation_id = "read_all_my_notifications"
    )]
    async fn read_all(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
    ) -> ApiResult<Json<MarkedRead>> {
        let marked = notifications::mark_all_read(&state.db, &auth.0, state.clock.now()).await?;
        Ok(Json(MarkedRead { marked }))
    }
}
