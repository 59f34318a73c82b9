//! Evaluation panels and conflict-of-interest declarations (issue 5, first
//! part).
//!
//! The purchaser assigns experts (accounts with the expert role) to a
//! project of their department before the award; the active panel must be an
//! odd number, at least 3 (5 for a public tender). Experts see only projects
//! they sit on. After the opening, each expert declares for every bidder of
//! the opening record "no conflict" or "conflict" with a reason; a conflict
//! excludes the expert from the project (audited). Only an active expert who
//! has declared no conflict for every bidder may read the bids
//! ([`may_read_bids`]).

use chrono::{DateTime, Utc};
use entity::{conflict_declarations as declarations, panel_members as members, users};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::bids;
use super::evaluation::check_panel;
use super::projects::{self, Project};
use super::rules::Status;
use crate::audit::{self, Change};
use crate::auth::policy;
use crate::auth::{Actor, Role};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};
use crate::pagination::PageRequest;

/// Whether an expert sits on a panel: sitting, or excluded.
pub use entity::panel_members::Status as SeatStatus;

/// The active members of a panel.
///
/// # Errors
/// The database's error.
pub async fn active_members<C: ConnectionTrait>(
    conn: &C,
    project_id: Uuid,
) -> Result<Vec<members::Model>> {
    Ok(members::Entity::find()
        .filter(members::Column::ProjectId.eq(project_id))
        .filter(members::Column::Status.eq(SeatStatus::Active))
        .order_by_asc(members::Column::Id)
        .all(conn)
        .await?)
}

/// Whether `actor` may name experts to `p`'s panel now: its department's
/// purchaser, until the award is proposed.
///
/// # Errors
/// `Forbidden` by department; `Conflict` in a later state.
pub fn may_assign(actor: &Actor, p: &Project) -> Result<()> {
    policy::own_department(actor, p.row.department_id)?;
    if matches!(p.status, Status::Draft | Status::Open | Status::Evaluating) {
        Ok(())
    } else {
        Err(Error::Conflict {
            code: "wrong_state",
            message: format!(
                "the panel of a project that is {} cannot change",
                p.status.as_str()
            ),
        })
    }
}

/// The purchaser adds experts; the resulting panel must meet the method's size rule.
///
/// # Errors
/// `Forbidden` by department; `Conflict` once the award is proposed;
/// `Invalid` for accounts that are not active experts, or a panel size the
/// method does not allow.
pub async fn assign(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    experts: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<members::Model>> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let p = projects::get(db, Some(actor), project_id).await?;
    may_assign(actor, &p)?;
    let tx = db.begin().await?;
    let mut added = Vec::new();
    for (i, expert) in experts.iter().enumerate() {
        let user = users::Entity::find_by_id(*expert).one(&*tx).await?;
        if !user
            .as_ref()
            .is_some_and(|u| u.active && u.role == Role::Expert.as_str())
        {
            return Err(Error::invalid(
                &format!("experts[{i}]"),
                "not_an_expert",
                "this account is not an active expert",
            ));
        }
        let existing = members::Entity::find()
            .filter(members::Column::ProjectId.eq(project_id))
            .filter(members::Column::ExpertId.eq(*expert))
            .one(&*tx)
            .await?;
        match existing {
            Some(m) if m.status == SeatStatus::Active => continue,
            Some(_) => {
                return Err(Error::invalid(
                    &format!("experts[{i}]"),
                    "expert_excluded",
                    "this expert declared a conflict on this project",
                ));
            }
            None => {}
        }
        let m = members::Model {
            id: Uuid::now_v7(),
            project_id,
            expert_id: *expert,
            status: SeatStatus::Active,
            added_by: actor.user_id,
            added_at: now,
            excluded_at: None,
            exclusion_reason: None,
            sheet_submitted_at: None,
        };
        members::ActiveModel::from(m.clone())
            .reset_all()
            .insert(&*tx)
            .await?;
        audit::append(
            &*tx,
            &actor.who(),
            Change::new::<(), _>(
                "panel.assign",
                "project",
                project_id,
                None,
                Some(&serde_json::json!({"expert_id": expert})),
            ),
            now,
        )
        .await?;
        added.push(m);
    }
    // Counted after the inserts, not read before them: a naming alongside
    // may have seated some of these experts meanwhile (they were skipped
    // above), and the panel's size is what the table now holds.
    let seated = active_members(&*tx, project_id).await?.len();
    check_panel(p.method, seated).map_err(|e| Error::Invalid(vec![e]))?;
    let newly = crate::notifications::users_by_id(&*tx, added.iter().map(|m| m.expert_id)).await?;
    crate::notifications::tell(
        &*tx,
        &newly,
        crate::notifications::Kind::PanelSeat,
        format!("project:{project_id}:seat"),
        format!("/projects/{project_id}/evaluation"),
        crate::notifications::Params::about(p.row.title.clone()),
        now,
    )
    .await?;
    tx.commit().await?;
    active_members(db.conn(), project_id).await
}

/// A project's panel (active and excluded members), for its department,
/// its experts, auditors and admins.
///
/// # Errors
/// `NotFound` for anyone else.
pub async fn panel_of(db: &Db, actor: &Actor, project_id: Uuid) -> Result<Vec<members::Model>> {
    let p = projects::get(db, Some(actor), project_id).await?;
    let all = members::Entity::find()
        .filter(members::Column::ProjectId.eq(project_id))
        .order_by_asc(members::Column::Id)
        .all(db.conn())
        .await?;
    let sits = all.iter().any(|m| m.expert_id == actor.user_id);
    if sits || policy::oversees(Some(actor), p.row.department_id) {
        Ok(all)
    } else {
        Err(Error::NotFound("panel"))
    }
}

/// Active expert accounts a purchaser may put on a panel: (id, name, e-mail).
///
/// # Errors
/// `Forbidden` unless a purchaser.
pub async fn expert_pool(db: &Db, actor: &Actor) -> Result<Vec<(Uuid, String, String)>> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    Ok(users::Entity::find()
        .filter(users::Column::Role.eq(Role::Expert.as_str()))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::DisplayName)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name, u.email))
        .collect())
}

/// Active experts, ids and names only, a page at a time in id order, those
/// whose name contains `q` when given: what a purchaser (or an admin) needs
/// to compose a panel through the API.
///
/// # Errors
/// `Forbidden` unless a purchaser or an admin.
pub async fn experts(
    db: &Db,
    actor: &Actor,
    q: Option<&str>,
    page: &PageRequest,
) -> Result<(Vec<(Uuid, String)>, Option<String>)> {
    policy::check(Some(actor), policy::Action::ReadExperts)?;
    let mut query = users::Entity::find()
        .filter(users::Column::Role.eq(Role::Expert.as_str()))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Id);
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(crate::text::contains(users::Column::DisplayName, q));
    }
    if let Some(after) = page.after {
        query = query.filter(users::Column::Id.gt(after));
    }
    let rows = query
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::DisplayName)
        .limit(page.limit + 1)
        .into_tuple::<(Uuid, String)>()
        .all(db.conn())
        .await?;
    Ok(page.finish(rows, |(id, _)| *id))
}

/// The names of panel members, in their order.
///
/// # Errors
/// The database's error.
pub async fn names(db: &Db, seats: &[members::Model]) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(seats.len());
    for m in seats {
        let user = users::Entity::find_by_id(m.expert_id)
            .one(db.conn())
            .await?;
        out.push(user.map_or_else(String::new, |u| u.display_name));
    }
    Ok(out)
}

/// The actor's declarations on a project.
///
/// # Errors
/// The database's error.
pub async fn my_declarations(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
) -> Result<Vec<declarations::Model>> {
    Ok(declarations::Entity::find()
        .filter(declarations::Column::ProjectId.eq(project_id))
        .filter(declarations::Column::ExpertId.eq(actor.user_id))
        .order_by_asc(declarations::Column::Id)
        .all(db.conn())
        .await?)
}

/// An expert's choice about one bidder on the declaration form: `None`
/// while undecided. Nothing is ever chosen for the expert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The bidder.
    pub organization_id: Uuid,
    /// `Some(true)` conflict, `Some(false)` no conflict, `None` undecided.
    pub conflict: Option<bool>,
    /// What the conflict is (required with one).
    pub reason: String,
}

/// The names of the bidders still to declare about (`pending`: id and name
/// of each bidder not declared yet) that `choices` leaves undecided, in the
/// opening record's order.
#[must_use]
pub fn undecided(pending: &[(Uuid, String)], choices: &[Choice]) -> Vec<String> {
    pending
        .iter()
        .filter(|(org, _)| {
            !choices
                .iter()
                .any(|c| c.organization_id == *org && c.conflict.is_some())
        })
        .map(|(_, name)| name.clone())
        .collect()
}

/// Declares about every bidder not declared yet, each explicitly: refused,
/// with nothing saved, when any is left undecided (the error names them) or
/// a conflict has no reason. No-conflict declarations are saved first; a
/// conflict ends the seat, so nothing after it is declared.
///
/// # Errors
/// `Invalid` on `declarations` naming the undecided bidders, or on `reason`;
/// as [`declare`].
pub async fn declare_all(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    mut choices: Vec<Choice>,
    now: DateTime<Utc>,
) -> Result<()> {
    let made = my_declarations(db, actor, project_id).await?;
    let (_, entries) = bids::opening_record(db, project_id).await?;
    let pending: Vec<(Uuid, String)> = entries
        .into_iter()
        .filter(|e| !made.iter().any(|d| d.organization_id == e.organization_id))
        .map(|e| (e.organization_id, e.organization_name))
        .collect();
    let open = undecided(&pending, &choices);
    let mut errors = Vec::new();
    if !open.is_empty() {
        errors.push(FieldError::new(
            "declarations",
            "undecided",
            format!(
                "choose conflict or no conflict for every bidder; undecided: {}",
                open.join(", ")
            ),
        ));
    }
    if choices
        .iter()
        .any(|c| c.conflict == Some(true) && c.reason.trim().is_empty())
    {
        errors.push(FieldError::new(
            "reason",
            "reason_required",
            "say what the conflict is",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    choices.retain(|c| pending.iter().any(|(org, _)| *org == c.organization_id));
    choices.sort_by_key(|c| c.conflict);
    for c in choices {
        let conflict = c.conflict == Some(true);
        let reason = c.reason.trim();
        declare(
            db,
            actor,
            project_id,
            c.organization_id,
            conflict,
            (!reason.is_empty()).then_some(reason),
            now,
        )
        .await?;
        if conflict {
            break;
        }
    }
    Ok(())
}

/// Projects an expert sits on (actively), latest seat first. A page may
/// hold fewer than `limit` when a seat's project is not visible (a draft);
/// follow the cursor all the same.
///
/// # Errors
/// `Forbidden` unless an expert.
pub async fn my_projects(
    db: &Db,
    actor: &Actor,
    page: &PageRequest,
) -> Result<(Vec<Project>, Option<String>)> {
    policy::check(Some(actor), policy::Action::ReadOwnPanels)?;
    let mut q = members::Entity::find()
        .filter(members::Column::ExpertId.eq(actor.user_id))
        .filter(members::Column::Status.eq(SeatStatus::Active))
        .order_by_desc(members::Column::Id);
    if let Some(after) = page.after {
        q = q.filter(members::Column::Id.lt(after));
    }
    let rows = q.limit(page.limit + 1).all(db.conn()).await?;
    let (seats, next) = page.finish(rows, |m| m.id);
    // The page's projects in one query, listed in seat order.
    let by_id: std::collections::HashMap<Uuid, entity::projects::Model> =
        entity::projects::Entity::find()
            .filter(entity::projects::Column::Id.is_in(seats.iter().map(|m| m.project_id)))
            .all(db.conn())
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let mut out = Vec::new();
    for m in seats {
        let Some(row) = by_id.get(&m.project_id).cloned() else {
            continue;
        };
        let p = projects::Project::from_row(row)?;
        // Drafts are the department's own until published.
        if p.status != crate::procurement::rules::Status::Draft
            || crate::auth::policy::sees_draft(Some(actor), p.row.department_id).is_ok()
        {
            out.push(p);
        }
    }
    Ok((out, next))
}

/// An active panel expert declares about one bidder of the opening record.
/// A conflict excludes the expert from the project.
///
/// # Errors
/// `NotFound` unless the actor sits on the panel; `Conflict` before the
/// opening or when already declared; `Invalid` for an organization that is
/// not a bidder, or a conflict without a reason.
pub async fn declare(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    organization_id: Uuid,
    conflict: bool,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<declarations::Model> {
    let tx = db.begin().await?;
    let member = members::Entity::find()
        .filter(members::Column::ProjectId.eq(project_id))
        .filter(members::Column::ExpertId.eq(actor.user_id))
        .filter(members::Column::Status.eq(SeatStatus::Active))
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("panel seat"))?;
    let (_, entries) = bids::opening_record(db, project_id)
        .await
        .map_err(|_| Error::Conflict {
            code: "not_opened",
            message: "declarations are made once the bids are opened and the bidders known".into(),
        })?;
    if !entries.iter().any(|e| e.organization_id == organization_id) {
        return Err(Error::invalid(
            "organization_id",
            "not_a_bidder",
            "this organization did not bid on the project",
        ));
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if conflict && reason.is_none() {
        return Err(Error::invalid(
            "reason",
            "reason_required",
            "say what the conflict is",
        ));
    }
    let exists = declarations::Entity::find()
        .filter(declarations::Column::ProjectId.eq(project_id))
        .filter(declarations::Column::ExpertId.eq(actor.user_id))
        .filter(declarations::Column::OrganizationId.eq(organization_id))
        .one(&*tx)
        .await?
        .is_some();
    if exists {
        return Err(Error::Conflict {
            code: "already_declared",
            message: "you have declared about this bidder".into(),
        });
    }
    let d = declarations::Model {
        id: Uuid::now_v7(),
        project_id,
        expert_id: actor.user_id,
        organization_id,
        conflict,
        reason: reason.map(str::to_owned),
        declared_at: now,
    };
    declarations::ActiveModel::from(d.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "panel.declare",
            "project",
            project_id,
            None,
            Some(&serde_json::json!({"organization_id": organization_id, "conflict": conflict, "reason": d.reason})),
        ),
        now,
    )
    .await?;
    // The seat is given up once, however many conflicts are declared at once.
    let excluded = conflict
        && members::Entity::update_many()
            .set(members::ActiveModel {
                status: Set(SeatStatus::Excluded),
                excluded_at: Set(Some(now)),
                exclusion_reason: Set(d.reason.clone()),
                ..Default::default()
            })
            .filter(members::Column::Id.eq(member.id))
            .filter(members::Column::Status.eq(SeatStatus::Active))
            .exec(&*tx)
            .await?
            .rows_affected
            == 1;
    if excluded {
        audit::append(
            &*tx,
            &actor.who(),
            Change::new(
                "panel.exclude",
                "project",
                project_id,
                Some(&serde_json::json!({"expert_id": actor.user_id, "status": SeatStatus::Active})),
                Some(&serde_json::json!({"expert_id": actor.user_id, "status": SeatStatus::Excluded, "reason": d.reason})),
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(d)
}

/// Whether an expert may read the bids of a project: an active member who
/// has declared no conflict for every bidder of the opening record.
///
/// # Errors
/// The database's error.
pub async fn may_read_bids(db: &Db, actor: &Actor, project_id: Uuid) -> Result<bool> {
    if !policy::may(Some(actor), policy::Action::ReadOwnPanels) {
        return Ok(false);
    }
    let seated = members::Entity::find()
        .filter(members::Column::ProjectId.eq(project_id))
        .filter(members::Column::ExpertId.eq(actor.user_id))
        .filter(members::Column::Status.eq(SeatStatus::Active))
        .one(db.conn())
        .await?
        .is_some();
    if !seated {
        return Ok(false);
    }
    let Ok((_, entries)) = bids::opening_record(db, project_id).await else {
        return Ok(false);
    };
    let declared: Vec<Uuid> = declarations::Entity::find()
        .filter(declarations::Column::ProjectId.eq(project_id))
        .filter(declarations::Column::ExpertId.eq(actor.user_id))
        .filter(declarations::Column::Conflict.eq(false))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|d| d.organization_id)
        .collect();
    Ok(entries
        .iter()
        .all(|e| declared.contains(&e.organization_id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(org: Uuid, conflict: Option<bool>) -> Choice {
        Choice {
            organization_id: org,
            conflict,
            reason: String::new(),
        }
    }

    #[test]
    fn every_bidder_still_pending_must_be_chosen_explicitly() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let pending = vec![
            (a, "甲".to_owned()),
            (b, "乙".to_owned()),
            (c, "丙".to_owned()),
        ];
        assert_eq!(
            undecided(&pending, &[]),
            vec!["甲", "乙", "丙"],
            "nothing is chosen for the expert"
        );
        assert_eq!(
            undecided(&pending, &[choice(a, Some(false)), choice(c, None)]),
            vec!["乙", "丙"]
        );
        assert!(
            undecided(
                &pending,
                &[
                    choice(a, Some(false)),
                    choice(b, Some(true)),
                    choice(c, Some(false))
                ]
            )
            .is_empty()
        );
        assert!(
            undecided(&[], &[choice(a, None)]).is_empty(),
            "bidders declared before are not asked again"
        );
    }
}
