//! Government departments that buy services. The admin creates and edits
//! them; anyone may read them (department names appear on public projects).
//! A purchaser belongs to one active department.

use chrono::{DateTime, Utc};
use entity::departments;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::audit::{self, Change, Who};
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::divisions;
use crate::error::{Error, FieldError, Result};
use crate::pagination::PageRequest;

/// Input for creating or editing a department.
#[derive(Debug, Clone)]
pub struct DepartmentInput {
    /// Short code: 2 to 32 of A-Z, 0-9 and `-`; stored upper-case.
    pub code: String,
    /// Official name, 1 to 200 characters.
    pub name: String,
    /// 6-digit division code from the reference list.
    pub division_code: String,
    /// Active.
    pub active: bool,
}

impl DepartmentInput {
    fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let code = self.code.trim();
        if !(2..=32).contains(&code.len())
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            errors.push(FieldError::new(
                "code",
                "invalid_code",
                "code must be 2 to 32 letters, digits or dashes",
            ));
        }
        let name_len = self.name.trim().chars().count();
        if name_len == 0 || name_len > 200 {
            errors.push(FieldError::new(
                "name",
                "length",
                "name must be 1 to 200 characters",
            ));
        }
        if divisions::lookup(self.division_code.trim()).is_none() {
            errors.push(FieldError::new(
                "division_code",
                "unknown_division",
                "division code must be a 6-digit code from the administrative division list",
            ));
        }
        errors
    }
}

fn snapshot(d: &departments::Model) -> serde_json::Value {
    serde_json::json!({
        "id": d.id, "code": d.code, "name": d.name,
        "division_code": d.division_code, "active": d.active,
    })
}

/// Creates a department (admin, or the system when `actor` is `None`).
///
/// # Errors
/// `Forbidden` by policy; `Invalid` naming each field (a taken code included).
pub async fn create(
    db: &Db,
    actor: Option<&Actor>,
    input: DepartmentInput,
    now: DateTime<Utc>,
) -> Result<departments::Model> {
    if let Some(a) = actor {
        policy::check(Some(a), Action::ManageDepartments)?;
    }
    let errors = input.check();
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let model = departments::Model {
        id: Uuid::now_v7(),
        code: input.code.trim().to_uppercase(),
        name: input.name.trim().to_owned(),
        division_code: input.division_code.trim().to_owned(),
        active: input.active,
        created_at: now,
        updated_at: now,
    };
    let tx = db.begin().await?;
    departments::Entity::insert(departments::ActiveModel {
        id: Set(model.id),
        code: Set(model.code.clone()),
        name: Set(model.name.clone()),
        division_code: Set(model.division_code.clone()),
        active: Set(model.active),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&*tx)
    .await
    .map_err(|e| {
        Error::from(e).unique_as("code", "code_taken", "another department has this code")
    })?;
    let who = actor.map_or_else(Who::system, Actor::who);
    audit::append(
        &*tx,
        &who,
        Change::new::<(), _>(
            "department.create",
            "department",
            model.id,
            None,
            Some(&snapshot(&model)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(model)
}

/// Edits a department (admin).
///
/// # Errors
/// `Forbidden` by policy; `NotFound`; `Invalid` naming each field.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: DepartmentInput,
    now: DateTime<Utc>,
) -> Result<departments::Model> {
    policy::check(Some(actor), Action::ManageDepartments)?;
    let errors = input.check();
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let tx = db.begin().await?;
    let before = departments::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("department"))?;
    let after = departments::Model {
        code: input.code.trim().to_uppercase(),
        name: input.name.trim().to_owned(),
        division_code: input.division_code.trim().to_owned(),
        active: input.active,
        updated_at: now,
        ..before.clone()
    };
    departments::Entity::update(departments::ActiveModel {
        id: Set(id),
        code: Set(after.code.clone()),
        name: Set(after.name.clone()),
        division_code: Set(after.division_code.clone()),
        active: Set(after.active),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&*tx)
    .await
    .map_err(|e| {
        Error::from(e).unique_as("code", "code_taken", "another department has this code")
    })?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "department.update",
            "department",
            id,
            Some(&snapshot(&before)),
            Some(&snapshot(&after)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Lists departments by creation, optionally only active ones. Public.
///
/// # Errors
/// The database's error.
pub async fn list(
    db: &Db,
    active: Option<bool>,
    page: &PageRequest,
) -> Result<(Vec<departments::Model>, Option<String>)> {
    let mut q = departments::Entity::find().order_by_asc(departments::Column::Id);
    if let Some(active) = active {
        q = q.filter(departments::Column::Active.eq(active));
    }
    if let Some(after) = page.after {
        q = q.filter(departments::Column::Id.gt(after));
    }
    let rows = q.limit(page.limit + 1).all(db.conn()).await?;
    Ok(page.finish(rows, |d| d.id))
}

/// One department. Public.
///
/// # Errors
/// `NotFound`.
pub async fn get(db: &Db, id: Uuid) -> Result<departments::Model> {
    departments::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("department"))
}
