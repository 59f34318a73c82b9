//! Members of an organization: the applicant of an approved registration
//! becomes its org admin; the org admin invites people by e-mail and removes
//! members. An invitation is `pending -> accepted | declined | revoked`; the
//! invitee sees it after signing in with the invited address and accepts it
//! from an account that belongs to no organization. Removing a member leaves
//! the account, without an organization.

use chrono::{DateTime, Utc};
use entity::{invitations, users};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;
use validator::ValidateEmail as _;

use crate::audit::{self, Change};
use crate::auth::policy::{self, Action};
use crate::auth::users::{UserView, normalize_email};
use crate::auth::{Actor, Role};
use crate::db::Db;
use crate::error::{Error, Result};

/// Where an invitation is: pending, accepted, declined, revoked.
pub use entity::invitations::Status as InvitationStatus;

async fn set_membership<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    user: &users::Model,
    organization_id: Option<Uuid>,
    role: Role,
    verb: &'static str,
    now: DateTime<Utc>,
) -> Result<()> {
    let after = users::Model {
        organization_id,
        role: role.as_str().into(),
        updated_at: now,
        ..user.clone()
    };
    // Only from the membership read: a join and a removal at once, or two
    // joins, change it once.
    let was = match user.organization_id {
        Some(org) => users::Column::OrganizationId.eq(org),
        None => users::Column::OrganizationId.is_null(),
    };
    let hit = users::Entity::update_many()
        .set(users::ActiveModel {
            organization_id: Set(organization_id),
            role: Set(after.role.clone()),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(users::Column::Id.eq(user.id))
        .filter(users::Column::Role.eq(user.role.clone()))
        .filter(was)
        .exec(tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this membership")?;
    audit::append(
        tx,
        &actor.who(),
        Change::new(
            verb,
            "user",
            user.id,
            Some(&UserView::from(user)),
            Some(&UserView::from(&after)),
        ),
        now,
    )
    .await?;
    Ok(())
}

/// The organization an org user acts for.
///
/// # Errors
/// `Forbidden` for someone who belongs to none.
pub fn organization_of(actor: &Actor) -> Result<Uuid> {
    actor
        .organization_id
        .ok_or_else(|| Error::forbidden("you belong to no organization"))
}

/// Makes the applicant of an approved registration the new organization's
/// org admin, inside the approval's transaction.
///
/// # Errors
/// `Conflict` when the applicant has joined another organization meanwhile.
pub async fn make_founder<C: ConnectionTrait>(
    tx: &C,
    registrar: &Actor,
    applicant: Uuid,
    organization_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let user = users::Entity::find_by_id(applicant)
        .one(tx)
        .await?
        .ok_or(Error::NotFound("applicant"))?;
    if user.organization_id.is_some() {
        return Err(Error::Conflict {
            code: "applicant_has_organization",
            message: "the applicant has joined another organization since applying".into(),
        });
    }
    set_membership(
        tx,
        registrar,
        &user,
        Some(organization_id),
        Role::OrgAdmin,
        "user.found_organization",
        now,
    )
    .await
}

/// The organization's org admin invites an address to it.
///
/// # Errors
/// `Forbidden` unless its org admin; `Invalid` for a bad address; `Conflict`
/// when the address is already a member or already invited.
pub async fn invite(
    db: &Db,
    actor: &Actor,
    organization_id: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> Result<invitations::Model> {
    policy::org_admin_of(actor, organization_id)?;
    let email = normalize_email(email);
    if !email.validate_email() {
        return Err(Error::invalid(
            "email",
            "invalid_email",
            "enter a valid e-mail address",
        ));
    }
    let tx = db.begin().await?;
    let member = users::Entity::find()
        .filter(users::Column::Email.eq(email.clone()))
        .filter(users::Column::OrganizationId.eq(organization_id))
        .one(&*tx)
        .await?;
    if member.is_some() {
        return Err(Error::Conflict {
            code: "already_member",
            message: "this person is already a member".into(),
        });
    }
    let pending = invitations::Entity::find()
        .filter(invitations::Column::Email.eq(email.clone()))
        .filter(invitations::Column::OrganizationId.eq(organization_id))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending))
        .one(&*tx)
        .await?;
    if pending.is_some() {
        return Err(Error::Conflict {
            code: "already_invited",
            message: "this address already has a pending invitation".into(),
        });
    }
    let model = invitations::Model {
        id: Uuid::now_v7(),
        organization_id,
        email,
        invited_by: actor.user_id,
        status: InvitationStatus::Pending,
        created_at: now,
        decided_at: None,
    };
    invitations::ActiveModel::from(model.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "invitation.create",
            "invitation",
            model.id,
            None,
            Some(&invitation_snapshot(&model)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(model)
}

fn invitation_snapshot(i: &invitations::Model) -> serde_json::Value {
    serde_json::json!({
        "id": i.id, "organization_id": i.organization_id, "email": i.email,
        "status": i.status,
    })
}

/// Pending invitations addressed to the actor.
///
/// # Errors
/// The database's error.
pub async fn my_invitations(db: &Db, actor: &Actor) -> Result<Vec<invitations::Model>> {
    Ok(invitations::Entity::find()
        .filter(invitations::Column::Email.eq(actor.email.clone()))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending))
        .order_by_asc(invitations::Column::Id)
        .all(db.conn())
        .await?)
}

/// The invitee answers (`accept` true joins the organization as an org
/// member), or the org admin revokes it (`by_org_admin`).
///
/// # Errors
/// `NotFound` unless the invitation is addressed to the actor (or from the
/// actor's organization, for a revocation); `Conflict` unless pending, or when
/// accepting from an account that belongs to an organization or is not an
/// org account.
pub async fn answer(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    answer: Answer,
    now: DateTime<Utc>,
) -> Result<invitations::Model> {
    policy::check(Some(actor), Action::Apply)?;
    let tx = db.begin().await?;
    let before = invitations::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    let allowed = match answer {
        Answer::Accept | Answer::Decline => before.email == actor.email,
        Answer::Revoke => policy::org_admin_of(actor, before.organization_id).is_ok(),
    };
    if !allowed {
        return Err(Error::NotFound("invitation"));
    }
    if before.status != InvitationStatus::Pending {
        return Err(Error::Conflict {
            code: "wrong_state",
            message: format!("this invitation is already {}", before.status),
        });
    }
    if answer == Answer::Accept {
        let user = users::Entity::find_by_id(actor.user_id)
            .one(&*tx)
            .await?
            .ok_or(Error::Unauthenticated)?;
        if user.organization_id.is_some() {
            return Err(Error::Conflict {
                code: "already_member",
                message: "you already belong to an organization".into(),
            });
        }
        set_membership(
            &*tx,
            actor,
            &user,
            Some(before.organization_id),
            Role::OrgMember,
            "user.join_organization",
            now,
        )
        .await?;
    }
    let after = invitations::Model {
        status: answer.status(),
        decided_at: Some(now),
        ..before.clone()
    };
    crate::db::update_while::<invitations::Entity, _>(
        &*tx,
        invitations::ActiveModel {
            status: Set(after.status),
            decided_at: Set(after.decided_at),
            ..Default::default()
        },
        invitations::Column::Id,
        id,
        invitations::Column::Status,
        InvitationStatus::Pending,
        "this invitation",
    )
    .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            answer.verb(),
            "invitation",
            id,
            Some(&invitation_snapshot(&before)),
            Some(&invitation_snapshot(&after)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// What happens to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The invitee joins.
    Accept,
    /// The invitee does not.
    Decline,
    /// The org admin takes it back.
    Revoke,
}

impl Answer {
    fn status(self) -> InvitationStatus {
        match self {
            Self::Accept => InvitationStatus::Accepted,
            Self::Decline => InvitationStatus::Declined,
            Self::Revoke => InvitationStatus::Revoked,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Self::Accept => "invitation.accept",
            Self::Decline => "invitation.decline",
            Self::Revoke => "invitation.revoke",
        }
    }
}

/// Members of an organization and its pending invitations, for its own
/// people, registrars and auditors.
///
/// # Errors
/// `NotFound` for anyone else.
pub async fn members_of(
    db: &Db,
    actor: &Actor,
    organization_id: Uuid,
) -> Result<(Vec<users::Model>, Vec<invitations::Model>)> {
    policy::organization_insider(actor, organization_id)?;
    let members = users::Entity::find()
        .filter(users::Column::OrganizationId.eq(organization_id))
        .order_by_asc(users::Column::Id)
        .all(db.conn())
        .await?;
    let pending = invitations::Entity::find()
        .filter(invitations::Column::OrganizationId.eq(organization_id))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending))
        .order_by_asc(invitations::Column::Id)
        .all(db.conn())
        .await?;
    Ok((members, pending))
}

/// The organization's org admin removes a member (not themselves).
///
/// # Errors
/// `Forbidden` unless an org admin; `NotFound` unless the user is a member of
/// the admin's organization; `Conflict` for oneself.
pub async fn remove(
    db: &Db,
    actor: &Actor,
    organization_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    policy::org_admin_of(actor, organization_id)?;
    policy::not_self(actor, user_id)?;
    let tx = db.begin().await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&*tx)
        .await?
        .filter(|u| u.organization_id == Some(organization_id))
        .ok_or(Error::NotFound("member"))?;
    set_membership(
        &*tx,
        actor,
        &user,
        None,
        Role::OrgMember,
        "user.leave_organization",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
