//! User accounts: sign-up (org members), creation by an admin or the command
//! line (any role), sign-in with throttling, role changes and deactivation.
//!
//! Membership rules: a purchaser belongs to an active department; an org
//! member or org admin may belong to an organization (a newly signed-up
//! member has none until their registration is approved or they are
//! invited); other roles belong to neither.

use chrono::{DateTime, Utc};
use entity::{departments, organizations, users};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;
use validator::ValidateEmail as _;

use super::policy::{self, Action};
use super::{Actor, Role, password, sessions, throttle};
use crate::audit::{self, Change, Who};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};
use crate::pagination::PageRequest;

/// Longest display name.
pub const NAME_MAX: usize = 100;
/// Longest e-mail address (RFC 5321).
pub const EMAIL_MAX: usize = 254;

/// Input for a new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// E-mail; compared ignoring case.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Plain password, checked against the rules and then hashed.
    pub password: String,
    /// Role.
    pub role: Role,
    /// Department (purchasers).
    pub department_id: Option<Uuid>,
    /// Organization (org roles).
    pub organization_id: Option<Uuid>,
}

/// What the audit chain and the API show of a user (never the password hash).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UserView {
    /// Id.
    pub id: Uuid,
    /// E-mail.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// Department.
    pub department_id: Option<Uuid>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Active.
    pub active: bool,
}

impl From<&users::Model> for UserView {
    fn from(u: &users::Model) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            department_id: u.department_id,
            organization_id: u.organization_id,
            active: u.active,
        }
    }
}

/// Normalises an e-mail for storage and comparison.
#[must_use]
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn check_identity(email: &str, display_name: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if email.chars().count() > EMAIL_MAX || !email.validate_email() {
        errors.push(FieldError::new(
            "email",
            "invalid_email",
            "enter a valid e-mail address",
        ));
    }
    let name_len = display_name.trim().chars().count();
    if name_len == 0 || name_len > NAME_MAX {
        errors.push(FieldError::new(
            "display_name",
            "length",
            format!("display name must be 1 to {NAME_MAX} characters"),
        ));
    }
    errors
}

/// Checks the membership rules for `role` against the database.
async fn check_membership<C: ConnectionTrait>(
    conn: &C,
    role: Role,
    department_id: Option<Uuid>,
    organization_id: Option<Uuid>,
) -> Result<Vec<FieldError>> {
    let mut errors = Vec::new();
    match (role, department_id) {
        (Role::Purchaser, None) => errors.push(FieldError::new(
            "department_id",
            "required",
            "a purchaser must belong to a department",
        )),
        (Role::Purchaser, Some(id)) => match departments::Entity::find_by_id(id).one(conn).await? {
            Some(d) if d.active => {}
            Some(_) => errors.push(FieldError::new(
                "department_id",
                "inactive",
                "this department is inactive",
            )),
            None => errors.push(FieldError::new(
                "department_id",
                "not_found",
                "no such department",
            )),
        },
        (_, Some(_)) => errors.push(FieldError::new(
            "department_id",
            "not_allowed",
            format!("the {role} role does not belong to a department"),
        )),
        (_, None) => {}
    }
    match (role.is_org_role(), organization_id) {
        (true, Some(id)) => {
            if organizations::Entity::find_by_id(id)
                .one(conn)
                .await?
                .is_none()
            {
                errors.push(FieldError::new(
                    "organization_id",
                    "not_found",
                    "no such organization",
                ));
            }
        }
        (false, Some(_)) => errors.push(FieldError::new(
            "organization_id",
            "not_allowed",
            format!("the {role} role does not belong to an organization"),
        )),
        (_, None) => {}
    }
    Ok(errors)
}

/// Self-service sign-up: creates an active org member without an organization.
///
/// # Errors
/// `Invalid` naming each field that breaks a rule (e-mail taken included).
pub async fn sign_up(
    db: &Db,
    email: &str,
    display_name: &str,
    pass: &str,
    now: DateTime<Utc>,
) -> Result<users::Model> {
    let input = NewUser {
        email: email.to_owned(),
        display_name: display_name.to_owned(),
        password: pass.to_owned(),
        role: Role::OrgMember,
        department_id: None,
        organization_id: None,
    };
    insert(db, None, input, now, "user.sign_up").await
}

/// Creates an account with any role: by an admin (`actor`), or by the system
/// (command line, demo) when `actor` is `None`.
///
/// # Errors
/// `Forbidden` for non-admins; `Invalid` naming each field that breaks a rule.
pub async fn create(
    db: &Db,
    actor: Option<&Actor>,
    input: NewUser,
    now: DateTime<Utc>,
) -> Result<users::Model> {
    if let Some(a) = actor {
        policy::check(Some(a), Action::ManageUsers)?;
    }
    insert(db, actor, input, now, "user.create").await
}

async fn insert(
    db: &Db,
    actor: Option<&Actor>,
    input: NewUser,
    now: DateTime<Utc>,
    action: &'static str,
) -> Result<users::Model> {
    let email = normalize_email(&input.email);
    let mut errors = check_identity(&email, &input.display_name);
    errors.extend(password::check_rules("password", &input.password, &email));
    errors.extend(
        check_membership(
            db.conn(),
            input.role,
            input.department_id,
            input.organization_id,
        )
        .await?,
    );
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let password_hash = password::hash(input.password).await?;
    let tx = db.begin().await?;
    let model = users::Model {
        id: Uuid::now_v7(),
        seq: crate::db::next_seq(&*tx, crate::db::Numbered::Users).await?,
        email,
        display_name: input.display_name.trim().to_owned(),
        password_hash,
        role: input.role.as_str().to_owned(),
        department_id: input.department_id,
        organization_id: input.organization_id,
        active: true,
        created_at: now,
        updated_at: now,
    };
    users::Entity::insert(users::ActiveModel {
        id: Set(model.id),
        seq: Set(model.seq),
        email: Set(model.email.clone()),
        display_name: Set(model.display_name.clone()),
        password_hash: Set(model.password_hash.clone()),
        role: Set(model.role.clone()),
        department_id: Set(model.department_id),
        organization_id: Set(model.organization_id),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&*tx)
    .await
    .map_err(|e| {
        Error::from(e).unique_as(
            "email",
            "email_taken",
            "an account with this e-mail already exists",
        )
    })?;
    let who = match actor {
        Some(a) => a.who(),
        None if action == "user.sign_up" => Who {
            user_id: Some(model.id),
            role: model.role.clone(),
        },
        None => Who::system(),
    };
    audit::append(
        &*tx,
        &who,
        Change::new::<(), _>(
            action,
            "user",
            model.id,
            None,
            Some(&UserView::from(&model)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(model)
}

/// Signs in with e-mail and password, throttled per account and per client.
/// Returns the user and a new session.
///
/// # Errors
/// `TooManyRequests` when throttled; `Unauthenticated` for a wrong e-mail or
/// password or a deactivated account (the same answer for all three).
pub async fn sign_in(
    db: &Db,
    email: &str,
    pass: &str,
    client_ip: &str,
    now: DateTime<Utc>,
    lifetime: sessions::Lifetime,
) -> Result<(users::Model, sessions::NewSession)> {
    let email = normalize_email(email);
    throttle::check(db.conn(), &email, client_ip, now).await?;
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.clone()))
        .one(db.conn())
        .await?;
    let phc = user.as_ref().map_or_else(
        || password::DUMMY_HASH.to_owned(),
        |u| u.password_hash.clone(),
    );
    let matches = password::verify(pass.to_owned(), phc).await;
    let tx = db.begin().await?;
    match user {
        Some(user) if matches && user.active => {
            throttle::clear_account(&*tx, &email).await?;
            let session = sessions::create(&*tx, &user, now, lifetime).await?;
            tx.commit().await?;
            Ok((user, session))
        }
        _ => {
            throttle::record_failure(&*tx, &email, client_ip, now).await?;
            tx.commit().await?;
            Err(Error::Unauthenticated)
        }
    }
}

/// A person changes their own password, giving the current one. Every
/// session of theirs ends (the pages start a new one for the browser that
/// asked); API tokens stay. Wrong current passwords count as failed
/// sign-ins, so guessing through this form is throttled the same way.
///
/// # Errors
/// `Forbidden` for a read-only token; `TooManyRequests` when throttled;
/// `Invalid` on `current_password` when it is wrong, on `new_password` when
/// it breaks a rule or is the current one.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    current: &str,
    new: &str,
    client_ip: &str,
    now: DateTime<Utc>,
) -> Result<users::Model> {
    policy::check(Some(actor), Action::ChangeOwnPassword)?;
    throttle::check(db.conn(), &actor.email, client_ip, now).await?;
    let user = users::Entity::find_by_id(actor.user_id)
        .one(db.conn())
        .await?
        .ok_or(Error::Unauthenticated)?;
    if !password::verify(current.to_owned(), user.password_hash.clone()).await {
        throttle::record_failure(db.conn(), &actor.email, client_ip, now).await?;
        return Err(Error::invalid(
            "current_password",
            "wrong_password",
            "the current password is not right",
        ));
    }
    let mut errors = password::check_rules("new_password", new, &user.email);
    if new == current {
        errors.push(FieldError::new(
            "new_password",
            "password_unchanged",
            "the new password must differ from the current one",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let hash = password::hash(new.to_owned()).await?;
    let tx = db.begin().await?;
    set_password(&*tx, &actor.who(), &user, hash, "user.password_change", now).await?;
    tx.commit().await?;
    Ok(user)
}

/// Writes a new password hash (or an unusable one, for a forced reset),
/// ends every session of the account and clears its failed sign-ins, with
/// the audit entry `verb` (which never holds a hash).
///
/// # Errors
/// The database's error.
pub async fn set_password<C: ConnectionTrait>(
    tx: &C,
    who: &Who,
    user: &users::Model,
    hash: String,
    verb: &'static str,
    now: DateTime<Utc>,
) -> Result<()> {
    users::Entity::update_many()
        .set(users::ActiveModel {
            password_hash: Set(hash),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(users::Column::Id.eq(user.id))
        .exec(tx)
        .await?;
    sessions::end_all_for(tx, user.id).await?;
    throttle::clear_account(tx, &user.email).await?;
    audit::append(
        tx,
        who,
        Change::new::<(), _>(
            verb,
            "user",
            user.id,
            None,
            Some(&serde_json::json!({"email": user.email})),
        ),
        now,
    )
    .await?;
    Ok(())
}

/// Filters for listing users.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (true) or deactivated (false) accounts.
    pub active: Option<bool>,
    /// E-mail or name contains this (ASCII letters in any case).
    pub q: Option<String>,
}

/// E-mail and name in the accounts' text index (migration 000056), joined
/// by a character no input holds.
const ACCOUNTS: crate::grams::Indexed = crate::grams::Indexed {
    table: "users",
    sqlite_search: "user_search",
    postgres_text: "\"users\".\"email\" || chr(31) || \"users\".\"display_name\"",
    sqlite_text: "\"users\".\"email\" || char(31) || \"users\".\"display_name\"",
};

/// Lists users, oldest first.
///
/// # Errors
/// `Forbidden` by policy; the database's error.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &Filter,
    page: &PageRequest,
) -> Result<(Vec<users::Model>, Option<String>)> {
    policy::check(Some(actor), Action::ReadUsers)?;
    let mut q = users::Entity::find();
    if let Some(role) = filter.role {
        q = q.filter(users::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        q = q.filter(users::Column::Active.eq(active));
    }
    let after = page
        .after_seq::<users::Entity, _>(db.conn(), users::Column::Seq)
        .await?;
    let text = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let rows = ACCOUNTS.find(db, q, text, after, page.limit + 1).await?;
    Ok(page.finish(rows, |u| u.id))
}

/// One user, for those who may read users.
///
/// # Errors
/// `Forbidden` by policy; `NotFound`.
pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> Result<users::Model> {
    policy::check(Some(actor), Action::ReadUsers)?;
    users::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("user"))
}

/// The actor's own account.
///
/// # Errors
/// `Unauthenticated` when the account no longer exists.
pub async fn current(db: &Db, actor: &Actor) -> Result<users::Model> {
    policy::check(Some(actor), Action::ReadOwnAccount)?;
    users::Entity::find_by_id(actor.user_id)
        .one(db.conn())
        .await?
        .ok_or(Error::Unauthenticated)
}

/// Changes a user's role and membership; ends their sessions so the change
/// applies at once.
///
/// # Errors
/// `Forbidden` by policy; `NotFound`; `Conflict` on oneself; `Invalid` for
/// membership rules.
pub async fn change_role(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    role: Role,
    department_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<users::Model> {
    policy::check(Some(actor), Action::ManageUsers)?;
    policy::not_self(actor, id)?;
    let errors = check_membership(db.conn(), role, department_id, organization_id).await?;
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    update(db, actor, id, now, "user.change_role", |u| {
        u.role = role.as_str().to_owned();
        u.department_id = department_id;
        u.organization_id = organization_id;
    })
    .await
}

/// Deactivates (`active = false`) or reactivates a user; deactivation ends
/// their sessions and stops their tokens.
///
/// # Errors
/// `Forbidden` by policy; `NotFound`; `Conflict` on oneself or when nothing changes.
pub async fn set_active(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    active: bool,
    now: DateTime<Utc>,
) -> Result<users::Model> {
    policy::check(Some(actor), Action::ManageUsers)?;
    policy::not_self(actor, id)?;
    let action = if active {
        "user.activate"
    } else {
        "user.deactivate"
    };
    update(db, actor, id, now, action, |u| u.active = active).await
}

async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
    action: &'static str,
    change: impl FnOnce(&mut users::Model),
) -> Result<users::Model> {
    let tx = db.begin().await?;
    let before = users::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let mut after = before.clone();
    change(&mut after);
    if UserView::from(&after) == UserView::from(&before) {
        return Err(Error::Conflict {
            code: "no_change",
            message: "the account already is in this state".into(),
        });
    }
    after.updated_at = now;
    // Only over the account as read: two changes at once apply once.
    let hit = users::Entity::update_many()
        .set(users::ActiveModel {
            role: Set(after.role.clone()),
            department_id: Set(after.department_id),
            organization_id: Set(after.organization_id),
            active: Set(after.active),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::Role.eq(before.role.clone()))
        .filter(users::Column::Active.eq(before.active))
        .filter(match before.department_id {
            Some(d) => users::Column::DepartmentId.eq(d),
            None => users::Column::DepartmentId.is_null(),
        })
        .filter(match before.organization_id {
            Some(o) => users::Column::OrganizationId.eq(o),
            None => users::Column::OrganizationId.is_null(),
        })
        .exec(&*tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this account")?;
    sessions::end_all_for(&*tx, id).await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            action,
            "user",
            id,
            Some(&UserView::from(&before)),
            Some(&UserView::from(&after)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Every account as an XLSX sheet for admins and auditors: e-mail, name,
/// role, department, organization, active, created (UTC).
///
/// # Errors
/// `Forbidden` without the right to read users.
pub async fn staff_xlsx(db: &Db, actor: &Actor) -> Result<Vec<u8>> {
    use crate::xlsx::{Cell, Sheet};
    use std::collections::HashMap;
    policy::check(Some(actor), Action::ReadUsers)?;
    let mut sheet = Sheet::new(
        "users",
        &[
            "email",
            "display_name",
            "role",
            "department",
            "organization",
            "active",
            "created_utc",
        ],
    )?;
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = users::Entity::find().order_by_asc(users::Column::Id);
        if let Some(a) = after {
            q = q.filter(users::Column::Id.gt(a));
        }
        let page = q.limit(SHEET_PAGE).all(db.conn()).await?;
        let Some(last) = page.last().map(|u| u.id) else {
            break;
        };
        after = Some(last);
        let departments: HashMap<Uuid, String> = entity::departments::Entity::find()
            .select_only()
            .columns([
                entity::departments::Column::Id,
                entity::departments::Column::Name,
            ])
            .filter(
                entity::departments::Column::Id.is_in(page.iter().filter_map(|u| u.department_id)),
            )
            .into_tuple::<(Uuid, String)>()
            .all(db.conn())
            .await?
            .into_iter()
            .collect();
        let orgs: HashMap<Uuid, String> = entity::organizations::Entity::find()
            .select_only()
            .columns([
                entity::organizations::Column::Id,
                entity::organizations::Column::Name,
            ])
            .filter(
                entity::organizations::Column::Id
                    .is_in(page.iter().filter_map(|u| u.organization_id)),
            )
            .into_tuple::<(Uuid, String)>()
            .all(db.conn())
            .await?
            .into_iter()
            .collect();
        let name_of = |names: &HashMap<Uuid, String>, id: Option<Uuid>| {
            id.and_then(|id| names.get(&id).cloned())
                .map_or(Cell::Empty, Cell::Text)
        };
        let rows: Vec<Vec<Cell>> = page
            .into_iter()
            .map(|u| {
                let department = name_of(&departments, u.department_id);
                let organization = name_of(&orgs, u.organization_id);
                vec![
                    Cell::Text(u.email),
                    Cell::Text(u.display_name),
                    Cell::Text(u.role),
                    department,
                    organization,
                    Cell::Text(if u.active { "yes" } else { "no" }.to_owned()),
                    Cell::Text(u.created_at.format("%Y-%m-%d %H:%M").to_string()),
                ]
            })
            .collect();
        sheet.add(&rows)?;
    }
    sheet.finish()
}

/// Accounts per page of the staff sheet.
const SHEET_PAGE: u64 = 500;
