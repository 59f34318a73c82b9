//! Grant pages: the public list and grant page (installments, paid and
//! remaining totals, reports, payments), with the grantee's forms (accept,
//! decline, submit reports) and the purchaser's (schedule, report review,
//! payments, completion, termination, the next bidder after a decline).
//! The services decide who may do what; the page shows each form only to
//! those it would accept.

use chrono::NaiveDate;
use poem::web::{Data, Form, Path, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ShownError, Viewer, act, or_fail, render_status, status_for};
use crate::app::AppState;
use crate::auth::policy;
use crate::error::{Error, FieldError, Result};
use crate::grants::disbursements;
use crate::grants::reports::{self as grant_reports, ReportInput};
use crate::grants::rules::{self, Installment, Status, Trigger};
use crate::grants::service::{self, Filter};
use crate::money::Fen;
use crate::pagination::PageRequest;
use crate::web::format::yuan;

use super::{Confirm, Fact, Pairs, confirm_page, confirmed, field, or_again};

fn fen(field_name: &str, s: &str) -> Result<i64> {
    Fen::from_yuan_str(s)
        .map(|f| f.0)
        .map_err(|e| Error::invalid(field_name, "invalid_amount", e.to_string()))
}

// ---------- list ----------

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    mine: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    project_id: Option<Uuid>,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
struct Row {
    id: Uuid,
    title: String,
    grantee: String,
    grantee_id: Uuid,
    amount: String,
    paid: String,
    status: String,
    period: String,
}

#[derive(Debug, Serialize)]
struct ListPage {
    rows: Vec<Row>,
    statuses: Vec<&'static str>,
    status: String,
    mine: bool,
    next: Option<String>,
}

#[handler]
pub(super) async fn list(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Response {
    let r = async {
        let actor = viewer.actor.as_ref();
        let mine = q.mine.is_some();
        let mut filter = Filter {
            status: Status::parse(&q.status),
            project_id: q.project_id,
            ..Filter::default()
        };
        if mine {
            let a = viewer.actor()?;
            filter.organization_id = policy::organization_of(Some(a));
            if filter.organization_id.is_none() {
                filter.department_id = policy::department_scope(a).ok().flatten();
            }
            if filter.department_id.is_none() && filter.organization_id.is_none() {
                return Err(Error::forbidden(
                    "you belong to no department or organization",
                ));
            }
        }
        let page = PageRequest::parse(None, q.cursor.as_deref())?;
        let (grants, next) = service::list(&state.db, actor, &filter, &page).await?;
        let names = crate::registry::organizations::names_of(
            state.db.conn(),
            grants.iter().map(|g| g.row.organization_id),
        )
        .await?;
        let rows = grants
            .into_iter()
            .map(|g| Row {
                id: g.row.id,
                grantee: names
                    .get(&g.row.organization_id)
                    .cloned()
                    .unwrap_or_default(),
                grantee_id: g.row.organization_id,
                paid: yuan(g.paid_fen()),
                title: g.row.title.clone(),
                amount: yuan(g.row.amount_fen),
                status: g.row.status.as_str().into(),
                period: format!("{} — {}", g.row.service_start, g.row.service_end),
            })
            .collect();
        let next = next.map(|c| {
            let mut qs = vec![("cursor", c)];
            if mine {
                qs.push(("mine", "1".into()));
            }
            if !q.status.is_empty() {
                qs.push(("status", q.status.clone()));
            }
            if let Some(p) = q.project_id {
                qs.push(("project_id", p.to_string()));
            }
            format!(
                "/grants?{}",
                serde_urlencoded::to_string(qs).unwrap_or_default()
            )
        });
        let page = ListPage {
            rows,
            statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
            status: q.status.clone(),
            mine,
            next,
        };
        Ok(render_status(
            &state,
            &viewer,
            poem::http::StatusCode::OK,
            "pages/grants/list",
            "grants-title",
            page,
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}

// ---------- one grant ----------

#[derive(Debug, Serialize)]
struct InstallmentRow {
    id: Uuid,
    trigger: String,
    amount: String,
    paid: String,
    payable: String,
    payable_now: bool,
    paid_in_full: bool,
}

#[derive(Debug, Serialize)]
struct ReportRow {
    id: Uuid,
    kind: String,
    due_on: String,
    status: String,
    overdue: bool,
    body: String,
    people_served: String,
    spending: String,
    review_note: String,
    can_submit: bool,
    can_review: bool,
}

#[derive(Debug, Serialize)]
struct GrantPage {
    /// What the page is about, for its title.
    subject: String,
    /// The next page of feedback, newest first.
    feedback_more: Option<String>,
    id: Uuid,
    project_id: Uuid,
    title: String,
    organization: String,
    organization_id: Uuid,
    amount: String,
    paid: String,
    remaining: String,
    payable: String,
    period: String,
    status: String,
    status_reason: String,
    score: String,
    comment: String,
    installments: Vec<InstallmentRow>,
    reports: Vec<ReportRow>,
    disbursements: Vec<(String, String, String)>,
    is_funder: bool,
    can_accept: bool,
    can_edit_schedule: bool,
    can_pay: bool,
    can_complete: bool,
    can_terminate: bool,
    after_decline: bool,
    triggers: Vec<&'static str>,
    can_feedback: bool,
    feedback: Vec<FeedbackRow>,
    errors: Vec<ShownError>,
}

#[derive(Debug, Serialize)]
pub(super) struct FeedbackRow {
    id: Uuid,
    stars: String,
    comment: String,
    status: String,
    reason: String,
    created_at: String,
}

/// Feedback as the pages show it.
pub(super) fn feedback_rows(
    state: &AppState,
    rows: Vec<entity::grant_feedback::Model>,
) -> Vec<FeedbackRow> {
    rows.into_iter()
        .map(|f| FeedbackRow {
            id: f.id,
            stars: "★".repeat(usize::try_from(f.rating).unwrap_or(0))
                + &"☆".repeat(5 - usize::try_from(f.rating).unwrap_or(0).min(5)),
            comment: f.comment,
            status: f.status.as_str().into(),
            reason: f.moderation_reason.unwrap_or_default(),
            created_at: f
                .created_at
                .with_timezone(&state.settings.timezone)
                .format("%Y-%m-%d")
                .to_string(),
        })
        .collect()
}

async fn grant_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    feedback_cursor: Option<&str>,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = viewer.actor.as_ref();
    let today = crate::clock::china_date(state.clock.now());
    let g = service::get(&state.db, actor, id).await?;
    let is_funder = policy::buys_for(actor, g.row.department_id);
    let is_grantee = policy::acts_for(actor, g.row.organization_id);
    let is_grantee_admin = is_grantee && policy::is_org_admin(actor);
    let active = g.status == Status::Active;
    let org = crate::registry::organizations::get(state.db.conn(), g.row.organization_id).await?;
    let (feedback, feedback_next) = crate::grants::feedback::of_grant(
        &state.db,
        actor,
        id,
        &PageRequest::parse(Some(FEEDBACK_PER_PAGE), feedback_cursor)?,
    )
    .await?;
    let page = GrantPage {
        subject: g.row.title.clone(),
        id,
        project_id: g.row.project_id,
        title: g.row.title.clone(),
        organization: org.name,
        organization_id: org.id,
        amount: yuan(g.row.amount_fen),
        paid: yuan(g.paid_fen()),
        remaining: yuan(g.remaining_fen()),
        payable: yuan(g.payable_fen()),
        period: format!("{} — {}", g.row.service_start, g.row.service_end),
        status: g.row.status.as_str().into(),
        status_reason: g.row.status_reason.clone().unwrap_or_default(),
        score: g
            .row
            .performance_score
            .map(|s| s.to_string())
            .unwrap_or_default(),
        comment: g.row.performance_comment.clone().unwrap_or_default(),
        installments: g
            .installments
            .iter()
            .map(|i| {
                let payable = rules::payable(i.amount_fen, i.payable_at.is_some(), i.paid_fen);
                InstallmentRow {
                    id: i.id,
                    trigger: i.trigger.clone(),
                    amount: yuan(i.amount_fen),
                    paid: yuan(i.paid_fen),
                    payable: yuan(payable),
                    payable_now: payable > 0,
                    paid_in_full: i.paid_at.is_some(),
                }
            })
            .collect(),
        reports: g
            .reports
            .iter()
            .map(|r| ReportRow {
                id: r.id,
                kind: r.kind.clone(),
                due_on: r.due_on.to_string(),
                status: r.status.as_str().into(),
                overdue: active && service::is_overdue(r, today),
                body: r.body.clone(),
                people_served: r.people_served.map(|n| n.to_string()).unwrap_or_default(),
                spending: r.spending_fen.map(yuan).unwrap_or_default(),
                review_note: r.review_note.clone().unwrap_or_default(),
                can_submit: is_grantee && active && r.status.is_owed(),
                can_review: is_funder
                    && active
                    && r.status == grant_reports::ReportStatus::Submitted,
            })
            .collect(),
        disbursements: g
            .disbursements
            .iter()
            .map(|d| {
                (
                    d.paid_on.to_string(),
                    yuan(d.amount_fen),
                    d.reference.clone(),
                )
            })
            .collect(),
        is_funder,
        can_accept: is_grantee_admin && g.status == Status::PendingAcceptance,
        can_edit_schedule: is_funder && g.status == Status::PendingAcceptance,
        can_pay: is_funder && active && g.payable_fen() > 0,
        can_complete: is_funder && active,
        can_terminate: is_funder && rules::transition(g.status, rules::Action::Terminate).is_ok(),
        after_decline: is_funder && g.status == Status::Declined,
        triggers: Trigger::ALL.iter().map(|t| t.as_str()).collect(),
        can_feedback: matches!(g.status, Status::Active | Status::Completed),
        feedback: feedback_rows(state, feedback),
        feedback_more: feedback_next.map(|c| format!("/grants/{id}?feedback_cursor={c}#feedback")),
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/grants/grant",
        "grant-title",
        page,
    ))
}

/// Feedback shown on a grant page at a time.
const FEEDBACK_PER_PAGE: u64 = 50;

#[derive(Debug, Deserialize)]
pub(super) struct GrantQuery {
    feedback_cursor: Option<String>,
}

#[handler]
pub(super) async fn grant_view(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(q): Query<GrantQuery>,
) -> Response {
    let r = grant_page(&state, &viewer, id, q.feedback_cursor.as_deref(), vec![]).await;
    or_fail(&state, &viewer, r)
}

/// Runs a grant form's action; back to the grant page either way.
async fn on_grant(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    csrf: &str,
    action: impl Future<Output = Result<()>>,
) -> Response {
    act(
        state,
        viewer,
        csrf,
        action,
        format!("/grants/{id}"),
        async |e| grant_page(state, viewer, id, None, e).await,
    )
    .await
}

/// One grant command from its form: runs `action` and shows the grant again
/// (with the form's errors, or after a redirect).
macro_rules! grant_command {
    ($(#[$doc:meta])* $name:ident, |$state:ident, $viewer:ident, $id:ident, $pairs:ident, $now:ident| $body:expr) => {
        $(#[$doc])*
        #[handler]
        pub(super) async fn $name(
            state: Data<&AppState>,
            viewer: Viewer,
            Path(id): Path<Uuid>,
            Form(pairs): Form<Pairs>,
        ) -> Response {
            let ($state, $viewer, $id, $pairs) = (&*state, &viewer, id, &pairs);
            let $now = $state.clock.now();
            let action = async { $body };
            on_grant($state, $viewer, $id, field($pairs, "csrf_token"), action).await
        }
    };
}

grant_command!(
    /// Anyone rates an active or completed grant's service.
    leave_feedback,
    |state, viewer, id, pairs, now| {
        let rating = field(pairs, "rating").parse().unwrap_or(0);
        let text = field(pairs, "text");
        crate::grants::feedback::leave(
            &state.db,
            viewer.actor.as_ref(),
            &viewer.client_ip,
            id,
            rating,
            text,
            now,
        )
        .await
        .map(drop)
    }
);

grant_command!(
    /// The grantee's org admin accepts.
    accept_offer,
    |state, viewer, id, _pairs, now| service::accept(&state.db, viewer.actor()?, id, now)
        .await
        .map(drop)
);

grant_command!(
    /// The grantee's org admin declines, with a reason.
    decline_offer,
    |state, viewer, id, pairs, now| {
        let reason = field(pairs, "text");
        service::decline(&state.db, viewer.actor()?, id, reason, now)
            .await
            .map(drop)
    }
);

/// The purchaser terminates, with a reason, once confirmed: the grantee
/// keeps what was paid and is owed nothing more.
#[handler]
pub(super) async fn terminate(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let (state, viewer) = (&*state, &viewer);
    let reason = field(&pairs, "text");
    if !confirmed(&pairs) {
        let r = async {
            viewer.check_csrf(field(&pairs, "csrf_token"))?;
            let g = service::check_terminate(&state.db, viewer.actor()?, id, reason).await?;
            let confirm = Confirm::decision(
                "confirm-terminate",
                g.row.title.clone(),
                format!("/grants/{id}/terminate"),
                format!("/grants/{id}"),
            )
            .facts([
                Fact::new("paid", yuan(g.paid_fen())),
                Fact::new("remaining", yuan(g.remaining_fen())),
                Fact::new("reason", reason),
            ])
            .fields(&pairs)
            .danger()
            .warning("confirm-terminate-final");
            Ok(confirm_page(state, viewer, confirm))
        }
        .await;
        return or_again(state, viewer, r, async |e| {
            grant_page(state, viewer, id, None, e).await
        })
        .await;
    }
    let action = async {
        service::terminate(&state.db, viewer.actor()?, id, reason, state.clock.now())
            .await
            .map(drop)
    };
    on_grant(state, viewer, id, field(&pairs, "csrf_token"), action).await
}

grant_command!(
    /// After the winner declined, the purchaser fails the project.
    fail_project,
    |state, viewer, id, pairs, now| {
        let reason = field(pairs, "text");
        crate::procurement::decline::fail_project(&state.db, viewer.actor()?, id, reason, now)
            .await
    }
);

grant_command!(
    /// The purchaser records the performance score, which completes the grant.
    complete,
    |state, viewer, id, pairs, now| {
        let score = field(pairs, "score").trim().parse().map_err(|_| {
            Error::invalid("score", "score_range", "the performance score is 0 to 100")
        })?;
        service::complete(&state.db, viewer.actor()?, id, score, field(pairs, "text"), now)
            .await
            .map(drop)
    }
);

grant_command!(
    /// The purchaser replaces the schedule before acceptance.
    schedule,
    |state, viewer, id, pairs, now| {
        let mut schedule = Vec::new();
        let mut errors = Vec::new();
        for t in Trigger::ALL {
            let name = format!("amount-{}", t.as_str());
            let typed = field(pairs, &name);
            if typed.trim().is_empty() {
                continue;
            }
            match fen(&name, typed) {
                Ok(amount_fen) => schedule.push(Installment {
                    trigger: t,
                    amount_fen,
                }),
                Err(Error::Invalid(e)) => errors.extend(e),
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        service::set_schedule(&state.db, viewer.actor()?, id, &schedule, now)
            .await
            .map(drop)
    }
);

grant_command!(
    /// The purchaser records a payment.
    disburse,
    |state, viewer, id, pairs, now| {
        let installment_id = field(pairs, "installment_id").parse().map_err(|_| {
            Error::invalid("installment_id", "required", "choose the installment")
        })?;
        let amount_fen = fen("amount_yuan", field(pairs, "amount_yuan"))?;
        let paid_on: NaiveDate = field(pairs, "paid_on").parse().map_err(|_| {
            Error::invalid("paid_on", "invalid_date", "enter the date as YYYY-MM-DD")
        })?;
        let payment = disbursements::Payment {
            installment_id,
            amount_fen,
            paid_on,
            reference: field(pairs, "reference"),
        };
        disbursements::disburse(&state.db, viewer.actor()?, id, payment, now)
            .await
            .map(drop)
    }
);

/// After the winner declined, the purchaser offers the grant to the next
/// ranked bidder: a new grant, which the page then shows.
#[handler]
pub(super) async fn award_next(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let now = state.clock.now();
    let r = async {
        viewer.check_csrf(field(&pairs, "csrf_token"))?;
        let g =
            crate::procurement::decline::award_next(&state.db, viewer.actor()?, id, now).await?;
        Ok(poem::IntoResponse::into_response(
            poem::web::Redirect::see_other(format!("/grants/{}", g.row.id)),
        ))
    }
    .await;
    match r {
        Ok(resp) => resp,
        Err(e) => match super::form_errors(viewer.lang, &e) {
            Some(errors) => or_fail(
                &state,
                &viewer,
                grant_page(&state, &viewer, id, None, errors).await,
            ),
            None => super::fail(&state, &viewer, e),
        },
    }
}

#[handler]
pub(super) async fn review_report(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(report): Path<Uuid>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let grant_id =
        match grant_reports::report_access(&state.db, viewer.actor.as_ref(), report).await {
            Ok(r) => r.grant_id,
            Err(e) => return super::fail(&state, &viewer, e),
        };
    let action = async {
        let accept = field(&pairs, "decision") == "accept";
        grant_reports::review_report(
            &state.db,
            viewer.actor()?,
            report,
            accept,
            field(&pairs, "note"),
            state.clock.now(),
        )
        .await
        .map(|_| ())
    };
    on_grant(
        &state,
        &viewer,
        grant_id,
        field(&pairs, "csrf_token"),
        action,
    )
    .await
}

#[handler]
pub(super) async fn submit_report(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(report): Path<Uuid>,
    mp: poem::web::Multipart,
) -> Response {
    let upload = match super::upload::Upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return super::fail(&state, &viewer, e),
    };
    let grant_id =
        match grant_reports::report_access(&state.db, viewer.actor.as_ref(), report).await {
            Ok(r) => r.grant_id,
            Err(e) => return super::fail(&state, &viewer, e),
        };
    let action = async {
        let mut errors = Vec::new();
        let people_served = match upload.text("people_served").trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new(
                        "people_served",
                        "invalid_number",
                        "enter a whole number",
                    ));
                    None
                }
            },
        };
        let spending_fen = match upload.text("spending_yuan").trim() {
            "" => None,
            s => match fen("spending_yuan", s) {
                Ok(f) => Some(f),
                Err(Error::Invalid(e)) => {
                    errors.extend(e);
                    None
                }
                Err(e) => return Err(e),
            },
        };
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let file = upload.store(&state, &viewer).await?;
        let input = ReportInput {
            body: upload.text("body").to_owned(),
            people_served,
            spending_fen,
            file_ids: file.into_iter().collect(),
        };
        grant_reports::submit_report(&state.db, viewer.actor()?, report, input, state.clock.now())
            .await
            .map(|_| ())
    };
    on_grant(&state, &viewer, grant_id, upload.text("csrf_token"), action).await
}

#[handler]
pub(super) async fn moderate_feedback(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(feedback): Path<Uuid>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let grant_id = match field(&pairs, "grant_id").parse::<Uuid>() {
        Ok(g) => g,
        Err(_) => return super::fail(&state, &viewer, Error::NotFound("feedback")),
    };
    let action = async {
        crate::grants::feedback::moderate(
            &state.db,
            viewer.actor()?,
            feedback,
            field(&pairs, "decision") == "publish",
            field(&pairs, "reason"),
            state.clock.now(),
        )
        .await
        .map(|_| ())
    };
    on_grant(
        &state,
        &viewer,
        grant_id,
        field(&pairs, "csrf_token"),
        action,
    )
    .await
}
