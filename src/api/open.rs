//! `/events` (the change feed) and `/open/ocds/...` (OCDS 1.1 packages).

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::types::Any;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;
use uuid::Uuid;

use super::organizations::Csv;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::error::Error;
use crate::grants::export;
use crate::open::{self, FeedFilter, data_of, ocds};

/// Open data.
pub struct OpenDataApi;

/// A public event.
#[derive(Debug, Clone, Object)]
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
pub struct EventPage {
    /// Events, oldest first.
    pub items: Vec<Event>,
    /// Ask with this next; it is the same cursor again when nothing is new,
    /// so a follower keeps polling with it.
    pub next_cursor: String,
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
    /// never misses one.
    #[oai(path = "/events", method = "get", operation_id = "list_events")]
    async fn events(
        &self,
        state: Data<&AppState>,
        /// The last cursor seen.
        cursor: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Only this event type.
        event_type: Query<Option<String>>,
        /// Only this project's events.
        project_id: Query<Option<Uuid>>,
    ) -> ApiResult<Json<EventPage>> {
        let after = open::parse_cursor(cursor.0.as_deref())?;
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
                    ocid: e
                        .release
                        .as_ref()
                        .and(e.project_number.as_deref())
                        .map(|n| ocds::ocid(prefix, n)),
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
        Ok(Csv::Ok(PlainText(export::csv(&state.db).await?)))
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
    async fn grants_json(&self, state: Data<&AppState>) -> ApiResult<Json<Any<Value>>> {
        let grants = export::open_grants(&state.db).await?;
        Ok(Json(Any(serde_json::json!({ "grants": grants }))))
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
        let number = ocid
            .0
            .strip_prefix(prefix.as_str())
            .and_then(|n| n.strip_prefix('-'))
            .ok_or(Error::NotFound("contracting process"))?;
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
        Ok(Json(Any(ocds::record_package(
            &uri,
            state.clock.now(),
            &ocid.0,
            releases,
        ))))
    }
}
