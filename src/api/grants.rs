//! `/grants`, `/grants/{id}` and their commands, `/grant-reports/{id}`.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::{MaybeAuth, TokenAuth};
use super::body::JsonBody;
use super::files::FileMeta;
use super::registry_dto::ReasonInput;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::grants::disbursements;
use crate::grants::reports::{self as grant_reports, ReportInput};
use crate::grants::rules::{self, Trigger};
use crate::grants::service::{self, Filter};
use crate::pagination::PageRequest;

/// Grants and reporting.
pub struct GrantsApi;

/// States of a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    /// Awaiting the winner's acceptance.
    PendingAcceptance,
    /// Accepted; reports and payments under way.
    Active,
    /// Completed with a performance score.
    Completed,
    /// Ended early.
    Terminated,
    /// Declined by the winner.
    Declined,
}

impl From<GrantStatus> for rules::Status {
    fn from(s: GrantStatus) -> Self {
        match s {
            GrantStatus::PendingAcceptance => Self::PendingAcceptance,
            GrantStatus::Active => Self::Active,
            GrantStatus::Completed => Self::Completed,
            GrantStatus::Terminated => Self::Terminated,
            GrantStatus::Declined => Self::Declined,
        }
    }
}

/// What makes an installment payable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum InstallmentTrigger {
    /// Acceptance of the grant.
    Signing,
    /// The accepted mid-term report.
    Midterm,
    /// The accepted final report.
    Final,
    /// The accepted financial report.
    Financial,
}

impl From<InstallmentTrigger> for Trigger {
    fn from(t: InstallmentTrigger) -> Self {
        match t {
            InstallmentTrigger::Signing => Self::Signing,
            InstallmentTrigger::Midterm => Self::Midterm,
            InstallmentTrigger::Final => Self::Final,
            InstallmentTrigger::Financial => Self::Financial,
        }
    }
}

/// An installment.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InstallmentView {
    /// Id.
    pub id: Uuid,
    /// `signing`, `midterm`, `final` or `financial`.
    pub trigger: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Paid, fen.
    pub paid_fen: i64,
    /// Payable now, fen.
    pub payable_fen: i64,
    /// Became payable.
    pub payable_at: Option<DateTime<Utc>>,
    /// Paid in full.
    pub paid_at: Option<DateTime<Utc>>,
}

/// A report owed on a grant. Text and figures are public once accepted.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GrantReport {
    /// Id.
    pub id: Uuid,
    /// `progress`, `midterm`, `final` or `financial`.
    pub kind: String,
    /// Due (China date).
    pub due_on: NaiveDate,
    /// `due`, `submitted`, `accepted` or `returned`.
    pub status: String,
    /// Past due and not submitted.
    pub overdue: bool,
    /// Text (when you may read it).
    pub body: String,
    /// People served to date.
    pub people_served: Option<i64>,
    /// Spending to date, fen.
    pub spending_fen: Option<i64>,
    /// Submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Reviewed.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The purchaser's note.
    pub review_note: Option<String>,
}

/// A payment.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Disbursement {
    /// Id.
    pub id: Uuid,
    /// Installment paid.
    pub installment_id: Uuid,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Payment date.
    pub paid_on: NaiveDate,
    /// Payment reference.
    pub reference: String,
    /// Recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A grant.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Grant {
    /// Id.
    pub id: Uuid,
    /// The awarded project.
    pub project_id: Uuid,
    /// The winning bid.
    pub bid_id: Uuid,
    /// Grantee.
    pub organization_id: Uuid,
    /// Funder.
    pub department_id: Uuid,
    /// The project's title.
    pub title: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Paid so far, fen.
    pub paid_fen: i64,
    /// Still to pay, fen.
    pub remaining_fen: i64,
    /// Payable now, fen.
    pub payable_fen: i64,
    /// Service period start.
    pub service_start: NaiveDate,
    /// Service period end.
    pub service_end: NaiveDate,
    /// State.
    pub status: String,
    /// Why terminated or declined.
    pub status_reason: Option<String>,
    /// Accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Performance score (0-100) at completion.
    pub performance_score: Option<i32>,
    /// The purchaser's comment on the performance.
    pub performance_comment: Option<String>,
    /// Closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Reports past due and not submitted.
    pub overdue_reports: u32,
    /// Installments.
    pub installments: Vec<InstallmentView>,
    /// Reports.
    pub reports: Vec<GrantReport>,
    /// Payments.
    pub disbursements: Vec<Disbursement>,
}

impl Grant {
    fn new(g: service::Grant, today: NaiveDate) -> Self {
        let (paid, remaining, payable) = (g.paid_fen(), g.remaining_fen(), g.payable_fen());
        let overdue = u32::try_from(g.overdue(today).len()).unwrap_or(u32::MAX);
        let r = g.row;
        Self {
            id: r.id,
            project_id: r.project_id,
            bid_id: r.bid_id,
            organization_id: r.organization_id,
            department_id: r.department_id,
            title: r.title,
            amount_fen: r.amount_fen,
            paid_fen: paid,
            remaining_fen: remaining,
            payable_fen: payable,
            service_start: r.service_start,
            service_end: r.service_end,
            status: r.status.as_str().into(),
            status_reason: r.status_reason,
            accepted_at: r.accepted_at,
            performance_score: r.performance_score,
            performance_comment: r.performance_comment,
            closed_at: r.closed_at,
            overdue_reports: overdue,
            installments: g
                .installments
                .into_iter()
                .map(|i| InstallmentView {
                    id: i.id,
                    payable_fen: rules::payable(i.amount_fen, i.payable_at.is_some(), i.paid_fen),
                    trigger: i.trigger,
                    amount_fen: i.amount_fen,
                    paid_fen: i.paid_fen,
                    payable_at: i.payable_at,
                    paid_at: i.paid_at,
                })
                .collect(),
            reports: g
                .reports
                .into_iter()
                .map(|x| report_view(x, today))
                .collect(),
            disbursements: g
                .disbursements
                .into_iter()
                .map(|d| Disbursement {
                    id: d.id,
                    installment_id: d.installment_id,
                    amount_fen: d.amount_fen,
                    paid_on: d.paid_on,
                    reference: d.reference,
                    recorded_at: d.recorded_at,
                })
                .collect(),
        }
    }
}

fn report_view(x: entity::grant_reports::Model, today: NaiveDate) -> GrantReport {
    GrantReport {
        overdue: service::is_overdue(&x, today),
        id: x.id,
        kind: x.kind,
        due_on: x.due_on,
        status: x.status.as_str().into(),
        body: x.body,
        people_served: x.people_served,
        spending_fen: x.spending_fen,
        submitted_at: x.submitted_at,
        reviewed_at: x.reviewed_at,
        review_note: x.review_note,
    }
}

/// A page of grants.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GrantPage {
    /// Grants, newest first.
    pub items: Vec<Grant>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// One installment of a new schedule.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct InstallmentInput {
    /// What makes it payable.
    pub trigger: InstallmentTrigger,
    /// Amount, fen.
    pub amount_fen: i64,
}

/// A new schedule (amounts sum exactly to the grant).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// 1 to 4 installments, each trigger once.
    #[oai(validator(max_items = 4))]
    pub installments: Vec<InstallmentInput>,
}

/// A report to submit.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ReportSubmission {
    /// The report's text.
    #[oai(validator(max_length = 20000))]
    pub body: String,
    /// People served to date.
    pub people_served: Option<i64>,
    /// Spending to date, fen.
    pub spending_fen: Option<i64>,
    /// Your unattached uploads (`POST /files`).
    #[serde(default)]
    #[oai(default, validator(max_items = 10))]
    pub file_ids: Vec<Uuid>,
}

/// A review of a report.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ReportReview {
    /// Accept (making its installment payable) or return.
    pub accept: bool,
    /// Required when returning.
    #[oai(validator(max_length = 2000))]
    #[serde(default)]
    pub note: Option<String>,
}

/// A payment to record.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct DisbursementInput {
    /// A payable installment of the grant.
    pub installment_id: Uuid,
    /// Amount, fen (at most what is payable on it).
    pub amount_fen: i64,
    /// Payment date.
    pub paid_on: NaiveDate,
    /// Voucher or transfer number.
    #[oai(validator(max_length = 200))]
    pub reference: String,
}

/// The performance at completion.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct CompletionInput {
    /// 0 to 100.
    pub score: i32,
    /// The purchaser's assessment.
    #[oai(validator(max_length = 2000))]
    pub comment: String,
}

/// A report with its files.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GrantReportDetail {
    /// The report.
    pub report: GrantReport,
    /// Its files.
    pub files: Vec<FileMeta>,
}

/// Feedback to leave.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    /// 1 to 5.
    pub rating: i16,
    /// The comment.
    #[oai(validator(max_length = 1000))]
    pub comment: String,
}

/// A moderation decision.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ModerationInput {
    /// Publish (true) or hide (false).
    pub publish: bool,
    /// Required when hiding.
    #[oai(validator(max_length = 2000))]
    #[serde(default)]
    pub reason: Option<String>,
}

/// A page of feedback, newest first.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FeedbackPage {
    /// The feedback.
    pub items: Vec<Feedback>,
    /// Cursor of the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Feedback on a grant's service.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Feedback {
    /// Id.
    pub id: Uuid,
    /// Grant.
    pub grant_id: Uuid,
    /// 1 to 5.
    pub rating: i16,
    /// The comment.
    pub comment: String,
    /// `pending`, `published` or `hidden`.
    pub status: String,
    /// Why hidden (for the department, auditors, admins).
    pub moderation_reason: Option<String>,
    /// Left.
    pub created_at: DateTime<Utc>,
}

impl From<entity::grant_feedback::Model> for Feedback {
    fn from(f: entity::grant_feedback::Model) -> Self {
        Self {
            id: f.id,
            grant_id: f.grant_id,
            rating: f.rating,
            comment: f.comment,
            status: f.status.as_str().into(),
            moderation_reason: f.moderation_reason,
            created_at: f.created_at,
        }
    }
}

/// Feedback left.
#[derive(ApiResponse)]
pub enum FeedbackLeft {
    /// Awaiting moderation.
    #[oai(status = 201)]
    Created(Json<Feedback>),
}

/// A payment recorded.
#[derive(ApiResponse)]
pub enum Disbursed {
    /// The payment.
    #[oai(status = 201)]
    Created(Json<Disbursement>),
}

/// An XLSX workbook.
#[derive(ApiResponse)]
pub enum Xlsx {
    /// The workbook, as an attachment.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

#[OpenApi(tag = "ApiTags::Grants")]
impl GrantsApi {
    /// Grants as an XLSX sheet for staff
    ///
    /// A purchaser gets their department's grants, auditors and admins every
    /// grant: project number, title, grantee and code, amount, paid,
    /// remaining (yuan), state, service period, overdue reports, score.
    #[oai(
        path = "/grants/export.xlsx",
        method = "get",
        operation_id = "export_grants_xlsx"
    )]
    async fn export_xlsx(&self, state: Data<&AppState>, auth: TokenAuth) -> ApiResult<Xlsx> {
        let today = crate::clock::china_date(state.clock.now());
        let bytes = crate::grants::export::staff_xlsx(&state.db, &auth.0, today).await?;
        Ok(Xlsx::Ok(
            Binary(bytes),
            format!("attachment; filename=\"grants-{today}.xlsx\""),
        ))
    }

    /// Grants (public)
    #[oai(path = "/grants", method = "get", operation_id = "list_grants")]
    #[allow(clippy::too_many_arguments)]
    async fn list_grants(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        /// Of this organization.
        organization_id: Query<Option<Uuid>>,
        /// Of this project.
        project_id: Query<Option<Uuid>>,
        /// Funded by this department.
        department_id: Query<Option<Uuid>>,
        /// In this state.
        status: Query<Option<GrantStatus>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<GrantPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let filter = Filter {
            organization_id: organization_id.0,
            project_id: project_id.0,
            department_id: department_id.0,
            status: status.0.map(Into::into),
        };
        let (items, next_cursor) = service::list(&state.db, auth.actor(), &filter, &page).await?;
        let today = crate::clock::china_date(state.clock.now());
        Ok(Json(GrantPage {
            items: items.into_iter().map(|g| Grant::new(g, today)).collect(),
            next_cursor,
        }))
    }

    /// One grant: installments, totals, reports, payments (public)
    #[oai(path = "/grants/:id", method = "get", operation_id = "get_grant")]
    async fn get_grant(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Grant>> {
        let g = service::get(&state.db, auth.actor(), id.0).await?;
        Ok(Json(Grant::new(
            g,
            crate::clock::china_date(state.clock.now()),
        )))
    }

    /// Replace the schedule before acceptance (purchaser)
    #[oai(
        path = "/grants/:id/schedule",
        method = "put",
        operation_id = "set_grant_schedule"
    )]
    async fn set_grant_schedule(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ScheduleInput>,
    ) -> ApiResult<Json<Grant>> {
        let schedule: Vec<rules::Installment> = body
            .installments
            .iter()
            .map(|i| rules::Installment {
                trigger: i.trigger.into(),
                amount_fen: i.amount_fen,
            })
            .collect();
        let now = state.clock.now();
        let g = service::set_schedule(&state.db, &auth.0, id.0, &schedule, now).await?;
        Ok(Json(Grant::new(g, crate::clock::china_date(now))))
    }

    /// Accept the grant (the grantee's org admin)
    #[oai(
        path = "/grants/:id/accept",
        method = "post",
        operation_id = "accept_grant"
    )]
    async fn accept_grant(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Grant>> {
        let now = state.clock.now();
        let g = service::accept(&state.db, &auth.0, id.0, now).await?;
        Ok(Json(Grant::new(g, crate::clock::china_date(now))))
    }

    /// Decline the grant with a reason (the grantee's org admin)
    #[oai(
        path = "/grants/:id/decline",
        method = "post",
        operation_id = "decline_grant"
    )]
    async fn decline_grant(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReasonInput>,
    ) -> ApiResult<Json<Grant>> {
        let now = state.clock.now();
        let g = service::decline(&state.db, &auth.0, id.0, &body.reason, now).await?;
        Ok(Json(Grant::new(g, crate::clock::china_date(now))))
    }

    /// Offer the grant to the next ranked bidder after a decline (purchaser)
    #[oai(
        path = "/grants/:id/award-next",
        method = "post",
        operation_id = "award_grant_to_next"
    )]
    async fn award_grant_to_next(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Grant>> {
        let now = state.clock.now();
        let g = crate::procurement::decline::award_next(&state.db, &auth.0, id.0, now).await?;
        Ok(Json(Grant::new(g, crate::clock::china_date(now))))
    }

    /// Fail the project after a decline, with a reason (purchaser)
    #[oai(
        path = "/grants/:id/fail-project",
        method = "post",
        operation_id = "fail_project_after_decline"
    )]
    async fn fail_project_after_decline(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReasonInput>,
    ) -> ApiResult<Json<Grant>> {
        let now = state.clock.now();
        crate::procurement::decline::fail_project(&state.db, &auth.0, id.0, &body.reason, now)
            .await?;
        let g = service::get(&state.db, Some(&auth.0), id.0).await?;
        Ok(Json(Grant::new(g, crate::clock::china_date(now))))
    }

    /// Terminate the grant with a reason (purchaser)
    #[oai(
        path = "/grants/:id/terminate",
        method = "post",
        operation_id = "terminate_grant"
    )]
    async fn terminate_grant(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReasonInput>,
    ) -> ApiResult<Json<Grant>> {
        let now = state.clock.now();
        let g = service::terminate(&state.db, &auth.0, id.0, &body.reason, now).await?;
        Ok(Json(Grant::new(g, crate::clock::china_date(now))))
    }

    /// Record a payment on a payable installment (purchaser)
    #[oai(
        path = "/grants/:id/disbursements",
        method = "post",
        operation_id = "record_disbursement"
    )]
    async fn record_disbursement(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<DisbursementInput>,
    ) -> ApiResult<Disbursed> {
        let payment = disbursements::Payment {
            installment_id: body.installment_id,
            amount_fen: body.amount_fen,
            paid_on: body.paid_on,
            reference: &body.reference,
        };
        let d =
            disbursements::disburse(&state.db, &auth.0, id.0, payment, state.clock.now()).await?;
        Ok(Disbursed::Created(Json(Disbursement {
            id: d.id,
            installment_id: d.installment_id,
            amount_fen: d.amount_fen,
            paid_on: d.paid_on,
            reference: d.reference,
            recorded_at: d.recorded_at,
        })))
    }

    /// Record the performance score and complete the grant (purchaser)
    ///
    /// Once the final report is accepted and every installment paid.
    #[oai(
        path = "/grants/:id/complete",
        method = "post",
        operation_id = "complete_grant"
    )]
    async fn complete_grant(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<CompletionInput>,
    ) -> ApiResult<Json<Grant>> {
        let now = state.clock.now();
        let g = service::complete(&state.db, &auth.0, id.0, body.score, &body.comment, now).await?;
        Ok(Json(Grant::new(g, crate::clock::china_date(now))))
    }

    /// Rate a grant's service (anyone; a few an hour per client)
    ///
    /// Active and completed grants; shown once the purchaser publishes it.
    #[oai(
        path = "/grants/:id/feedback",
        method = "post",
        operation_id = "leave_grant_feedback"
    )]
    async fn leave_grant_feedback(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        remote: &poem::web::RemoteAddr,
        id: Path<Uuid>,
        body: JsonBody<FeedbackInput>,
    ) -> ApiResult<FeedbackLeft> {
        let client = remote
            .as_socket_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
        let f = crate::grants::feedback::leave(
            &state.db,
            auth.actor(),
            &client,
            id.0,
            body.rating,
            &body.comment,
            state.clock.now(),
        )
        .await?;
        Ok(FeedbackLeft::Created(Json(f.into())))
    }

    /// Feedback on a grant (published for everyone; all for the department)
    #[oai(
        path = "/grants/:id/feedback",
        method = "get",
        operation_id = "list_grant_feedback"
    )]
    async fn list_grant_feedback(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<FeedbackPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let (list, next_cursor) =
            crate::grants::feedback::of_grant(&state.db, auth.actor(), id.0, &page).await?;
        Ok(Json(FeedbackPage {
            items: list.into_iter().map(Into::into).collect(),
            next_cursor,
        }))
    }

    /// Publish or hide feedback (purchaser of the funding department)
    #[oai(
        path = "/grant-feedback/:id/moderate",
        method = "post",
        operation_id = "moderate_grant_feedback"
    )]
    async fn moderate_grant_feedback(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ModerationInput>,
    ) -> ApiResult<Json<Feedback>> {
        let f = crate::grants::feedback::moderate(
            &state.db,
            &auth.0,
            id.0,
            body.publish,
            body.reason.as_deref().unwrap_or_default(),
            state.clock.now(),
        )
        .await?;
        Ok(Json(f.into()))
    }

    /// One report with its files (public once accepted)
    #[oai(
        path = "/grant-reports/:id",
        method = "get",
        operation_id = "get_grant_report"
    )]
    async fn get_grant_report(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<GrantReportDetail>> {
        let r = grant_reports::report_access(&state.db, auth.actor(), id.0).await?;
        let files = grant_reports::report_files(&state.db, auth.actor(), id.0).await?;
        Ok(Json(GrantReportDetail {
            report: report_view(r, crate::clock::china_date(state.clock.now())),
            files: files.into_iter().map(Into::into).collect(),
        }))
    }

    /// Submit a due or returned report (the grantee's org users)
    #[oai(
        path = "/grant-reports/:id/submit",
        method = "post",
        operation_id = "submit_grant_report"
    )]
    async fn submit_grant_report(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReportSubmission>,
    ) -> ApiResult<Json<GrantReport>> {
        let now = state.clock.now();
        let input = ReportInput {
            body: body.body.clone(),
            people_served: body.people_served,
            spending_fen: body.spending_fen,
            file_ids: body.file_ids.clone(),
        };
        let r = grant_reports::submit_report(&state.db, &auth.0, id.0, input, now).await?;
        Ok(Json(report_view(r, crate::clock::china_date(now))))
    }

    /// Accept or return a submitted report (purchaser)
    #[oai(
        path = "/grant-reports/:id/review",
        method = "post",
        operation_id = "review_grant_report"
    )]
    async fn review_grant_report(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReportReview>,
    ) -> ApiResult<Json<GrantReport>> {
        let now = state.clock.now();
        let r = grant_reports::review_report(
            &state.db,
            &auth.0,
            id.0,
            body.accept,
            body.note.as_deref().unwrap_or_default(),
            now,
        )
        .await?;
        Ok(Json(report_view(r, crate::clock::china_date(now))))
    }
}
