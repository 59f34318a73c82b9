//! `/projects/{id}/award`, `/projects/{id}/challenges`, `/challenges/{id}`,
//! `/projects/{id}/my-scores`.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::{MaybeAuth, TokenAuth};
use super::body::JsonBody;
use super::dto::List;
use super::files::FileMeta;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::procurement::award::{self, Notice, SummaryLine};
use crate::procurement::challenges::{self, ChallengeView, Decision};
use crate::procurement::evaluation::show;

/// Award notices and challenges.
pub struct AwardApi;

/// The award to propose.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct AwardInput {
    /// A ranked bid: normally rank 1.
    pub bid_id: Uuid,
    /// Required when the bid is not ranked 1.
    #[oai(validator(max_length = 2000))]
    pub reason: Option<String>,
}

/// A line of the ranking published with the notice.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NoticeLine {
    /// Rank, 1 the best.
    pub rank: u32,
    /// Bid.
    pub bid_id: Uuid,
    /// Bidder.
    pub organization_name: String,
    /// Bidder's unified social credit code.
    pub uscc: Option<String>,
    /// Price, fen.
    pub price_fen: i64,
    /// Mean of the experts' scores (two decimals).
    pub expert_score: String,
    /// Price score (two decimals).
    pub price_score: String,
    /// Total (two decimals).
    pub total: String,
}

impl From<SummaryLine> for NoticeLine {
    fn from(l: SummaryLine) -> Self {
        Self {
            rank: u32::try_from(l.rank).unwrap_or(u32::MAX),
            bid_id: l.bid_id,
            organization_name: l.organization_name,
            uscc: l.uscc,
            price_fen: l.price_fen,
            expert_score: show(l.expert_score),
            price_score: show(l.price_score),
            total: show(l.total),
        }
    }
}

/// A published award notice.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AwardNotice {
    /// Notice id.
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// `notice` (challenge window), `final` (awarded) or `withdrawn`.
    pub status: String,
    /// Winning bid.
    pub bid_id: Uuid,
    /// Winner.
    pub organization_id: Uuid,
    /// Winner's name.
    pub organization_name: String,
    /// Winner's unified social credit code.
    pub uscc: Option<String>,
    /// Amount awarded, fen.
    pub amount_fen: i64,
    /// The winner's rank.
    pub rank: u32,
    /// Why another than rank 1 was chosen.
    pub reason: Option<String>,
    /// Published.
    pub notice_at: DateTime<Utc>,
    /// Last day (China date) to file a challenge.
    pub challenge_until: NaiveDate,
    /// Final since.
    pub closed_at: Option<DateTime<Utc>>,
    /// The ranking.
    pub summary: Vec<NoticeLine>,
    /// The panel's experts.
    pub panel: Vec<String>,
    /// Challenges against this project's notices, as you may see them.
    pub challenges: Vec<Challenge>,
}

impl AwardNotice {
    fn new(n: Notice, challenges: Vec<ChallengeView>) -> Self {
        let a = n.row;
        Self {
            id: a.id,
            project_id: a.project_id,
            status: a.status.as_str().into(),
            bid_id: a.bid_id,
            organization_id: a.organization_id,
            organization_name: a.organization_name,
            uscc: a.uscc,
            amount_fen: a.amount_fen,
            rank: u32::try_from(a.rank).unwrap_or(0),
            reason: a.reason,
            notice_at: a.notice_at,
            challenge_until: a.challenge_until,
            closed_at: a.closed_at,
            summary: n.summary.into_iter().map(Into::into).collect(),
            panel: n.panel.into_iter().map(|p| p.name).collect(),
            challenges: challenges.into_iter().map(Into::into).collect(),
        }
    }
}

/// A challenge to file.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ChallengeInput {
    /// What is challenged and why.
    #[oai(validator(max_length = 5000))]
    pub reasons: String,
    /// Your unattached uploads (`POST /files`) supporting it.
    #[serde(default)]
    #[oai(default, validator(max_items = 10))]
    pub file_ids: Vec<Uuid>,
}

/// The purchaser's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReplyDecision {
    /// Not founded; the notice stands.
    Dismissed,
    /// Founded: the notice is withdrawn and the panel reviews its scores.
    UpheldReevaluate,
    /// Founded: the notice is withdrawn and the project fails.
    UpheldFail,
}

/// A reply to a challenge.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ReplyInput {
    /// The decision.
    pub decision: ReplyDecision,
    /// Its reasons (public).
    #[oai(validator(max_length = 5000))]
    pub reasons: String,
}

/// A challenge. The public sees dates, status and reply; the challenger,
/// the department, auditors and admins also see who filed it, the reasons
/// and the files.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Challenge {
    /// Id.
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// The notice challenged.
    pub award_id: Uuid,
    /// Filed.
    pub filed_at: DateTime<Utc>,
    /// Last day (China date) for the reply.
    pub reply_due: NaiveDate,
    /// `open`, `upheld`, `dismissed`, or `closed` (the notice was withdrawn).
    pub status: String,
    /// For upheld: `reevaluate` or `fail`.
    pub outcome: Option<String>,
    /// The purchaser's reasons.
    pub reply: Option<String>,
    /// Replied.
    pub replied_at: Option<DateTime<Utc>>,
    /// Still open after its reply day.
    pub overdue: bool,
    /// Challenger (when you may see it).
    pub organization_id: Option<Uuid>,
    /// Challenger's name (when you may see it).
    pub organization_name: Option<String>,
    /// Reasons (when you may see them).
    pub reasons: Option<String>,
    /// Files (when you may see them).
    pub files: Vec<FileMeta>,
}

impl From<ChallengeView> for Challenge {
    fn from(v: ChallengeView) -> Self {
        let c = v.row;
        Self {
            id: c.id,
            project_id: c.project_id,
            award_id: c.award_id,
            filed_at: c.filed_at,
            reply_due: c.reply_due,
            status: c.status.as_str().into(),
            outcome: c.outcome,
            reply: c.reply,
            replied_at: c.replied_at,
            overdue: v.overdue,
            organization_id: v.detailed.then_some(c.organization_id),
            organization_name: v.organization_name,
            reasons: v.detailed.then_some(c.reasons),
            files: v.files.into_iter().map(Into::into).collect(),
        }
    }
}

/// One expert's score of your bid (experts unnamed).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ExpertMark {
    /// Points (two decimals).
    pub points: String,
    /// The expert's comment.
    pub comment: String,
}

/// Your bid's scores on one criterion.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CriterionScores {
    /// Index in the project's criteria.
    pub criterion_index: u32,
    /// Criterion.
    pub name: String,
    /// Its weight.
    pub weight: u32,
    /// Each expert's score.
    pub marks: Vec<ExpertMark>,
}

/// Your organization's scores after the notice.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OwnScores {
    /// Your line of the ranking (absent when your bid was not eligible).
    pub line: Option<NoticeLine>,
    /// Per criterion.
    pub criteria: Vec<CriterionScores>,
}

/// A notice published.
#[derive(ApiResponse)]
pub enum Proposed {
    /// The notice.
    #[oai(status = 201)]
    Created(Json<AwardNotice>),
}

/// A challenge filed.
#[derive(ApiResponse)]
pub enum Filed {
    /// The challenge.
    #[oai(status = 201)]
    Created(Json<Challenge>),
}

#[OpenApi(tag = "ApiTags::Procurement")]
impl AwardApi {
    /// Propose the award and publish the notice (purchaser)
    ///
    /// Once every expert's sheet is in: rank 1, or another ranked bid with a
    /// reason. The project enters `notice`; the challenge window is 7 working
    /// days.
    #[oai(
        path = "/projects/:id/award",
        method = "post",
        operation_id = "propose_award"
    )]
    async fn propose_award(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<AwardInput>,
    ) -> ApiResult<Proposed> {
        let now = state.clock.now();
        let n = award::propose(
            &state.db,
            &auth.0,
            id.0,
            body.bid_id,
            body.reason.as_deref(),
            now,
        )
        .await?;
        let challenges = challenges::challenges_of(&state.db, Some(&auth.0), id.0, now).await?;
        Ok(Proposed::Created(Json(AwardNotice::new(n, challenges))))
    }

    /// The award notice of a project, with its challenges (public)
    #[oai(
        path = "/projects/:id/award",
        method = "get",
        operation_id = "get_award"
    )]
    async fn get_award(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<AwardNotice>> {
        let now = state.clock.now();
        let n = award::notice(&state.db, auth.actor(), id.0)
            .await?
            .ok_or(crate::error::Error::NotFound("award notice"))?;
        let challenges = challenges::challenges_of(&state.db, auth.actor(), id.0, now).await?;
        Ok(Json(AwardNotice::new(n, challenges)))
    }

    /// File a challenge against the award notice (a bidder's org user)
    #[oai(
        path = "/projects/:id/challenges",
        method = "post",
        operation_id = "file_challenge"
    )]
    async fn file_challenge(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ChallengeInput>,
    ) -> ApiResult<Filed> {
        let c = challenges::file_challenge(
            &state.db,
            &auth.0,
            id.0,
            &body.reasons,
            &body.file_ids,
            state.clock.now(),
        )
        .await?;
        Ok(Filed::Created(Json(c.into())))
    }

    /// Challenges of a project (public; details for those concerned)
    #[oai(
        path = "/projects/:id/challenges",
        method = "get",
        operation_id = "list_challenges"
    )]
    async fn list_challenges(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<List<Challenge>>> {
        let list =
            challenges::challenges_of(&state.db, auth.actor(), id.0, state.clock.now()).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// One challenge in full (its challenger, the department, auditors, admins)
    #[oai(
        path = "/challenges/:id",
        method = "get",
        operation_id = "get_challenge"
    )]
    async fn get_challenge(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Challenge>> {
        let c = challenges::get_challenge(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Json(c.into()))
    }

    /// Reply to a challenge (purchaser)
    ///
    /// `upheld_reevaluate` withdraws the notice and reopens the experts'
    /// sheets; `upheld_fail` withdraws it and fails the project.
    #[oai(
        path = "/challenges/:id/reply",
        method = "post",
        operation_id = "reply_challenge"
    )]
    async fn reply_challenge(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReplyInput>,
    ) -> ApiResult<Json<Challenge>> {
        let decision = match body.decision {
            ReplyDecision::Dismissed => Decision::Dismissed,
            ReplyDecision::UpheldReevaluate => Decision::UpheldReevaluate,
            ReplyDecision::UpheldFail => Decision::UpheldFail,
        };
        let c = challenges::reply(
            &state.db,
            &auth.0,
            id.0,
            decision,
            &body.reasons,
            state.clock.now(),
        )
        .await?;
        Ok(Json(c.into()))
    }

    /// My organization's scores, after the notice (a bidder's org user)
    #[oai(
        path = "/projects/:id/my-scores",
        method = "get",
        operation_id = "get_my_bid_scores"
    )]
    async fn get_my_bid_scores(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<OwnScores>> {
        let s = award::own_scores(&state.db, &auth.0, id.0).await?;
        Ok(Json(OwnScores {
            line: s.line.map(Into::into),
            criteria: s
                .criteria
                .into_iter()
                .map(|c| CriterionScores {
                    criterion_index: u32::try_from(c.index).unwrap_or(u32::MAX),
                    name: c.name,
                    weight: c.weight,
                    marks: c
                        .marks
                        .into_iter()
                        .map(|(p, comment)| ExpertMark {
                            points: show(p),
                            comment,
                        })
                        .collect(),
                })
                .collect(),
        }))
    }
}
