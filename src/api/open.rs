//! `/events` (the change feed) and `/open/ocds/...` (OCDS 1.1 packages).

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::Any;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::{StreamedJson, streamed};
use super::organizations::Csv;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::error::Error;
use crate::grants::export;
use crate::open::{self, FeedFilter, data_of, ocds};
use crate::stats;

/// Open data.
pub struct OpenDataApi;

/// A public event.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Event {
    /// Id.
    pub id: Uuid,
    /// Its place in the feed: ask for `?cursor=` this to get what follows.
    pub cursor: String,
    /// What happened: `project.published`, `project.amended`,
    /// `project.cancelled`, `project.bids_opened`, `project.award_notice`,
    /// `project.award_withdrawn`, `project.challenge_upheld`,
    /// `project.awarded`, `project.award_next`, `project.failed`,
    /// `challenge.filed`, `challenge.answered`, `grant.created`,
    /// `grant.schedule_changed`, `grant.accepted`, `grant.declined`,
    /// `grant.disbursed`, `grant.report_accepted`, `grant.completed`,
    /// `grant.terminated`, `organization.registered`,
    /// `organization.imported`, `organization.changed`,
    /// `organization.deregistered`, `organization.revoked`.
    pub event_type: String,
    /// `project`, `challenge`, `grant` or `organization`.
    pub subject_type: String,
    /// Its id.
    pub subject_id: Uuid,
    /// The project, for procurement and grant events.
    pub project_id: Option<Uuid>,
    /// The OCDS ocid, for events that make a release.
    pub ocid: Option<String>,
    /// The public facts at that moment (status, amounts, names, codes).
    pub data: Any<Value>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

/// A page of the feed.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EventPage {
    /// Events, oldest first.
    pub items: Vec<Event>,
    /// Ask with this next; it is the same cursor again when nothing is new,
    /// so a follower keeps polling with it.
    pub next_cursor: String,
}

/// One bar of a statistic.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StatCount {
    /// Stable key: a state, a type, a province code, a year, a category name.
    pub key: String,
    /// What people read (Chinese).
    pub label: String,
    /// A count, or fen for money.
    pub value: i64,
}

fn stat_counts(v: Vec<stats::Count>) -> Vec<StatCount> {
    v.into_iter()
        .map(|c| StatCount {
            key: c.key,
            label: c.label,
            value: c.value,
        })
        .collect()
}

/// The public statistics.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PublicStats {
    /// Organizations by type.
    pub organizations_by_type: Vec<StatCount>,
    /// Organizations by province (`xx0000`).
    pub organizations_by_region: Vec<StatCount>,
    /// Organizations by year of registration.
    pub organizations_by_year: Vec<StatCount>,
    /// Published projects by state.
    pub projects_by_status: Vec<StatCount>,
    /// Published projects by category.
    pub projects_by_category: Vec<StatCount>,
    /// Funds awarded by category, fen.
    pub funds_by_category: Vec<StatCount>,
    /// Funds awarded by year of award, fen.
    pub funds_by_year: Vec<StatCount>,
    /// Funds awarded in all, fen.
    pub funds_total_fen: i64,
    /// Average performance score of completed grants, in hundredths.
    pub average_score_hundredths: Option<i64>,
    /// Completed grants with a score.
    pub scored_grants: i64,
    /// Reports past due and not in, on active grants.
    pub overdue_reports: i64,
}

/// The staff statistics: the work waiting.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StaffStats {
    /// Applications awaiting review.
    pub applications_awaiting_review: i64,
    /// Annual reports awaiting review.
    pub annual_reports_awaiting_review: i64,
    /// Grants by state.
    pub grants_by_status: Vec<StatCount>,
    /// Grant reports awaiting review.
    pub grant_reports_awaiting_review: i64,
    /// Feedback awaiting moderation.
    pub feedback_awaiting_moderation: i64,
    /// Mail given up on.
    pub mail_failed: i64,
    /// Webhooks disabled after failures.
    pub webhooks_disabled: i64,
}

fn base_url(state: &AppState, req: &Request) -> String {
    state.settings.public_url.clone().unwrap_or_else(|| {
        let host = req
            .headers()
            .get(poem::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    })
}

#[OpenApi(tag = "ApiTags::OpenData")]
impl OpenDataApi {
    /// The change feed: every public event, in order (public)
    ///
    /// Start without a cursor, then ask again with `next_cursor`; events
    /// appear in the order their changes committed, so following the cursor
    /// never misses one. `after` is another name for `cursor`.
    #[oai(path = "/events", method = "get", operation_id = "list_events")]
    async fn events(
        &self,
        state: Data<&AppState>,
        /// The last cursor seen.
        #[oai(validator(pattern = r"^[0-9]{0,18}$"))]
        cursor: Query<Option<String>>,
        /// The same as `cursor` (`?after=CURSOR`); give one or the other.
        #[oai(validator(pattern = r"^[0-9]{0,18}$"))]
        after: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Only this event type.
        event_type: Query<Option<String>>,
        /// Only this project's events.
        project_id: Query<Option<Uuid>>,
    ) -> ApiResult<Json<EventPage>> {
        let after = match (cursor.0, after.0) {
            (Some(_), Some(_)) => {
                return Err(Error::bad_input(
                    "after",
                    "cursor_twice",
                    "give either cursor or after, not both",
                )
                .into());
            }
            (Some(c), None) | (None, Some(c)) => open::parse_cursor(Some(&c))?,
            (None, None) => 0,
        };
        let filter = FeedFilter {
            event_type: event_type.0,
            project_id: project_id.0,
            ..FeedFilter::default()
        };
        let (rows, next) = open::feed(&state.db, after, limit.0, &filter).await?;
        let prefix = &state.settings.ocid_prefix;
        Ok(Json(EventPage {
            items: rows
                .into_iter()
                .map(|e| Event {
                    id: e.id,
                    cursor: e.seq.to_string(),
                    ocid: open::ocid_of(&e, prefix),
                    data: Any(data_of(&e)),
                    event_type: e.event_type,
                    subject_type: e.subject_type,
                    subject_id: e.subject_id,
                    project_id: e.project_id,
                    created_at: e.created_at,
                })
                .collect(),
            next_cursor: next.to_string(),
        }))
    }

    /// OCDS 1.1 release package: every release, in order (public)
    ///
    /// One release per project event (tender, tenderAmendment,
    /// tenderCancellation, tenderUpdate with the bids once opened, award,
    /// awardUpdate, awardCancellation, contract on acceptance,
    /// implementation on each payment, ...), each a full snapshot. Page with
    /// `cursor` (`links.next` holds the next page's address); `since` keeps
    /// releases dated at or after a time.
    #[oai(
        path = "/open/ocds/releases",
        method = "get",
        operation_id = "list_ocds_releases"
    )]
    async fn releases(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// The last cursor seen (from `links.next`).
        #[oai(validator(pattern = r"^[0-9]{0,18}$"))]
        cursor: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Only releases dated at or after this time (RFC 3339).
        since: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<Json<Any<Value>>> {
        let after = open::parse_cursor(cursor.0.as_deref())?;
        let filter = FeedFilter {
            releases_only: true,
            since: since.0,
            ..FeedFilter::default()
        };
        let (rows, next) = open::feed(&state.db, after, limit.0, &filter).await?;
        let prefix = &state.settings.ocid_prefix;
        let full = rows.len() as u64 == limit.0.unwrap_or(crate::pagination::DEFAULT_LIMIT);
        let releases = rows
            .iter()
            .filter_map(|e| {
                Some(ocds::finish(
                    e.release.as_deref()?,
                    prefix,
                    e.project_number.as_deref()?,
                    e.seq,
                ))
            })
            .collect();
        let base = base_url(&state, req);
        let uri = format!(
            "{base}{}",
            req.uri().path_and_query().map_or("", |p| p.as_str())
        );
        let mut package = ocds::release_package(&uri, state.clock.now(), releases);
        with_checkpoint(&state, &mut package).await?;
        if full {
            let mut query = vec![("cursor", next.to_string())];
            if let Some(l) = limit.0 {
                query.push(("limit", l.to_string()));
            }
            if let Some(s) = since.0 {
                query.push(("since", s.to_rfc3339()));
            }
            package["links"] = serde_json::json!({
                "next": format!(
                    "{base}/api/v1/open/ocds/releases?{}",
                    serde_urlencoded::to_string(query).unwrap_or_default()
                )
            });
        }
        Ok(Json(Any(package)))
    }

    /// Statistics (public)
    ///
    /// Organizations by type, province and year; published projects by
    /// state and category; funds awarded by category and year; the average
    /// performance score; overdue reports. Computed from the records now.
    #[oai(path = "/stats", method = "get", operation_id = "get_stats")]
    async fn stats(&self, state: Data<&AppState>) -> ApiResult<Json<PublicStats>> {
        let p = stats::public(&state.db, crate::clock::china_date(state.clock.now())).await?;
        Ok(Json(PublicStats {
            organizations_by_type: stat_counts(p.organizations_by_type),
            organizations_by_region: stat_counts(p.organizations_by_region),
            organizations_by_year: stat_counts(p.organizations_by_year),
            projects_by_status: stat_counts(p.projects_by_status),
            projects_by_category: stat_counts(p.projects_by_category),
            funds_by_category: stat_counts(p.funds_by_category),
            funds_by_year: stat_counts(p.funds_by_year),
            funds_total_fen: p.funds_total_fen,
            average_score_hundredths: p.average_score_hundredths,
            scored_grants: p.scored_grants,
            overdue_reports: p.overdue_reports,
        }))
    }

    /// Staff statistics: the work waiting
    ///
    /// For registrars, purchasers, auditors and admins.
    #[oai(
        path = "/stats/staff",
        method = "get",
        operation_id = "get_staff_stats"
    )]
    async fn staff_stats(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
    ) -> ApiResult<Json<StaffStats>> {
        let s = stats::staff(&state.db, &auth.0).await?;
        Ok(Json(StaffStats {
            applications_awaiting_review: s.applications_awaiting_review,
            annual_reports_awaiting_review: s.annual_reports_awaiting_review,
            grants_by_status: stat_counts(s.grants_by_status),
            grant_reports_awaiting_review: s.grant_reports_awaiting_review,
            feedback_awaiting_moderation: s.feedback_awaiting_moderation,
            mail_failed: s.mail_failed,
            webhooks_disabled: s.webhooks_disabled,
        }))
    }

    /// Grants as CSV, 360Giving columns (public)
    ///
    /// Every grant an award made, except declined ones: identifier, title,
    /// description, currency, amount awarded (yuan), award date, planned
    /// dates, recipient (`CN-USCI-` code) and funder, then cogov's status,
    /// amount disbursed, performance score and project number.
    #[oai(
        path = "/open/grants.csv",
        method = "get",
        operation_id = "export_grants_csv"
    )]
    async fn grants_csv(&self, state: Data<&AppState>) -> ApiResult<Csv> {
        let pages = export::csv_stream(state.db.clone(), export::EXPORT_PAGE);
        Ok(Csv::Ok(Binary(streamed(pages, "grants.csv"))))
    }

    /// Grants as JSON, a 360Giving-shaped package (public)
    ///
    /// `{"grants": [...]}` with 360Giving's field names (`amountAwarded`,
    /// `recipientOrganization`, ...) and cogov's `status`,
    /// `amountDisbursed`, `performanceScore`, `projectNumber`.
    #[oai(
        path = "/open/grants.json",
        method = "get",
        operation_id = "export_grants_json"
    )]
    async fn grants_json(&self, state: Data<&AppState>) -> ApiResult<GrantsJson> {
        let pages = export::json_stream(state.db.clone(), export::EXPORT_PAGE);
        Ok(GrantsJson::Ok(StreamedJson::new(streamed(
            pages,
            "grants.json",
        ))))
    }

    /// OCDS 1.1 record package of one contracting process (public)
    ///
    /// Every release of the ocid and its compiled release (the latest
    /// snapshot).
    #[oai(
        path = "/open/ocds/records/:ocid",
        method = "get",
        operation_id = "get_ocds_record"
    )]
    async fn record(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// The ocid: the prefix, a hyphen and the project number.
        ocid: Path<String>,
    ) -> ApiResult<Json<Any<Value>>> {
        let prefix = &state.settings.ocid_prefix;
        let number =
            ocds::number_of(&ocid.0, prefix).ok_or(Error::NotFound("contracting process"))?;
        let rows = open::releases_of(&state.db, number).await?;
        if rows.is_empty() {
            return Err(Error::NotFound("contracting process").into());
        }
        let releases = rows
            .iter()
            .filter_map(|e| Some(ocds::finish(e.release.as_deref()?, prefix, number, e.seq)))
            .collect();
        let uri = format!(
            "{}{}",
            base_url(&state, req),
            req.uri().path_and_query().map_or("", |p| p.as_str())
        );
        let mut package = ocds::record_package(&uri, state.clock.now(), &ocid.0, releases);
        with_checkpoint(&state, &mut package).await?;
        Ok(Json(Any(package)))
    }
}

/// The grants package, streamed.
#[derive(ApiResponse)]
pub enum GrantsJson {
    /// The package.
    #[oai(status = 200)]
    Ok(StreamedJson<Any<Value>>),
}

/// Adds the audit chain's latest signed checkpoint to a package
/// (`auditCheckpoint`), so whoever keeps the package keeps the anchor too.
async fn with_checkpoint(state: &AppState, package: &mut Value) -> Result<(), Error> {
    if let Some(c) = crate::checkpoints::latest(state.db.conn()).await? {
        package["auditCheckpoint"] = serde_json::to_value(c).unwrap_or_default();
    }
    Ok(())
}
