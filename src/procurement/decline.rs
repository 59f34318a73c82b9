//! What the purchaser does after a grant's winner declined it: offer the
//! grant to the next ranked bidder of the award notice, or fail the project.
//! Both are project decisions (they change the award's outcome), made from
//! the declined grant; the grant itself is the grants area's.

use chrono::{DateTime, Utc};
use entity::grants;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::Change;
use crate::auth::{Actor, policy};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::grants::rules::Status;
use crate::grants::service::{Grant, Winner, create, get, locked, reason_text};

/// After the winner declined, the purchaser offers the grant to the next
/// ranked bidder of the award notice that has not declined it.
///
/// # Errors
/// `Forbidden` by role or department; `Conflict` unless the grant was
/// declined and it is the project's latest, or when no ranked bidder is left.
pub async fn award_next(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<Grant> {
    let tx = db.begin().await?;
    let (row, status) = locked(&*tx, id).await?;
    policy::own_department(actor, row.department_id)?;
    let (project, tried) = after_decline(&*tx, &row, status).await?;
    let award = entity::awards::Entity::find_by_id(row.award_id)
        .one(&*tx)
        .await?
        .ok_or_else(|| Error::Internal(format!("grant {id} has no award")))?;
    let summary: Vec<super::award::SummaryLine> = serde_json::from_str(&award.summary)
        .map_err(|_| Error::Internal(format!("award {} has a bad summary", award.id)))?;
    let next = summary
        .iter()
        .find(|l| !tried.contains(&l.organization_id))
        .ok_or_else(|| Error::Conflict {
            code: "no_next_bidder",
            message: "every ranked bidder has been offered the grant; fail the project".into(),
        })?;
    let winner = Winner {
        award_id: award.id,
        bid_id: next.bid_id,
        organization_id: next.organization_id,
        amount_fen: next.price_fen,
    };
    let g = create(&*tx, &winner, &project, now).await?;
    crate::open::publish(
        &*tx,
        &actor.who(),
        Change::new(
            "project.award_next",
            "project",
            project.id,
            Some(&json!({"declined_grant_id": id})),
            Some(&json!({
                "grant_id": g.id, "rank": next.rank, "organization_id": next.organization_id,
                "organization_name": next.organization_name, "amount_fen": next.price_fen,
            })),
        ),
        crate::open::Event::AwardNext(project.id),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, Some(actor), g.id).await
}

/// After the winner declined, the purchaser fails the project instead.
///
/// # Errors
/// As [`award_next`]; `Invalid` without a reason.
pub async fn fail_project(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    use super::rules::{Action as P, Status as S, transition};
    let reason = reason_text("reason", reason)?;
    let tx = db.begin().await?;
    let (row, status) = locked(&*tx, id).await?;
    policy::own_department(actor, row.department_id)?;
    let (project, _) = after_decline(&*tx, &row, status).await?;
    let from: S = project.status;
    let to = transition(from, P::Fail)?;
    entity::projects::ActiveModel::from(entity::projects::Model {
        status: to,
        status_reason: Some(reason.clone()),
        updated_at: now,
        ..project.clone()
    })
    .reset_all()
    .update(&*tx)
    .await?;
    crate::open::publish(
        &*tx,
        &actor.who(),
        Change::new(
            "project.fail_after_decline",
            "project",
            project.id,
            Some(&json!({"status": from.as_str()})),
            Some(&json!({"status": to.as_str(), "status_reason": reason, "declined_grant_id": id})),
        ),
        crate::open::Event::ProjectFailed(project.id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks that `row` was declined and is its project's latest grant;
/// returns the project (locked) and the organizations already offered it.
async fn after_decline<C: ConnectionTrait>(
    tx: &C,
    row: &grants::Model,
    status: Status,
) -> Result<(entity::projects::Model, Vec<Uuid>)> {
    let project = entity::projects::Entity::find_by_id(row.project_id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(Error::NotFound("grant"))?;
    let all = grants::Entity::find()
        .filter(grants::Column::ProjectId.eq(row.project_id))
        .order_by_desc(grants::Column::Id)
        .all(tx)
        .await?;
    let latest = all.first().map(|g| g.id) == Some(row.id);
    if status != Status::Declined || !latest || project.status != entity::projects::Status::Awarded
    {
        return Err(Error::Conflict {
            code: "not_declined",
            message: "this applies to the project's latest grant after its winner declined".into(),
        });
    }
    Ok((project, all.iter().map(|g| g.organization_id).collect()))
}
