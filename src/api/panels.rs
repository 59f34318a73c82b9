//! `/projects/{id}/panel`, `/projects/{id}/declarations`, `/panels`.

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
use super::projects::ProjectPage;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::pagination::PageRequest;
use crate::procurement::panels;

/// Panels and declarations.
pub struct PanelsApi;

/// Experts to add to a panel.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct PanelInput {
    /// Accounts with the expert role; the resulting panel must be odd, at
    /// least 3 (5 for a public tender).
    #[oai(validator(max_items = 25))]
    pub expert_ids: Vec<Uuid>,
}

/// A panel seat.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PanelMember {
    /// Expert's account.
    pub expert_id: Uuid,
    /// `active` or `excluded`.
    pub status: String,
    /// Assigned.
    pub added_at: DateTime<Utc>,
    /// Why excluded (a declared conflict).
    pub exclusion_reason: Option<String>,
}

impl From<entity::panel_members::Model> for PanelMember {
    fn from(m: entity::panel_members::Model) -> Self {
        Self {
            expert_id: m.expert_id,
            status: m.status.as_str().into(),
            added_at: m.added_at,
            exclusion_reason: m.exclusion_reason,
        }
    }
}

/// An active expert, as a purchaser composing a panel sees them.
#[derive(Debug, Clone, Object)]
pub struct Expert {
    /// The expert's account (give it in `expert_ids`).
    pub id: Uuid,
    /// Their name.
    pub display_name: String,
}

/// A page of experts.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ExpertPage {
    /// This page.
    pub items: Vec<Expert>,
    /// Cursor of the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A declaration about one bidder.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct DeclarationInput {
    /// The bidder (from the opening record).
    pub organization_id: Uuid,
    /// True for a conflict of interest (it excludes you from the project).
    pub conflict: bool,
    /// Required with a conflict.
    #[oai(validator(max_length = 2000))]
    pub reason: Option<String>,
}

/// A recorded declaration.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Declaration {
    /// Bidder.
    pub organization_id: Uuid,
    /// Conflict.
    pub conflict: bool,
    /// Reason.
    pub reason: Option<String>,
    /// When.
    pub declared_at: DateTime<Utc>,
}

/// A recorded declaration.
#[derive(ApiResponse)]
pub enum Declared {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<Declaration>),
}

#[OpenApi(tag = "ApiTags::Procurement")]
impl PanelsApi {
    /// Add experts to a project's panel (purchaser)
    #[oai(
        path = "/projects/:id/panel",
        method = "post",
        operation_id = "assign_panel"
    )]
    async fn assign_panel(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<PanelInput>,
    ) -> ApiResult<Json<List<PanelMember>>> {
        let list = panels::assign(
            &state.db,
            &auth.0,
            id.0,
            &body.expert_ids,
            state.clock.now(),
        )
        .await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Active experts to seat on a panel (purchasers and admins): ids and names only
    #[oai(path = "/experts", method = "get", operation_id = "list_experts")]
    async fn list_experts(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// Only experts whose name contains this.
        #[oai(validator(max_length = 100))]
        q: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<ExpertPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let (rows, next_cursor) =
            panels::experts(&state.db, &auth.0, q.0.as_deref(), &page).await?;
        Ok(Json(ExpertPage {
            items: rows
                .into_iter()
                .map(|(id, display_name)| Expert { id, display_name })
                .collect(),
            next_cursor,
        }))
    }

    /// A project's panel
    #[oai(
        path = "/projects/:id/panel",
        method = "get",
        operation_id = "get_panel"
    )]
    async fn get_panel(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<List<PanelMember>>> {
        let list = panels::panel_of(&state.db, &auth.0, id.0).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Declare about a bidder (expert on the panel)
    ///
    /// Every bidder needs a declaration before the bids can be read; a
    /// conflict excludes you from the project.
    #[oai(
        path = "/projects/:id/declarations",
        method = "post",
        operation_id = "declare_conflict"
    )]
    async fn declare_conflict(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<DeclarationInput>,
    ) -> ApiResult<Declared> {
        let d = panels::declare(
            &state.db,
            &auth.0,
            id.0,
            body.organization_id,
            body.conflict,
            body.reason.as_deref(),
            state.clock.now(),
        )
        .await?;
        Ok(Declared::Created(Json(Declaration {
            organization_id: d.organization_id,
            conflict: d.conflict,
            reason: d.reason,
            declared_at: d.declared_at,
        })))
    }

    /// Projects I sit on (experts), latest seat first
    #[oai(path = "/panels", method = "get", operation_id = "list_my_panels")]
    async fn list_my_panels(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<ProjectPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let (list, next_cursor) = panels::my_projects(&state.db, &auth.0, &page).await?;
        Ok(Json(ProjectPage {
            items: list.into_iter().map(Into::into).collect(),
            next_cursor,
        }))
    }
}

/// A score to give (again to change it, until the sheet is submitted).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    /// An eligible bid of the opening record.
    pub bid_id: Uuid,
    /// Index of a non-price criterion in the project's `criteria`.
    pub criterion_index: u32,
    /// Points in hundredths: 0 to the criterion's weight x 100 (`4250` is 42.50).
    pub points_hundredths: i64,
    /// Why.
    #[oai(validator(max_length = 2000))]
    pub comment: String,
}

/// A score.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Score {
    /// Bid.
    pub bid_id: Uuid,
    /// Criterion index.
    pub criterion_index: i32,
    /// Points in hundredths.
    pub points_hundredths: i64,
    /// Comment.
    pub comment: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<entity::scores::Model> for Score {
    fn from(s: entity::scores::Model) -> Self {
        Self {
            bid_id: s.bid_id,
            criterion_index: s.criterion_index,
            points_hundredths: s.points,
            comment: s.comment,
            updated_at: s.updated_at,
        }
    }
}

/// One expert's progress.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SheetProgress {
    /// Expert.
    pub expert_id: Uuid,
    /// Sheet submitted.
    pub submitted: bool,
}

/// A ranked bid.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RankedBid {
    /// Rank, 1 the best.
    pub rank: u32,
    /// Bid.
    pub bid_id: Uuid,
    /// Mean of the experts' scores (two decimals).
    pub expert_score: String,
    /// Price score (two decimals).
    pub price_score: String,
    /// Total (two decimals).
    pub total: String,
    /// Price, fen.
    pub price_fen: i64,
}

/// Where an evaluation stands.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EvaluationState {
    /// Each active expert's sheet.
    pub progress: Vec<SheetProgress>,
    /// The ranking, once every sheet is in.
    pub ranking: Option<Vec<RankedBid>>,
}

/// Scoring.
pub struct ScoringApi;

#[OpenApi(tag = "ApiTags::Procurement")]
impl ScoringApi {
    /// Give or change a score (expert on the panel)
    #[oai(
        path = "/projects/:id/scores",
        method = "put",
        operation_id = "set_score"
    )]
    async fn set_score(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ScoreInput>,
    ) -> ApiResult<Json<Score>> {
        let mark = crate::procurement::scoring::Mark {
            bid_id: body.bid_id,
            criterion_index: body.criterion_index as usize,
            points: body.points_hundredths,
            comment: &body.comment,
        };
        let s =
            crate::procurement::scoring::score(&state.db, &auth.0, id.0, mark, state.clock.now())
                .await?;
        Ok(Json(s.into()))
    }

    /// My scores on a project (expert)
    #[oai(
        path = "/projects/:id/scores/mine",
        method = "get",
        operation_id = "list_my_scores"
    )]
    async fn list_my_scores(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<List<Score>>> {
        let list = crate::procurement::scoring::my_scores(&state.db, &auth.0, id.0).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Submit my score sheet (expert; every score given)
    #[oai(
        path = "/projects/:id/scores/submit",
        method = "post",
        operation_id = "submit_score_sheet"
    )]
    async fn submit_score_sheet(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EvaluationState>> {
        crate::procurement::scoring::submit_sheet(&state.db, &auth.0, id.0, state.clock.now())
            .await?;
        evaluation_state(&state, &auth, id.0).await
    }

    /// Where the evaluation stands: sheets in, and the ranking once all are
    #[oai(
        path = "/projects/:id/evaluation",
        method = "get",
        operation_id = "get_evaluation"
    )]
    async fn get_evaluation(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EvaluationState>> {
        evaluation_state(&state, &auth, id.0).await
    }
}

async fn evaluation_state(
    state: &AppState,
    auth: &TokenAuth,
    id: Uuid,
) -> ApiResult<Json<EvaluationState>> {
    use crate::procurement::{evaluation::show, scoring};
    let progress = scoring::progress(&state.db, &auth.0, id).await?;
    let ranking = match scoring::ranking(&state.db, &auth.0, id).await {
        Ok(r) => Some(
            r.into_iter()
                .map(|x| RankedBid {
                    rank: u32::try_from(x.rank).unwrap_or(u32::MAX),
                    bid_id: x.key,
                    expert_score: show(x.expert_score),
                    price_score: show(x.price_score),
                    total: show(x.total),
                    price_fen: x.price_fen,
                })
                .collect(),
        ),
        Err(crate::error::Error::Conflict { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(Json(EvaluationState {
        progress: progress
            .into_iter()
            .map(|(expert_id, submitted)| SheetProgress {
                expert_id,
                submitted,
            })
            .collect(),
        ranking,
    }))
}
