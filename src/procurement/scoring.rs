//! Score sheets (issue 5, third part). An active panel expert who may read
//! the bids ([`super::panels::may_read_bids`]) scores every eligible bid on
//! every non-price criterion, 0 up to the criterion's weight, with a
//! comment; edits until submitting the sheet; submission needs every score.
//! Scoring waits while the panel is below its size rule. Nobody sees another
//! expert's scores until every active expert has submitted; the purchaser
//! sees who has submitted. Then the ranking follows [`super::evaluation`].

use chrono::{DateTime, Utc};
use entity::{panel_members as members, scores};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::bids;
use super::evaluation::{self, Points, Ranked, Scored};
use super::panels;
use super::projects::{self, Project};
use super::rules::Status;
use crate::audit::{self, Change};
use crate::auth::{Actor, policy};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};

async fn seat(db: &Db, actor: &Actor, project_id: Uuid) -> Result<members::Model> {
    members::Entity::find()
        .filter(members::Column::ProjectId.eq(project_id))
        .filter(members::Column::ExpertId.eq(actor.user_id))
        .filter(members::Column::Status.eq(panels::SeatStatus::Active))
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("panel seat"))
}

/// The eligible bids of the opening record: (bid id, price, receipt time).
async fn eligible(db: &Db, project_id: Uuid) -> Result<Vec<bids::OpeningEntry>> {
    let (_, entries) = bids::opening_record(db, project_id).await?;
    Ok(entries.into_iter().filter(|e| e.eligible).collect())
}

async fn ready(db: &Db, actor: &Actor, p: &Project) -> Result<members::Model> {
    let seat = seat(db, actor, p.row.id).await?;
    if p.status != Status::Evaluating {
        return Err(Error::Conflict {
            code: "wrong_state",
            message: "scores are given while the project is being evaluated".into(),
        });
    }
    if !panels::may_read_bids(db, actor, p.row.id).await? {
        return Err(Error::Conflict {
            code: "declarations_missing",
            message: "declare about every bidder before scoring".into(),
        });
    }
    let active = panels::active_members(db.conn(), p.row.id).await?;
    if evaluation::check_panel(p.method, active.len()).is_err() {
        return Err(Error::Conflict {
            code: "panel_incomplete",
            message: "the panel is below its size rule; the purchaser must add experts first"
                .into(),
        });
    }
    if seat.sheet_submitted_at.is_some() {
        return Err(Error::Conflict {
            code: "sheet_submitted",
            message: "your score sheet is submitted and can no longer change".into(),
        });
    }
    Ok(seat)
}

/// One expert's mark of one bid on one criterion.
#[derive(Debug, Clone, Copy)]
pub struct Mark<'a> {
    /// The bid (of the opening record's eligible ones).
    pub bid_id: Uuid,
    /// The criterion, by its place among the project's non-price criteria.
    pub criterion_index: usize,
    /// Points, hundredths, 0 to the criterion's weight.
    pub points: Points,
    /// Why.
    pub comment: &'a str,
}

/// An expert scores one bid on one non-price criterion (again to change it).
///
/// # Errors
/// `NotFound` off the panel; `Conflict` (wrong state, missing declarations,
/// incomplete panel, submitted sheet); `Invalid` for an unknown bid or
/// criterion, points outside 0..weight, or an empty comment.
pub async fn score(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    mark: Mark<'_>,
    now: DateTime<Utc>,
) -> Result<scores::Model> {
    let Mark {
        bid_id,
        criterion_index,
        points,
        comment,
    } = mark;
    let p = projects::get(db, Some(actor), project_id).await?;
    ready(db, actor, &p).await?;
    if !eligible(db, project_id)
        .await?
        .iter()
        .any(|e| e.bid_id == bid_id)
    {
        return Err(Error::invalid(
            "bid_id",
            "not_eligible_bid",
            "score the eligible bids of the opening record",
        ));
    }
    let criterion = p
        .criteria
        .get(criterion_index)
        .filter(|c| !c.is_price)
        .ok_or_else(|| {
            Error::invalid(
                "criterion_index",
                "unknown_criterion",
                "choose a non-price criterion of the project",
            )
        })?;
    let max = Points::from(criterion.weight) * 100;
    if !(0..=max).contains(&points) {
        return Err(Error::invalid(
            "points",
            "points_range",
            format!(
                "points for `{}` are 0 to {}",
                criterion.name,
                evaluation::show(max)
            ),
        ));
    }
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(Error::invalid(
            "comment",
            "comment_required",
            "explain each score in a comment",
        ));
    }
    if comment.chars().count() > 2000 {
        return Err(Error::invalid(
            "comment",
            "length",
            "explain the score in at most 2000 characters",
        ));
    }
    let index = i32::try_from(criterion_index).unwrap_or(i32::MAX);
    let tx = db.begin().await?;
    let existing = scores::Entity::find()
        .filter(scores::Column::ProjectId.eq(project_id))
        .filter(scores::Column::ExpertId.eq(actor.user_id))
        .filter(scores::Column::BidId.eq(bid_id))
        .filter(scores::Column::CriterionIndex.eq(index))
        .one(&*tx)
        .await?;
    if let Some(same) = existing
        .as_ref()
        .filter(|e| e.points == points && e.comment == comment)
    {
        // Saving a sheet again writes only what changed.
        return Ok(same.clone());
    }
    let row = scores::Model {
        id: existing.as_ref().map_or_else(Uuid::now_v7, |e| e.id),
        project_id,
        expert_id: actor.user_id,
        bid_id,
        criterion_index: index,
        points,
        comment: comment.to_owned(),
        updated_at: now,
    };
    let am = scores::ActiveModel::from(row.clone()).reset_all();
    if existing.is_some() {
        am.update(&*tx).await?;
    } else {
        am.insert(&*tx).await?;
    }
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "score.set",
            "project",
            project_id,
            existing.as_ref().map(|e| serde_json::json!({"bid_id": bid_id, "criterion": index, "points": e.points})).as_ref(),
            Some(&serde_json::json!({"bid_id": bid_id, "criterion": index, "points": points, "comment": row.comment})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The expert's own scores on a project.
///
/// # Errors
/// `NotFound` off the panel.
pub async fn my_scores(db: &Db, actor: &Actor, project_id: Uuid) -> Result<Vec<scores::Model>> {
    seat(db, actor, project_id).await?;
    Ok(scores::Entity::find()
        .filter(scores::Column::ProjectId.eq(project_id))
        .filter(scores::Column::ExpertId.eq(actor.user_id))
        .order_by_asc(scores::Column::Id)
        .all(db.conn())
        .await?)
}

/// Submits the expert's sheet: every eligible bid scored on every non-price criterion.
///
/// # Errors
/// As [`score`]; `Invalid` naming each missing score.
pub async fn submit_sheet(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let p = projects::get(db, Some(actor), project_id).await?;
    let seat = ready(db, actor, &p).await?;
    let given = my_scores(db, actor, project_id).await?;
    let mut missing = Vec::new();
    for e in eligible(db, project_id).await? {
        for (i, c) in p.criteria.iter().enumerate().filter(|(_, c)| !c.is_price) {
            let index = i32::try_from(i).unwrap_or(i32::MAX);
            if !given
                .iter()
                .any(|s| s.bid_id == e.bid_id && s.criterion_index == index)
            {
                missing.push(FieldError::new(
                    "scores",
                    "score_missing",
                    format!("{} has no score for `{}`", e.organization_name, c.name),
                ));
            }
        }
    }
    if !missing.is_empty() {
        return Err(Error::Invalid(missing));
    }
    let tx = db.begin().await?;
    let hit = members::Entity::update_many()
        .set(members::ActiveModel {
            sheet_submitted_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(members::Column::Id.eq(seat.id))
        .filter(members::Column::SheetSubmittedAt.is_null())
        .exec(&*tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this score sheet")?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "score.submit_sheet",
            "project",
            project_id,
            None,
            Some(&serde_json::json!({"expert_id": actor.user_id})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Progress of a panel: each active expert and whether the sheet is in.
/// For the department, its experts, auditors and admins.
///
/// # Errors
/// `NotFound` for anyone else.
pub async fn progress(db: &Db, actor: &Actor, project_id: Uuid) -> Result<Vec<(Uuid, bool)>> {
    let all = panels::panel_of(db, actor, project_id).await?;
    Ok(all
        .into_iter()
        .filter(|m| m.status == panels::SeatStatus::Active)
        .map(|m| (m.expert_id, m.sheet_submitted_at.is_some()))
        .collect())
}

/// The ranking, once every active expert has submitted: for the department,
/// the panel's experts, auditors and admins.
///
/// # Errors
/// `NotFound` for others; `Conflict` while sheets are missing.
pub async fn ranking(db: &Db, actor: &Actor, project_id: Uuid) -> Result<Vec<Ranked<Uuid>>> {
    let sheets = progress(db, actor, project_id).await?;
    let expert = policy::may(Some(actor), policy::Action::ReadOwnPanels);
    if expert && !sheets.iter().any(|(e, _)| *e == actor.user_id) {
        return Err(Error::NotFound("panel"));
    }
    if sheets.is_empty() || sheets.iter().any(|(_, done)| !done) {
        return Err(Error::Conflict {
            code: "sheets_missing",
            message: "scores are shown once every expert has submitted".into(),
        });
    }
    let p = projects::get(db, Some(actor), project_id).await?;
    rank_project(db, &p, sheets.iter().map(|(e, _)| *e).collect()).await
}

/// Ranks the eligible bids of a project by the scores of `experts` (the
/// caller has checked access and that their sheets are in).
///
/// # Errors
/// The database's error.
pub(super) async fn rank_project(
    db: &Db,
    p: &Project,
    experts: Vec<Uuid>,
) -> Result<Vec<Ranked<Uuid>>> {
    let project_id = p.row.id;
    let price_weight = p
        .criteria
        .iter()
        .find(|c| c.is_price)
        .map_or(0, |c| c.weight);
    let all = scores::Entity::find()
        .filter(scores::Column::ProjectId.eq(project_id))
        .filter(scores::Column::ExpertId.is_in(experts.clone()))
        .all(db.conn())
        .await?;
    let bids: Vec<Scored<Uuid>> = eligible(db, project_id)
        .await?
        .into_iter()
        .map(|e| Scored {
            key: e.bid_id,
            price_fen: e.price_fen,
            submitted_at: e.submitted_at,
            expert_sums: experts
                .iter()
                .map(|x| {
                    all.iter()
                        .filter(|s| s.expert_id == *x && s.bid_id == e.bid_id)
                        .map(|s| s.points)
                        .sum()
                })
                .collect(),
        })
        .collect();
    Ok(evaluation::rank(&bids, price_weight))
}
