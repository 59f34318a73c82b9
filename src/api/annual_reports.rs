//! `/annual-reports`: organizations submit, registrars review.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::registry_dto::{PublicAnnualReport, ReasonInput};
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::pagination::PageRequest;
use crate::registry::annual_reports::{self as reports, ListFilter, ReportInput, Review};

/// Annual reports.
pub struct AnnualReportsApi;

/// An annual report.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AnnualReport {
    /// Id.
    pub id: Uuid,
    /// Organization.
    pub organization_id: Uuid,
    /// Year reported on.
    pub year: i32,
    /// `submitted`, `accepted` or `returned`.
    pub status: String,
    /// `pass`, `basic_pass` or `fail`, once accepted.
    pub result: Option<String>,
    /// Income, fen.
    pub income_fen: i64,
    /// Expenditure, fen.
    pub expenditure_fen: i64,
    /// Net assets, fen.
    pub net_assets_fen: i64,
    /// Staff.
    pub staff_count: i32,
    /// Volunteers.
    pub volunteer_count: i32,
    /// Activities.
    pub activities: String,
    /// The audited statement (download with `GET /files/{id}`).
    pub statement_file_id: Option<Uuid>,
    /// The registrar's note on the last return.
    pub review_note: Option<String>,
    /// Last submission.
    pub submitted_at: DateTime<Utc>,
    /// Review.
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl From<entity::annual_reports::Model> for AnnualReport {
    fn from(r: entity::annual_reports::Model) -> Self {
        Self {
            id: r.id,
            organization_id: r.organization_id,
            year: r.year,
            status: r.status.as_str().into(),
            result: r.result,
            income_fen: r.income_fen,
            expenditure_fen: r.expenditure_fen,
            net_assets_fen: r.net_assets_fen,
            staff_count: r.staff_count,
            volunteer_count: r.volunteer_count,
            activities: r.activities,
            statement_file_id: r.statement_file_id,
            review_note: r.review_note,
            submitted_at: r.submitted_at,
            reviewed_at: r.reviewed_at,
        }
    }
}

impl From<entity::annual_reports::Model> for PublicAnnualReport {
    fn from(r: entity::annual_reports::Model) -> Self {
        Self {
            year: r.year,
            result: r.result,
            income_fen: r.income_fen,
            expenditure_fen: r.expenditure_fen,
            net_assets_fen: r.net_assets_fen,
            staff_count: r.staff_count,
            volunteer_count: r.volunteer_count,
            activities: r.activities,
        }
    }
}

/// A page of annual reports.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AnnualReportPage {
    /// The reports.
    pub items: Vec<AnnualReport>,
    /// Cursor of the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A report to submit (or resubmit after a return).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct AnnualReportInput {
    /// Year reported on (a finished year).
    pub year: i32,
    /// Income, fen.
    pub income_fen: i64,
    /// Expenditure, fen.
    pub expenditure_fen: i64,
    /// Net assets at year end, fen.
    pub net_assets_fen: i64,
    /// Staff at year end.
    pub staff_count: i32,
    /// Volunteers.
    pub volunteer_count: i32,
    /// Summary of activities.
    #[oai(validator(max_length = 5000))]
    pub activities: String,
    /// The audited statement: the id of your upload (`POST /files`); may be
    /// left out on resubmission to keep the one attached.
    pub statement_file_id: Option<Uuid>,
}

/// State of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Waiting for review.
    Submitted,
    /// Accepted with a result.
    Accepted,
    /// Sent back to correct.
    Returned,
}

/// Result of an accepted report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReportResult {
    /// 合格.
    Pass,
    /// 基本合格.
    BasicPass,
    /// 不合格.
    Fail,
}

/// Accepting a report.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct AcceptReportInput {
    /// The result.
    pub result: ReportResult,
}

/// A submitted report.
#[derive(ApiResponse)]
pub enum SubmittedReport {
    /// Submitted (or resubmitted).
    #[oai(status = 201)]
    Created(Json<AnnualReport>),
}

#[OpenApi(prefix_path = "/annual-reports", tag = "ApiTags::Organizations")]
impl AnnualReportsApi {
    /// List annual reports
    ///
    /// Org users see their organization's; registrars and auditors all (the
    /// review queue with `status=submitted`).
    #[oai(path = "/", method = "get", operation_id = "list_annual_reports")]
    async fn list_annual_reports(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// Only this state.
        status: Query<Option<ReportStatus>>,
        /// Only this year.
        year: Query<Option<i32>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<AnnualReportPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let filter = ListFilter {
            status: status.0.map(|s| match s {
                ReportStatus::Submitted => reports::ReportStatus::Submitted,
                ReportStatus::Accepted => reports::ReportStatus::Accepted,
                ReportStatus::Returned => reports::ReportStatus::Returned,
            }),
            year: year.0,
        };
        let (items, next_cursor) = reports::list(&state.db, &auth.0, &filter, &page).await?;
        Ok(Json(AnnualReportPage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        }))
    }

    /// Submit my organization's annual report
    #[oai(path = "/", method = "post", operation_id = "submit_annual_report")]
    async fn submit_annual_report(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<AnnualReportInput>,
    ) -> ApiResult<SubmittedReport> {
        let b = body.0;
        let input = ReportInput {
            year: b.year,
            income_fen: b.income_fen,
            expenditure_fen: b.expenditure_fen,
            net_assets_fen: b.net_assets_fen,
            staff_count: b.staff_count,
            volunteer_count: b.volunteer_count,
            activities: b.activities,
            statement_file_id: b.statement_file_id,
        };
        let r = reports::submit(&state.db, &auth.0, input, state.clock.now()).await?;
        Ok(SubmittedReport::Created(Json(r.into())))
    }

    /// Get an annual report
    #[oai(path = "/:id", method = "get", operation_id = "get_annual_report")]
    async fn get_annual_report(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<AnnualReport>> {
        Ok(Json(reports::get(&state.db, &auth.0, id.0).await?.into()))
    }

    /// Accept a submitted report with a result (registrar)
    #[oai(
        path = "/:id/accept",
        method = "post",
        operation_id = "accept_annual_report"
    )]
    async fn accept_annual_report(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<AcceptReportInput>,
    ) -> ApiResult<Json<AnnualReport>> {
        let result = match body.result {
            ReportResult::Pass => "pass",
            ReportResult::BasicPass => "basic_pass",
            ReportResult::Fail => "fail",
        };
        let r = reports::review(
            &state.db,
            &auth.0,
            id.0,
            Review::Accept(result.into()),
            state.clock.now(),
        )
        .await?;
        Ok(Json(r.into()))
    }

    /// Return a submitted report to correct (registrar)
    #[oai(
        path = "/:id/return",
        method = "post",
        operation_id = "return_annual_report"
    )]
    async fn return_annual_report(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReasonInput>,
    ) -> ApiResult<Json<AnnualReport>> {
        let r = reports::review(
            &state.db,
            &auth.0,
            id.0,
            Review::Return(body.0.reason),
            state.clock.now(),
        )
        .await?;
        Ok(Json(r.into()))
    }
}
