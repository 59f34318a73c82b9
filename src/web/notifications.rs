//! The notification page (one's own messages, newest first, marked read
//! when opened or all at once) and the outbox page for admins and auditors
//! (every mail, its state, attempts and last error).

use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse as _, Response, handler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CsrfForm, Viewer, local_time, or_fail, render};
use crate::app::AppState;
use crate::notifications::{self, mail, params_of, text};
use crate::pagination::PageRequest;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    unread: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
struct Item {
    id: Uuid,
    text: String,
    at: String,
    unread: bool,
}

#[derive(Debug, Serialize)]
struct ListPage {
    items: Vec<Item>,
    unread_only: bool,
    next: Option<String>,
}

#[handler]
pub(super) async fn list(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Response {
    let r = async {
        let actor = viewer.actor()?;
        let unread_only = q.unread.is_some();
        let page = PageRequest::parse(None, q.cursor.as_deref())?;
        let (rows, next) = notifications::list(&state.db, actor, unread_only, &page).await?;
        let items = rows
            .iter()
            .map(|n| Item {
                id: n.id,
                text: text(viewer.lang, &n.kind, &params_of(n)),
                at: local_time(&state, n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect();
        let next = next.map(|c| {
            let unread = if unread_only { "&unread=1" } else { "" };
            format!("/notifications?cursor={c}{unread}")
        });
        Ok(render(
            &state,
            &viewer,
            "pages/notifications",
            "notifications-title",
            ListPage {
                items,
                unread_only,
                next,
            },
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}

/// Marks the notification read, then goes to `to(notification)`.
async fn mark_then(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    csrf_token: &str,
    to: impl FnOnce(entity::notifications::Model) -> String,
) -> Response {
    let r = async {
        viewer.check_csrf(csrf_token)?;
        let n = notifications::mark_read(&state.db, viewer.actor()?, id, state.clock.now()).await?;
        Ok(Redirect::see_other(to(n)).into_response())
    }
    .await;
    or_fail(state, viewer, r)
}

/// Marks the notification read and goes to the page it is about.
#[handler]
pub(super) async fn open(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    mark_then(&state, &viewer, id, &form.csrf_token, |n| n.link).await
}

/// Marks the notification read and comes back to the list.
#[handler]
pub(super) async fn read(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    mark_then(&state, &viewer, id, &form.csrf_token, |_| {
        "/notifications".to_owned()
    })
    .await
}

#[handler]
pub(super) async fn read_all(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        notifications::mark_all_read(&state.db, viewer.actor()?, state.clock.now()).await?;
        Ok(Redirect::see_other("/notifications").into_response())
    }
    .await;
    or_fail(&state, &viewer, r)
}

// ---------- the outbox ----------

#[derive(Debug, Default, Deserialize)]
pub(super) struct OutboxQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
struct MailRow {
    to: String,
    subject: String,
    status: String,
    attempts: i32,
    last_error: String,
    queued: String,
    sent: String,
    next_attempt: String,
}

#[derive(Debug, Serialize)]
struct OutboxPage {
    rows: Vec<MailRow>,
    statuses: Vec<&'static str>,
    status: &'static str,
    next: Option<String>,
    transport: &'static str,
}

#[handler]
pub(super) async fn outbox(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<OutboxQuery>,
) -> Response {
    let r = async {
        let status = mail::Status::parse(&q.status);
        let page = PageRequest::parse(None, q.cursor.as_deref())?;
        let (rows, next) = mail::recent(&state.db, viewer.actor()?, status, &page).await?;
        let rows = rows
            .into_iter()
            .map(|(m, n)| MailRow {
                subject: n.map_or_else(String::new, |n| text(viewer.lang, &n.kind, &params_of(&n))),
                to: m.to_address,
                status: m.status.as_str().into(),
                attempts: m.attempts,
                last_error: m.last_error.unwrap_or_default(),
                queued: local_time(&state, m.created_at),
                sent: m.sent_at.map(|t| local_time(&state, t)).unwrap_or_default(),
                next_attempt: if m.status == mail::Status::Pending {
                    local_time(&state, m.next_attempt_at)
                } else {
                    String::new()
                },
            })
            .collect();
        let status = status.map_or("", mail::Status::as_str);
        let next = next.map(|c| format!("/admin/outbox?cursor={c}&status={status}"));
        Ok(render(
            &state,
            &viewer,
            "pages/admin/outbox",
            "outbox-title",
            OutboxPage {
                rows,
                statuses: mail::Status::ALL.map(mail::Status::as_str).to_vec(),
                status,
                next,
                transport: state.settings.mail_transport,
            },
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}
