//! Public feedback on a grant's service.
//!
//! ```text
//! pending -> published | hidden      (the purchaser; hiding needs a reason)
//! published <-> hidden               (moderation can be revised, always audited)
//! ```
//!
//! Anyone, signed in or not, rates an active or completed grant 1 to 5 with
//! a comment; each client (by address, kept only as a hash) leaves at most
//! [`PER_HOUR`] pieces an hour, more get 429 with the seconds to wait. The
//! public sees published feedback; the funding department, auditors and
//! admins see all of it and its moderation.

use chrono::{DateTime, Duration, Utc};
use entity::{grant_feedback as feedback, grants};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::rules::Status;
use crate::audit::{self, Change, Who};
use crate::auth::{Actor, policy};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};
use crate::pagination::PageRequest;

/// Most feedback one client leaves in an hour.
pub const PER_HOUR: usize = 5;
/// Where a piece of feedback is: pending, published, hidden.
pub use entity::grant_feedback::Status as FeedbackStatus;

fn client_key(client: &str) -> String {
    hex::encode(Sha256::digest(format!("cogov-feedback:{client}")))
}

/// Leaves feedback on an active or completed grant.
///
/// # Errors
/// `NotFound`; `Conflict` for grants in other states; `Invalid` for a
/// rating outside 1-5 or an empty comment; `TooManyRequests` past the limit.
pub async fn leave(
    db: &Db,
    actor: Option<&Actor>,
    client: &str,
    grant_id: Uuid,
    rating: i16,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<feedback::Model> {
    let mut errors = Vec::new();
    if !(1..=5).contains(&rating) {
        errors.push(FieldError::new("rating", "rating_range", "rate 1 to 5"));
    }
    let comment = comment.trim();
    if comment.is_empty() || comment.chars().count() > 1000 {
        errors.push(FieldError::new(
            "comment",
            "length",
            "write 1 to 1000 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let g = grants::Entity::find_by_id(grant_id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("grant"))?;
    if !matches!(g.status, Status::Active | Status::Completed) {
        return Err(Error::Conflict {
            code: "wrong_state",
            message: "feedback is taken on active and completed grants".into(),
        });
    }
    let key = client_key(client);
    let since = now - Duration::hours(1);
    let recent = feedback::Entity::find()
        .filter(feedback::Column::ClientKey.eq(key.clone()))
        .filter(feedback::Column::CreatedAt.gt(since))
        .order_by_asc(feedback::Column::CreatedAt)
        .all(db.conn())
        .await?;
    if recent.len() >= PER_HOUR {
        let oldest = recent.first().map_or(now, |f| f.created_at);
        let wait = (oldest + Duration::hours(1) - now).num_seconds().max(1);
        return Err(Error::TooManyRequests {
            retry_after_secs: u64::try_from(wait).unwrap_or(3600),
        });
    }
    let f = feedback::Model {
        id: Uuid::now_v7(),
        grant_id,
        rating,
        comment: comment.to_owned(),
        client_key: key,
        status: FeedbackStatus::Pending,
        moderation_reason: None,
        moderated_by: None,
        moderated_at: None,
        created_at: now,
    };
    let tx = db.begin().await?;
    feedback::ActiveModel::from(f.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    let who = actor.map_or_else(
        || Who {
            user_id: None,
            role: "public".into(),
        },
        Actor::who,
    );
    audit::append(
        &*tx,
        &who,
        Change::new::<(), _>(
            "grant.feedback",
            "grant",
            grant_id,
            None,
            Some(&json!({"feedback_id": f.id, "rating": rating, "comment": f.comment})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// The purchaser publishes or hides a piece of feedback (hiding needs a reason).
///
/// # Errors
/// `NotFound`; `Forbidden` by role or department; `Invalid` for hiding
/// without a reason.
pub async fn moderate(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    publish: bool,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<feedback::Model> {
    let reason = reason.trim();
    if !publish && reason.is_empty() {
        return Err(Error::invalid(
            "reason",
            "reason_required",
            "say why it is hidden",
        ));
    }
    let tx = db.begin().await?;
    let f = feedback::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("feedback"))?;
    let g = grants::Entity::find_by_id(f.grant_id)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("feedback"))?;
    // The funding department moderates its grants' feedback.
    policy::own_department(actor, g.department_id)?;
    let after = feedback::Model {
        status: if publish {
            FeedbackStatus::Published
        } else {
            FeedbackStatus::Hidden
        },
        moderation_reason: (!reason.is_empty()).then(|| reason.to_owned()),
        moderated_by: Some(actor.user_id),
        moderated_at: Some(now),
        ..f.clone()
    };
    feedback::ActiveModel::from(after.clone())
        .reset_all()
        .update(&*tx)
        .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "grant.feedback_moderate",
            "grant",
            g.id,
            Some(&json!({"feedback_id": id, "status": f.status})),
            Some(&json!({"feedback_id": id, "status": after.status, "reason": after.moderation_reason})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Feedback on a grant, newest first, a page at a time: published for
/// everyone, all of it for the department, auditors and admins.
///
/// # Errors
/// `NotFound` for an unknown grant.
pub async fn of_grant(
    db: &Db,
    actor: Option<&Actor>,
    grant_id: Uuid,
    page: &PageRequest,
) -> Result<(Vec<feedback::Model>, Option<String>)> {
    let g = grants::Entity::find_by_id(grant_id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("grant"))?;
    let everything = policy::oversees(actor, g.department_id);
    let mut q = feedback::Entity::find()
        .filter(feedback::Column::GrantId.eq(grant_id))
        .order_by_desc(feedback::Column::Id);
    if !everything {
        q = q.filter(feedback::Column::Status.eq(FeedbackStatus::Published));
    }
    if let Some(after) = page.after {
        q = q.filter(feedback::Column::Id.lt(after));
    }
    let rows = q.limit(page.limit + 1).all(db.conn()).await?;
    Ok(page.finish(rows, |f| f.id))
}

/// Published feedback on a project's grants, newest first (for the project page).
///
/// # Errors
/// The database's error.
pub async fn published_for_project(db: &Db, project_id: Uuid) -> Result<Vec<feedback::Model>> {
    let ids: Vec<Uuid> = grants::Entity::find()
        .filter(grants::Column::ProjectId.eq(project_id))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    Ok(feedback::Entity::find()
        .filter(feedback::Column::GrantId.is_in(ids))
        .filter(feedback::Column::Status.eq(FeedbackStatus::Published))
        .order_by_desc(feedback::Column::Id)
        .all(db.conn())
        .await?)
}
