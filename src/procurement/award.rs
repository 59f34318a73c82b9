//! Award notices (issue 5, last part).
//!
//! What it owns: the award notice of a project (winner, amount, a snapshot
//! of the ranking and of the panel, the challenge window) and the job that
//! makes a notice final. Challenges against it are `challenges`'.
//!
//! ```text
//! project  evaluating --propose--> notice --job, window closed, none open--> awarded
//!                                  notice --challenge upheld--> evaluating | failed
//! award    notice -> final | withdrawn        (withdrawn: upheld challenge, cancellation)
//! challenge open -> upheld | dismissed | closed   (closed: moot after another was upheld)
//! ```
//!
//! Who may do what:
//! - the purchaser of the project's department proposes the award once every
//!   active expert has submitted a sheet and the panel meets its size rule:
//!   rank 1, or another ranked bid with a recorded reason
//!   ([`evaluation::check_choice`]); the notice is public at once;
//! - bidders challenge the notice within its window and the purchaser
//!   replies ([`super::challenges`], with the window's rules); an upheld
//!   challenge withdraws the notice ([`withdraw`]) and sends the project
//!   back to `evaluating` (every expert's sheet is reopened for review; the
//!   scores stay) or to `failed`;
//! - everyone reads the notice;
//! - a bidder reads its own scores (per criterion and expert, with the
//!   comments, experts unnamed) once a notice is published;
//! - the award job ([`award_due`]) moves a project from `notice` to
//!   `awarded` when its window has closed and no challenge is open, exactly
//!   once (a lease, a locked row and a conditional update), and creates its
//!   grant in the same transaction ([`crate::grants`]).

use chrono::{DateTime, Utc};
use entity::{awards, challenges, projects};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::bids;
use super::challenges::ChallengeStatus;
use super::evaluation::{self, Points};
use super::panels;
use super::projects::{self as project_service};
use super::rules::{self, Action, Status};
use super::scoring;
use crate::audit::{Change, Who};
use crate::auth::{Actor, policy};
use crate::calendar::Calendar;
use crate::db::Db;
use crate::error::{Error, Result};

/// Where an award notice is: in its window, final, withdrawn.
pub use entity::awards::Status as AwardStatus;

/// One line of the ranking published with the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryLine {
    /// 1 for the best.
    pub rank: usize,
    /// The bid.
    pub bid_id: Uuid,
    /// Bidder.
    pub organization_id: Uuid,
    /// Bidder's name.
    pub organization_name: String,
    /// Bidder's code.
    pub uscc: Option<String>,
    /// Price, fen.
    pub price_fen: i64,
    /// Mean of the experts' scores, hundredths.
    pub expert_score: Points,
    /// Price score, hundredths.
    pub price_score: Points,
    /// Total, hundredths.
    pub total: Points,
}

/// A panel member named on the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelName {
    /// The expert's account.
    pub expert_id: Uuid,
    /// Their name.
    pub name: String,
}

/// An award notice with its snapshot read back.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The row.
    pub row: awards::Model,
    /// The ranking at the notice.
    pub summary: Vec<SummaryLine>,
    /// The panel at the notice.
    pub panel: Vec<PanelName>,
}

impl Notice {
    fn from_row(row: awards::Model) -> Result<Self> {
        let bad = || Error::Internal(format!("award {} has a bad snapshot", row.id));
        Ok(Self {
            summary: serde_json::from_str(&row.summary).map_err(|_| bad())?,
            panel: serde_json::from_str(&row.panel).map_err(|_| bad())?,
            row,
        })
    }
}

pub(super) fn too_long(field: &str, text: &str, max: usize) -> Result<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(Error::invalid(
            field,
            "length",
            format!("write 1 to {max} characters"),
        ));
    }
    Ok(t.to_owned())
}

/// The current or final notice of a project, if any.
pub(super) async fn current<C: ConnectionTrait>(
    conn: &C,
    project_id: Uuid,
) -> Result<Option<awards::Model>> {
    Ok(awards::Entity::find()
        .filter(awards::Column::ProjectId.eq(project_id))
        .filter(awards::Column::Status.is_in([AwardStatus::Notice, AwardStatus::Final]))
        .one(conn)
        .await?)
}

/// Moves a project from `from` to `to` only if it is still in `from`: the
/// conditional update that makes every state change here happen once.
pub(super) async fn move_project<C: ConnectionTrait>(
    conn: &C,
    project_id: Uuid,
    from: Status,
    to: Status,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<bool> {
    use sea_orm::sea_query::Expr;
    Ok(projects::Entity::update_many()
        .col_expr(projects::Column::Status, Expr::value(to.as_str()))
        .col_expr(projects::Column::StatusReason, Expr::value(reason))
        .col_expr(projects::Column::UpdatedAt, Expr::value(now))
        .filter(projects::Column::Id.eq(project_id))
        .filter(projects::Column::Status.eq(from.as_str()))
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}

pub(super) fn moved_elsewhere() -> Error {
    Error::Conflict {
        code: "wrong_state",
        message: "the project changed state meanwhile; reload it".into(),
    }
}

/// An award as it would be proposed: every check passed, nothing written.
struct Proposal {
    project: project_service::Project,
    to: Status,
    active: Vec<entity::panel_members::Model>,
    entries: Vec<bids::OpeningEntry>,
    summary: Vec<SummaryLine>,
    winner: SummaryLine,
    reason: Option<String>,
}

async fn proposal(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    bid_id: Uuid,
    reason: Option<&str>,
) -> Result<Proposal> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let p = project_service::get(db, Some(actor), project_id).await?;
    policy::own_department(actor, p.row.department_id)?;
    let to = rules::transition(p.status, Action::Notify)?;
    let active = panels::active_members(db.conn(), project_id).await?;
    if evaluation::check_panel(p.method, active.len()).is_err() {
        return Err(Error::Conflict {
            code: "panel_incomplete",
            message: "the panel is below its size rule; add experts and let them score first"
                .into(),
        });
    }
    let ranking = scoring::ranking(db, actor, project_id).await?;
    let chosen = ranking.iter().find(|r| r.key == bid_id).ok_or_else(|| {
        Error::invalid(
            "bid_id",
            "not_ranked",
            "choose one of the ranked (eligible) bids",
        )
    })?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    evaluation::check_choice(chosen.rank, reason).map_err(|e| Error::Invalid(vec![e]))?;
    if let Some(r) = reason {
        too_long("reason", r, 2000)?;
    }
    let (_, entries) = bids::opening_record(db, project_id).await?;
    let summary: Vec<SummaryLine> = ranking
        .iter()
        .filter_map(|r| {
            let e = entries.iter().find(|e| e.bid_id == r.key)?;
            Some(SummaryLine {
                rank: r.rank,
                bid_id: r.key,
                organization_id: e.organization_id,
                organization_name: e.organization_name.clone(),
                uscc: e.uscc.clone(),
                price_fen: r.price_fen,
                expert_score: r.expert_score,
                price_score: r.price_score,
                total: r.total,
            })
        })
        .collect();
    let winner = summary
        .iter()
        .find(|l| l.bid_id == bid_id)
        .ok_or_else(|| Error::Internal("ranked bid missing from the opening record".into()))?
        .clone();
    Ok(Proposal {
        project: p,
        to,
        active,
        entries,
        summary,
        winner,
        reason: reason.map(str::to_owned),
    })
}

/// The award `propose` would make, for the purchaser to confirm: the
/// winner's line of the ranking.
///
/// # Errors
/// As [`propose`].
pub async fn check(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    bid_id: Uuid,
    reason: Option<&str>,
) -> Result<SummaryLine> {
    Ok(proposal(db, actor, project_id, bid_id, reason)
        .await?
        .winner)
}

/// The purchaser proposes the award and publishes the notice.
///
/// # Errors
/// `Forbidden` by role or department; `Conflict` unless evaluating with
/// every sheet in and a full panel; `Invalid` for a bid not in the ranking
/// or another than rank 1 without a reason.
pub async fn propose(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    bid_id: Uuid,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Notice> {
    let Proposal {
        project: p,
        to,
        active,
        entries,
        summary,
        winner,
        reason,
    } = proposal(db, actor, project_id, bid_id, reason).await?;
    let panel: Vec<PanelName> = active
        .iter()
        .zip(panels::names(db, &active).await?)
        .map(|(m, name)| PanelName {
            expert_id: m.expert_id,
            name,
        })
        .collect();
    let calendar = Calendar::load(db.conn()).await?;
    let row = awards::Model {
        id: Uuid::now_v7(),
        project_id,
        bid_id,
        organization_id: winner.organization_id,
        organization_name: winner.organization_name.clone(),
        uscc: winner.uscc.clone(),
        amount_fen: winner.price_fen,
        rank: i32::try_from(winner.rank).unwrap_or(i32::MAX),
        reason,
        summary: serde_json::to_string(&summary).unwrap_or_else(|_| "[]".into()),
        panel: serde_json::to_string(&panel).unwrap_or_else(|_| "[]".into()),
        status: AwardStatus::Notice,
        proposed_by: actor.user_id,
        notice_at: now,
        challenge_until: super::challenges::seven_working_days(
            &calendar,
            crate::clock::china_date(now),
        ),
        closed_at: None,
    };
    let tx = db.begin().await?;
    if !move_project(&*tx, project_id, p.status, to, None, now).await? {
        return Err(moved_elsewhere());
    }
    awards::ActiveModel::from(row.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    crate::open::publish(
        &*tx,
        &actor.who(),
        Change::new(
            "award.propose",
            "project",
            project_id,
            Some(&serde_json::json!({"status": p.status.as_str()})),
            Some(&serde_json::json!({
                "status": to.as_str(), "award_id": row.id, "bid_id": bid_id,
                "winner": winner.organization_name, "uscc": winner.uscc,
                "amount_fen": row.amount_fen, "rank": winner.rank, "reason": row.reason,
                "challenge_until": row.challenge_until,
            })),
        ),
        crate::open::Event::AwardNotice(project_id),
        now,
    )
    .await?;
    let bidders =
        crate::notifications::people_of(&*tx, entries.iter().map(|e| e.organization_id), false)
            .await?;
    crate::notifications::tell(
        &*tx,
        &bidders,
        crate::notifications::Kind::AwardPublished,
        format!("award:{}:notice", row.id),
        format!("/projects/{project_id}"),
        crate::notifications::Params {
            due_on: Some(row.challenge_until),
            ..crate::notifications::Params::about(p.row.title.clone())
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Notice::from_row(row)
}

/// The public notice of a project (current or final), if there is one.
///
/// # Errors
/// `NotFound` for drafts the caller may not see.
pub async fn notice(db: &Db, actor: Option<&Actor>, project_id: Uuid) -> Result<Option<Notice>> {
    project_service::get(db, actor, project_id).await?;
    current(db.conn(), project_id)
        .await?
        .map(Notice::from_row)
        .transpose()
}

/// Withdraws the project's notice, if one is in its window, and closes the
/// challenges still open against it (inside the caller's transaction).
///
/// # Errors
/// The database's error.
pub async fn withdraw<C: ConnectionTrait>(
    tx: &C,
    who: &Who,
    project_id: Uuid,
    why: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(award) = awards::Entity::find()
        .filter(awards::Column::ProjectId.eq(project_id))
        .filter(awards::Column::Status.eq(AwardStatus::Notice))
        .one(tx)
        .await?
    else {
        return Ok(());
    };
    awards::ActiveModel {
        id: Set(award.id),
        status: Set(AwardStatus::Withdrawn),
        closed_at: Set(Some(now)),
        ..Default::default()
    }
    .update(tx)
    .await?;
    let moot = challenges::Entity::update_many()
        .col_expr(
            challenges::Column::Status,
            sea_orm::sea_query::Expr::value(ChallengeStatus::Closed),
        )
        .col_expr(
            challenges::Column::Reply,
            sea_orm::sea_query::Expr::value(format!("notice withdrawn: {why}")),
        )
        .col_expr(
            challenges::Column::RepliedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(challenges::Column::AwardId.eq(award.id))
        .filter(challenges::Column::Status.eq(ChallengeStatus::Open))
        .exec(tx)
        .await?
        .rows_affected;
    crate::open::publish(
        tx,
        who,
        Change::new(
            "award.withdraw",
            "project",
            project_id,
            Some(&serde_json::json!({"award_id": award.id, "status": AwardStatus::Notice})),
            Some(&serde_json::json!({"award_id": award.id, "status": AwardStatus::Withdrawn, "why": why, "challenges_closed": moot})),
        ),
        crate::open::Event::AwardWithdrawn(project_id),
        now)
    .await?;
    Ok(())
}

/// Makes one project's notice final if its window has closed and no
/// challenge is open; exactly once (a second call, here or elsewhere, finds
/// the project no longer in `notice`).
///
/// # Errors
/// The database's error.
pub async fn finalize(db: &Db, project_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let today = crate::clock::china_date(now);
    let tx = db.begin().await?;
    let Some(row) = projects::Entity::find_by_id(project_id)
        .lock_exclusive()
        .one(&*tx)
        .await?
    else {
        return Ok(false);
    };
    let Some(status) = Some(row.status).filter(|s| *s == Status::Notice) else {
        return Ok(false);
    };
    let Some(award) = current(&*tx, project_id)
        .await?
        .filter(|a| a.status == AwardStatus::Notice)
    else {
        return Ok(false);
    };
    if super::challenges::window_open(award.challenge_until, today) {
        return Ok(false);
    }
    let open = challenges::Entity::find()
        .filter(challenges::Column::AwardId.eq(award.id))
        .filter(challenges::Column::Status.eq(ChallengeStatus::Open))
        .count(&*tx)
        .await?;
    if open > 0 {
        return Ok(false);
    }
    let to = rules::transition(status, Action::Award)?;
    if !move_project(&*tx, project_id, status, to, None, now).await? {
        return Ok(false);
    }
    let grant = crate::grants::service::create_from_award(&*tx, &award, &row, now).await?;
    awards::ActiveModel {
        id: Set(award.id),
        status: Set(AwardStatus::Final),
        closed_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&*tx)
    .await?;
    crate::open::publish(
        &*tx,
        &Who::system(),
        Change::new(
            "project.award",
            "project",
            project_id,
            Some(&serde_json::json!({"status": status.as_str()})),
            Some(&serde_json::json!({
                "status": to.as_str(), "award_id": award.id, "grant_id": grant.id,
                "winner": award.organization_name, "amount_fen": award.amount_fen,
            })),
        ),
        crate::open::Event::ProjectAwarded(project_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Lease name of the award job.
pub const JOB: &str = "procurement.award";

/// Awards every project whose challenge window has closed with no open
/// challenge, under the job lease. Returns the projects awarded by this call.
///
/// # Errors
/// The database's error (projects awarded before it stay awarded).
pub async fn award_due(db: &Db, holder: &str, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
    let work = async {
        let due = awards::Entity::find()
            .filter(awards::Column::Status.eq(AwardStatus::Notice))
            .filter(awards::Column::ChallengeUntil.lt(crate::clock::china_date(now)))
            .order_by_asc(awards::Column::NoticeAt)
            .all(db.conn())
            .await?;
        let mut awarded = Vec::new();
        for a in due {
            if finalize(db, a.project_id, now).await? {
                awarded.push(a.project_id);
            }
        }
        Ok(awarded)
    };
    Ok(crate::jobs::under_lease(db, JOB, holder, now, work)
        .await?
        .unwrap_or_default())
}

/// A bidder's own scores after the notice.
#[derive(Debug, Clone)]
pub struct OwnScores {
    /// The bidder's line of the published ranking (absent when its bid was
    /// not eligible).
    pub line: Option<SummaryLine>,
    /// Per non-price criterion.
    pub criteria: Vec<CriterionMarks>,
}

/// A bid's marks on one criterion.
#[derive(Debug, Clone)]
pub struct CriterionMarks {
    /// Index in the project's criteria.
    pub index: usize,
    /// Criterion.
    pub name: String,
    /// Its weight.
    pub weight: u32,
    /// Each expert's points and comment (panel order, experts unnamed).
    pub marks: Vec<(Points, String)>,
}

/// The caller's organization's scores on a project whose notice is published.
///
/// # Errors
/// `Forbidden` unless an org user; `NotFound` without a notice or a bid.
pub async fn own_scores(db: &Db, actor: &Actor, project_id: Uuid) -> Result<OwnScores> {
    policy::check(Some(actor), policy::Action::Apply)?;
    let org = actor
        .organization_id
        .ok_or_else(|| Error::forbidden("you belong to no organization"))?;
    let p = project_service::get(db, Some(actor), project_id).await?;
    let n = notice(db, Some(actor), project_id)
        .await?
        .ok_or(Error::NotFound("award notice"))?;
    let (_, entries) = bids::opening_record(db, project_id).await?;
    let entry = entries
        .iter()
        .find(|e| e.organization_id == org)
        .ok_or(Error::NotFound("bid"))?;
    let line = n.summary.iter().find(|l| l.bid_id == entry.bid_id).cloned();
    let rows = entity::scores::Entity::find()
        .filter(entity::scores::Column::ProjectId.eq(project_id))
        .filter(entity::scores::Column::BidId.eq(entry.bid_id))
        .all(db.conn())
        .await?;
    let criteria = p
        .criteria
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_price)
        .map(|(i, c)| {
            let index = i32::try_from(i).unwrap_or(i32::MAX);
            let by_expert = n
                .panel
                .iter()
                .filter_map(|m| {
                    rows.iter()
                        .find(|s| s.expert_id == m.expert_id && s.criterion_index == index)
                        .map(|s| (s.points, s.comment.clone()))
                })
                .collect();
            CriterionMarks {
                index: i,
                name: c.name.clone(),
                weight: c.weight,
                marks: by_expert,
            }
        })
        .collect();
    Ok(OwnScores { line, criteria })
}
