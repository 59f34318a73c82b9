//! Bids and the opening: `/projects/{id}/eligibility`, `/projects/{id}/bids`,
//! `/bids/{id}`, `/projects/{id}/opening`.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::dto::List;
use super::files::FileMeta;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::pagination::PageRequest;
use crate::procurement::bids::{self, BidInput as Input, OpeningEntry};

/// Bids.
pub struct BidsApi;

/// A rule's verdict for the caller's organization.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RuleVerdict {
    /// Rule code (`not_dishonest`, `min_grade`, ...).
    pub rule: String,
    /// Passed.
    pub passed: bool,
    /// What the rule asks.
    pub message: String,
}

/// A bid to submit, or the new version of one.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct BidInput {
    /// Price in fen, at most the budget ceiling.
    pub price_fen: i64,
    /// Technical proposal.
    #[oai(validator(max_length = 50000))]
    pub technical_proposal: String,
    /// Team.
    #[oai(validator(max_length = 10000))]
    pub team: String,
    /// Work plan.
    #[oai(validator(max_length = 20000))]
    pub plan: String,
    /// Ids of your uploads (`POST /files`) to attach.
    #[serde(default)]
    pub file_ids: Option<Vec<Uuid>>,
}

impl From<BidInput> for Input {
    fn from(b: BidInput) -> Self {
        Self {
            price_fen: b.price_fen,
            technical_proposal: b.technical_proposal,
            team: b.team,
            plan: b.plan,
            file_ids: b.file_ids.unwrap_or_default(),
        }
    }
}

/// A page of bids.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BidPage {
    /// The bids.
    pub items: Vec<Bid>,
    /// Cursor of the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A bid (its organization always sees it; others only after the opening).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Bid {
    /// Id.
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// Bidder.
    pub organization_id: Uuid,
    /// `active`, `replaced` or `withdrawn`.
    pub status: String,
    /// Price, fen.
    pub price_fen: i64,
    /// Technical proposal.
    pub technical_proposal: String,
    /// Team.
    pub team: String,
    /// Work plan.
    pub plan: String,
    /// The receipt's hash.
    pub content_hash: String,
    /// The receipt's time.
    pub submitted_at: DateTime<Utc>,
    /// The version this one replaced.
    pub replaces: Option<Uuid>,
    /// When replaced or withdrawn.
    pub ended_at: Option<DateTime<Utc>>,
}

impl From<entity::bids::Model> for Bid {
    fn from(b: entity::bids::Model) -> Self {
        Self {
            id: b.id,
            project_id: b.project_id,
            organization_id: b.organization_id,
            status: b.status.as_str().into(),
            price_fen: b.price_fen,
            technical_proposal: b.technical_proposal,
            team: b.team,
            plan: b.plan,
            content_hash: b.content_hash,
            submitted_at: b.submitted_at,
            replaces: b.replaces,
            ended_at: b.ended_at,
        }
    }
}

/// The receipt of a submission, replacement or withdrawal.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Receipt {
    /// Bid id.
    pub bid_id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// Server time.
    pub at: DateTime<Utc>,
    /// SHA-256 over the canonical content and the file hashes (see the README).
    pub content_hash: String,
    /// `active` or `withdrawn`.
    pub status: String,
}

/// A bid with its receipt and files.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BidWithReceipt {
    /// The receipt: keep it to check against the opening record.
    pub receipt: Receipt,
    /// The bid.
    pub bid: Bid,
    /// Its files.
    pub files: Vec<FileMeta>,
}

fn with_receipt(b: entity::bids::Model, files: Vec<entity::files::Model>) -> BidWithReceipt {
    BidWithReceipt {
        receipt: Receipt {
            bid_id: b.id,
            project_id: b.project_id,
            at: b.ended_at.unwrap_or(b.submitted_at),
            content_hash: b.content_hash.clone(),
            status: b.status.as_str().into(),
        },
        bid: b.into(),
        files: files.into_iter().map(Into::into).collect(),
    }
}

/// A submitted bid.
#[derive(ApiResponse)]
pub enum Submitted {
    /// Submitted; the receipt is in the body.
    #[oai(status = 201)]
    Created(Json<BidWithReceipt>),
}

/// One line of the opening record.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OpeningLine {
    /// Bid id (the receipt's).
    pub bid_id: Uuid,
    /// Bidder.
    pub organization_id: Uuid,
    /// Bidder's name.
    pub organization_name: String,
    /// Bidder's code.
    pub uscc: Option<String>,
    /// Price, fen.
    pub price_fen: i64,
    /// Receipt time.
    pub submitted_at: DateTime<Utc>,
    /// Receipt hash.
    pub content_hash: String,
    /// Eligible at opening.
    pub eligible: bool,
    /// The rule it failed at opening.
    pub failed_rule: Option<String>,
}

impl From<OpeningEntry> for OpeningLine {
    fn from(e: OpeningEntry) -> Self {
        Self {
            bid_id: e.bid_id,
            organization_id: e.organization_id,
            organization_name: e.organization_name,
            uscc: e.uscc,
            price_fen: e.price_fen,
            submitted_at: e.submitted_at,
            content_hash: e.content_hash,
            eligible: e.eligible,
            failed_rule: e.failed_rule,
        }
    }
}

/// The public opening record.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OpeningRecord {
    /// Project.
    pub project_id: Uuid,
    /// When opened.
    pub opened_at: DateTime<Utc>,
    /// `evaluating` or `failed`.
    pub outcome: String,
    /// Eligible bids.
    pub eligible_count: i32,
    /// Every live bid at the deadline.
    pub entries: Vec<OpeningLine>,
}

/// A receipt to check.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ReceiptCheck {
    /// The receipt's bid id.
    pub bid_id: Uuid,
    /// The receipt's hash.
    #[oai(validator(max_length = 64))]
    pub content_hash: String,
}

/// The answer to a receipt check.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReceiptVerdict {
    /// True when the opening record holds this bid with this hash.
    pub matches: bool,
    /// The record's line for the bid, if it has one.
    pub entry: Option<OpeningLine>,
}

#[OpenApi(tag = "ApiTags::Procurement")]
impl BidsApi {
    /// Check my organization against a project's eligibility rules
    #[oai(
        path = "/projects/:id/eligibility",
        method = "get",
        operation_id = "check_eligibility"
    )]
    async fn check_eligibility(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<List<RuleVerdict>>> {
        let verdicts = bids::eligibility(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Json(
            verdicts
                .into_iter()
                .map(|v| RuleVerdict {
                    rule: v.rule.into(),
                    passed: v.passed,
                    message: v.message,
                })
                .collect(),
        ))
    }

    /// Submit my organization's bid (sealed until the deadline)
    #[oai(
        path = "/projects/:id/bids",
        method = "post",
        operation_id = "submit_bid"
    )]
    async fn submit_bid(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<BidInput>,
    ) -> ApiResult<Submitted> {
        let (b, f) =
            bids::submit(&state.db, &auth.0, id.0, body.0.into(), state.clock.now()).await?;
        Ok(Submitted::Created(Json(with_receipt(b, f))))
    }

    /// List a project's bids
    ///
    /// Before the opening: only your organization's versions (others are
    /// refused without a count). After: every live bid, for the
    /// department's purchasers and auditors.
    #[oai(
        path = "/projects/:id/bids",
        method = "get",
        operation_id = "list_bids"
    )]
    async fn list_bids(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<List<Bid>>> {
        let list = bids::list_for_project(&state.db, &auth.0, id.0).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// List my organization's bids on every project, newest first
    #[oai(path = "/bids", method = "get", operation_id = "list_my_bids")]
    async fn list_my_bids(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<BidPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let (list, next_cursor) = bids::mine(&state.db, &auth.0, &page).await?;
        Ok(Json(BidPage {
            items: list.into_iter().map(Into::into).collect(),
            next_cursor,
        }))
    }

    /// Get a bid
    #[oai(path = "/bids/:id", method = "get", operation_id = "get_bid")]
    async fn get_bid(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<BidWithReceipt>> {
        let (b, f) = bids::get(&state.db, &auth.0, id.0).await?;
        Ok(Json(with_receipt(b, f)))
    }

    /// Replace my organization's live bid (a new receipt)
    #[oai(
        path = "/bids/:id/replace",
        method = "post",
        operation_id = "replace_bid"
    )]
    async fn replace_bid(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<BidInput>,
    ) -> ApiResult<Submitted> {
        let (b, f) =
            bids::replace(&state.db, &auth.0, id.0, body.0.into(), state.clock.now()).await?;
        Ok(Submitted::Created(Json(with_receipt(b, f))))
    }

    /// Withdraw my organization's live bid (a new receipt)
    #[oai(
        path = "/bids/:id/withdraw",
        method = "post",
        operation_id = "withdraw_bid"
    )]
    async fn withdraw_bid(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<BidWithReceipt>> {
        let b = bids::withdraw(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Json(with_receipt(b, Vec::new())))
    }

    /// The opening record of a project (public, after the deadline)
    #[oai(
        path = "/projects/:id/opening",
        method = "get",
        operation_id = "get_opening"
    )]
    async fn get_opening(
        &self,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> ApiResult<Json<OpeningRecord>> {
        let (r, entries) = bids::opening_record(&state.db, id.0).await?;
        Ok(Json(OpeningRecord {
            project_id: r.project_id,
            opened_at: r.opened_at,
            outcome: r.outcome,
            eligible_count: r.eligible_count,
            entries: entries.into_iter().map(Into::into).collect(),
        }))
    }

    /// Check a receipt against the opening record (public)
    #[oai(
        path = "/projects/:id/opening/verify",
        method = "post",
        operation_id = "verify_receipt"
    )]
    async fn verify_receipt(
        &self,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<ReceiptCheck>,
    ) -> ApiResult<Json<ReceiptVerdict>> {
        let (matches, entry) =
            bids::verify_receipt(&state.db, id.0, body.bid_id, &body.content_hash).await?;
        Ok(Json(ReceiptVerdict {
            matches,
            entry: entry.map(Into::into),
        }))
    }
}
