//! Credit records and evaluation grades.
//!
//! Credit records: `abnormal` (活动异常名录) and `dishonest` (严重违法失信名单),
//! each with a ground and a start date, open until lifted with a date and a
//! reason. Registrars list and lift; the daily job (see [`super::jobs`])
//! lists organizations whose annual report is overdue as abnormal and those
//! abnormal for 2 years as dishonest. The organization row keeps the worst
//! open kind (`credit_status`) so the public search can filter on it.
//!
//! Grades 1A-5A: awarded by a registrar with an award date, valid 5 years,
//! only to organizations registered for 2 full years.

use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::{credit_records, grades, organizations};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::organizations::{self as orgs, Status};
use crate::audit::{self, Change, Who};
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::notifications;

pub use entity::credit_records::Kind;
pub use entity::organizations::CreditStatus;

/// A listing to record.
#[derive(Debug, Clone)]
pub struct Listing {
    /// Listed organization.
    pub organization_id: Uuid,
    /// Kind.
    pub kind: Kind,
    /// Ground, for a person.
    pub ground: String,
    /// The job's key for the ground (at most one record per key and organization).
    pub ground_key: Option<String>,
    /// First day.
    pub started_on: NaiveDate,
}

fn record_snapshot(r: &credit_records::Model) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "organization_id": r.organization_id, "kind": r.kind,
        "ground": r.ground, "ground_key": r.ground_key, "started_on": r.started_on,
        "lifted_on": r.lifted_on, "lift_reason": r.lift_reason,
    })
}

/// The worst kind among open records: what `organizations.credit_status` holds.
#[must_use]
pub fn worst(open_kinds: impl IntoIterator<Item = Kind>) -> CreditStatus {
    let mut worst = CreditStatus::None;
    for k in open_kinds {
        match k {
            Kind::Dishonest => return CreditStatus::Dishonest,
            Kind::Abnormal => worst = CreditStatus::Abnormal,
        }
    }
    worst
}

async fn refresh_status<C: ConnectionTrait>(
    tx: &C,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let open = credit_records::Entity::find()
        .filter(credit_records::Column::OrganizationId.eq(organization_id))
        .filter(credit_records::Column::LiftedOn.is_null())
        .all(tx)
        .await?;
    let status = worst(open.iter().map(|r| r.kind));
    organizations::ActiveModel {
        id: Set(organization_id),
        credit_status: Set(status),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx)
    .await?;
    Ok(())
}

/// Records a listing inside the caller's transaction, with its audit entry.
/// A listing whose `ground_key` the organization already has is not recorded
/// again; `None` then.
///
/// # Errors
/// The database's error.
pub async fn list_in_tx<C: ConnectionTrait>(
    tx: &C,
    who: &Who,
    listing: Listing,
    now: DateTime<Utc>,
) -> Result<Option<credit_records::Model>> {
    if let Some(key) = &listing.ground_key {
        let exists = credit_records::Entity::find()
            .filter(credit_records::Column::OrganizationId.eq(listing.organization_id))
            .filter(credit_records::Column::GroundKey.eq(key.clone()))
            .one(tx)
            .await?
            .is_some();
        if exists {
            return Ok(None);
        }
    }
    let model = credit_records::Model {
        id: Uuid::now_v7(),
        organization_id: listing.organization_id,
        kind: listing.kind,
        ground: listing.ground,
        ground_key: listing.ground_key,
        started_on: listing.started_on,
        lifted_on: None,
        lift_reason: None,
        created_by: who.user_id,
        created_at: now,
        updated_at: now,
    };
    credit_records::ActiveModel::from(model.clone())
        .reset_all()
        .insert(tx)
        .await?;
    audit::append(
        tx,
        who,
        Change::new::<(), _>(
            "credit_record.create",
            "credit_record",
            model.id,
            None,
            Some(&record_snapshot(&model)),
        ),
        now,
    )
    .await?;
    refresh_status(tx, model.organization_id, now).await?;
    tell_organization(
        tx,
        model.organization_id,
        notifications::Kind::CreditListed,
        format!("credit_record:{}:listed", model.id),
        notifications::Params {
            outcome: Some(model.kind.as_str().to_owned()),
            note: Some(model.ground.clone()),
            ..notifications::Params::default()
        },
        now,
    )
    .await?;
    Ok(Some(model))
}

/// Tells an organization's admins of a decision about its standing, in
/// the decision's transaction.
async fn tell_organization<C: ConnectionTrait>(
    tx: &C,
    organization_id: Uuid,
    kind: notifications::Kind,
    key: String,
    params: notifications::Params,
    now: DateTime<Utc>,
) -> Result<()> {
    let org = orgs::get(tx, organization_id).await?;
    let admins = notifications::organization_users(tx, organization_id, true).await?;
    let params = notifications::Params {
        subject: org.name,
        ..params
    };
    notifications::tell(
        tx,
        &admins,
        kind,
        key,
        format!("/registry/{organization_id}"),
        params,
        now,
    )
    .await?;
    Ok(())
}

/// A registrar lists an organization.
///
/// # Errors
/// `Forbidden`; `NotFound`; `Invalid` without a ground or with a start date
/// in the future.
pub async fn add(
    db: &Db,
    actor: &Actor,
    organization_id: Uuid,
    kind: Kind,
    ground: &str,
    started_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<credit_records::Model> {
    policy::check(Some(actor), Action::Register)?;
    let ground = ground.trim();
    if ground.is_empty() || ground.chars().count() > 1000 {
        return Err(Error::invalid(
            "ground",
            "ground_required",
            "a listing needs a ground of 1 to 1000 characters",
        ));
    }
    if started_on > crate::clock::china_date(now) {
        return Err(Error::invalid(
            "started_on",
            "future_date",
            "a listing cannot start in the future",
        ));
    }
    let tx = db.begin().await?;
    orgs::get(&*tx, organization_id).await?;
    let listing = Listing {
        organization_id,
        kind,
        ground: ground.to_owned(),
        ground_key: None,
        started_on,
    };
    let record = list_in_tx(&*tx, &actor.who(), listing, now)
        .await?
        .ok_or_else(|| Error::Internal("a listing without a key was not recorded".into()))?;
    tx.commit().await?;
    Ok(record)
}

/// A registrar lifts an open record.
///
/// # Errors
/// `Forbidden`; `NotFound`; `Conflict` when already lifted; `Invalid`
/// without a reason or with a date before the listing or in the future.
pub async fn lift(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    lifted_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<credit_records::Model> {
    policy::check(Some(actor), Action::Register)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(
            "reason",
            "reason_required",
            "lifting a listing needs a reason",
        ));
    }
    let tx = db.begin().await?;
    let before = credit_records::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("credit record"))?;
    if before.lifted_on.is_some() {
        return Err(Error::Conflict {
            code: "already_lifted",
            message: "this listing has already been lifted".into(),
        });
    }
    if lifted_on < before.started_on || lifted_on > crate::clock::china_date(now) {
        return Err(Error::invalid(
            "lifted_on",
            "bad_date",
            "a listing is lifted between its start and today",
        ));
    }
    let after = credit_records::Model {
        lifted_on: Some(lifted_on),
        lift_reason: Some(reason.to_owned()),
        updated_at: now,
        ..before.clone()
    };
    let hit = credit_records::Entity::update_many()
        .set(credit_records::ActiveModel {
            lifted_on: Set(after.lifted_on),
            lift_reason: Set(after.lift_reason.clone()),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(credit_records::Column::Id.eq(id))
        .filter(credit_records::Column::LiftedOn.is_null())
        .exec(&*tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this credit record")?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "credit_record.lift",
            "credit_record",
            id,
            Some(&record_snapshot(&before)),
            Some(&record_snapshot(&after)),
        ),
        now,
    )
    .await?;
    refresh_status(&*tx, after.organization_id, now).await?;
    tell_organization(
        &*tx,
        after.organization_id,
        notifications::Kind::CreditLifted,
        format!("credit_record:{id}:lifted"),
        notifications::Params {
            outcome: Some(after.kind.as_str().to_owned()),
            note: Some(reason.to_owned()),
            ..notifications::Params::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// An organization's credit records, newest first. Public: the lists are
/// published.
///
/// # Errors
/// The database's error.
pub async fn records_of<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> Result<Vec<credit_records::Model>> {
    Ok(credit_records::Entity::find()
        .filter(credit_records::Column::OrganizationId.eq(organization_id))
        .order_by_desc(credit_records::Column::StartedOn)
        .order_by_desc(credit_records::Column::Id)
        .all(conn)
        .await?)
}

/// An organization's grade (1-5) if it is still valid on `today`.
#[must_use]
pub fn current_grade(o: &organizations::Model, today: NaiveDate) -> Option<i16> {
    o.grade
        .filter(|_| o.grade_valid_until.is_some_and(|until| until >= today))
}

/// The last day a grade awarded on `awarded_on` is valid (5 years).
#[must_use]
pub fn grade_valid_until(awarded_on: NaiveDate) -> NaiveDate {
    awarded_on
        .checked_add_months(Months::new(60))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// True when an organization registered on `registered_on` has been
/// registered for 2 full years on `on`.
#[must_use]
pub fn may_be_graded(registered_on: NaiveDate, on: NaiveDate) -> bool {
    registered_on
        .checked_add_months(Months::new(24))
        .is_some_and(|two_years| two_years <= on)
}

/// A registrar awards a grade (1-5 for 1A-5A).
///
/// # Errors
/// `Forbidden`; `NotFound`; `Conflict` unless active; `Invalid` for a grade
/// outside 1-5, a future date, or an organization not registered 2 full years.
pub async fn award_grade(
    db: &Db,
    actor: &Actor,
    organization_id: Uuid,
    grade: i16,
    awarded_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<grades::Model> {
    policy::check(Some(actor), Action::Register)?;
    if !(1..=5).contains(&grade) {
        return Err(Error::invalid(
            "grade",
            "unknown_grade",
            "grade must be 1 to 5 (1A to 5A)",
        ));
    }
    if awarded_on > crate::clock::china_date(now) {
        return Err(Error::invalid(
            "awarded_on",
            "future_date",
            "a grade cannot be awarded in the future",
        ));
    }
    let tx = db.begin().await?;
    let before = orgs::get(&*tx, organization_id).await?;
    if before.status != Status::Active {
        return Err(Error::Conflict {
            code: "wrong_state",
            message: format!("an organization that is {} cannot be graded", before.status),
        });
    }
    let registered = before.registered_on.unwrap_or(awarded_on);
    if !may_be_graded(registered, awarded_on) {
        return Err(Error::invalid(
            "awarded_on",
            "grade_too_early",
            "only organizations registered for 2 full years can be graded",
        ));
    }
    let model = grades::Model {
        id: Uuid::now_v7(),
        organization_id,
        grade,
        awarded_on,
        valid_until: grade_valid_until(awarded_on),
        created_by: Some(actor.user_id),
        created_at: now,
    };
    grades::ActiveModel::from(model.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    if before.grade_awarded_on.is_none_or(|d| d <= awarded_on) {
        organizations::ActiveModel {
            id: Set(organization_id),
            grade: Set(Some(grade)),
            grade_awarded_on: Set(Some(awarded_on)),
            grade_valid_until: Set(Some(model.valid_until)),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&*tx)
        .await?;
    }
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "grade.award",
            "grade",
            model.id,
            None,
            Some(&serde_json::json!({
                "organization_id": organization_id, "grade": grade,
                "awarded_on": awarded_on, "valid_until": model.valid_until,
            })),
        ),
        now,
    )
    .await?;
    tell_organization(
        &*tx,
        organization_id,
        notifications::Kind::GradeAwarded,
        format!("grade:{}:awarded", model.id),
        notifications::Params {
            outcome: Some(grade.to_string()),
            ..notifications::Params::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(model)
}

/// An organization's grades, newest first. Public.
///
/// # Errors
/// The database's error.
pub async fn grades_of<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> Result<Vec<grades::Model>> {
    Ok(grades::Entity::find()
        .filter(grades::Column::OrganizationId.eq(organization_id))
        .order_by_desc(grades::Column::AwardedOn)
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_worst_open_record_sets_the_status() {
        assert_eq!(worst([]), CreditStatus::None);
        assert_eq!(worst([Kind::Abnormal]), CreditStatus::Abnormal);
        assert_eq!(
            worst([Kind::Abnormal, Kind::Dishonest, Kind::Abnormal]),
            CreditStatus::Dishonest
        );
    }

    #[test]
    fn grades_last_five_years_and_need_two_full_years_of_registration() {
        assert_eq!(grade_valid_until(d("2026-03-15")), d("2031-03-14"));
        assert_eq!(grade_valid_until(d("2024-02-29")), d("2029-02-27"));
        assert!(may_be_graded(d("2024-11-23"), d("2026-11-23")));
        assert!(!may_be_graded(d("2024-11-24"), d("2026-11-23")));
    }
}
