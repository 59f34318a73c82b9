//! Government departments that buy services. The admin creates and edits
//! them; anyone may read them (department names appear on public projects).
//! A purchaser belongs to one active department. A department may record
//! its unified social credit code (unique among departments); open data
//! names it by that code (scheme `CN-USCI`) as buyer and payer.

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
use crate::registry::uscc::{Holder, Uscc};

/// Input for creating or editing a department.
#[derive(Debug, Clone)]
pub struct DepartmentInput {
    /// Short code: 2 to 32 of A-Z, 0-9 and `-`; stored upper-case.
    pub code: String,
    /// Official name, 1 to 200 characters.
    pub name: String,
    /// 6-digit division code from the reference list.
    pub division_code: String,
    /// Unified social credit code of the department (a government organ's
    /// starts `11`); optional, blank means none. Checked like any USCC.
    pub uscc: Option<String>,
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
        match self.uscc().map(Uscc::parse) {
            Some(Err(e)) => errors.push(FieldError::new("uscc", "invalid_uscc", e.to_string())),
            Some(Ok(code)) => {
                if let Err(e) = code.check_holder(Holder::Department {
                    division: self.division_code.trim(),
                }) {
                    errors.push(FieldError::new("uscc", "uscc_holder", e.to_string()));
                }
            }
            None => {}
        }
        errors
    }

    /// The code given, trimmed; `None` when blank.
    fn uscc(&self) -> Option<&str> {
        self.uscc
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }
}

/// A taken code or credit code as a 422 on its field; other errors pass through.
fn taken(e: sea_orm::DbErr) -> Error {
    let e = Error::from(e);
    if e.is_unique_violation_of("uscc") {
        e.unique_as(
            "uscc",
            "department_uscc_taken",
            "another department has this unified social credit code",
        )
    } else {
        e.unique_as("code", "code_taken", "another department has this code")
    }
}

fn snapshot(d: &departments::Model) -> serde_json::Value {
    serde_json::json!({
        "id": d.id, "code": d.code, "name": d.name,
        "division_code": d.division_code, "uscc": d.uscc, "active": d.active,
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
        uscc: input.uscc().map(str::to_owned),
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
        uscc: Set(model.uscc.clone()),
        active: Set(model.active),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&*tx)
    .await
    .map_err(taken)?;
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
        uscc: input.uscc().map(str::to_owned),
        active: input.active,
        updated_at: now,
        ..before.clone()
    };
    departments::Entity::update(departments::ActiveModel {
        id: Set(id),
        code: Set(after.code.clone()),
        name: Set(after.name.clone()),
        division_code: Set(after.division_code.clone()),
        uscc: Set(after.uscc.clone()),
        active: Set(after.active),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&*tx)
    .await
    .map_err(taken)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn input(uscc: Option<&str>) -> DepartmentInput {
        DepartmentInput {
            code: "BJ-MCA".into(),
            name: "北京市民政局".into(),
            division_code: "110000".into(),
            uscc: uscc.map(str::to_owned),
            active: true,
        }
    }

    #[test]
    fn a_credit_code_is_optional_and_blank_means_none() {
        assert!(input(None).check().is_empty());
        assert!(input(Some("  ")).check().is_empty());
        assert_eq!(input(Some("  ")).uscc(), None);
        assert_eq!(
            input(Some(" 111100000000203007 ")).uscc(),
            Some("111100000000203007")
        );
        assert!(input(Some(" 111100000000203007 ")).check().is_empty());
    }

    #[test]
    fn a_wrong_credit_code_is_refused_on_its_field_saying_why() {
        let errors = input(Some("111100000000203008")).check();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code.as_str()),
            ("uscc", "invalid_uscc")
        );
        assert!(errors[0].message.contains("character 18"));
        let errors = input(Some("11110000000020300")).check();
        assert!(errors[0].message.contains("18 characters"));
    }
}
