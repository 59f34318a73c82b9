//! The purchase catalog (政府购买服务指导性目录): a tree of service
//! categories that projects are filed under. Admins add, rename, move and
//! retire categories; everyone reads them. A fresh installation starts with
//! the categories of [`SEED`].

use chrono::{DateTime, Utc};
use entity::catalog_categories as cats;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::audit::{self, Change, Who};
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};

/// The starting catalog: code, parent code, Chinese and English names.
pub const SEED: &[(&str, Option<&str>, &str, &str)] = &[
    ("A", None, "养老服务", "Elderly care"),
    ("A01", Some("A"), "居家养老上门服务", "Home care visits"),
    ("A02", Some("A"), "社区日间照料", "Community day care"),
    ("A03", Some("A"), "老年助餐服务", "Meals for older people"),
    (
        "A04",
        Some("A"),
        "失能老人照护",
        "Care for disabled older people",
    ),
    ("B", None, "社区服务", "Community services"),
    (
        "B01",
        Some("B"),
        "社区治理与议事协商",
        "Community governance and consultation",
    ),
    (
        "B02",
        Some("B"),
        "社区文化活动",
        "Community cultural activities",
    ),
    ("B03", Some("B"), "社区志愿服务", "Community volunteering"),
    ("C", None, "社会工作服务", "Social work"),
    (
        "C01",
        Some("C"),
        "个案与家庭社会工作",
        "Casework and family social work",
    ),
    ("C02", Some("C"), "学校社会工作", "School social work"),
    ("C03", Some("C"), "医务社会工作", "Medical social work"),
    (
        "D",
        None,
        "残疾人服务",
        "Services for people with disabilities",
    ),
    ("D01", Some("D"), "康复训练", "Rehabilitation"),
    ("D02", Some("D"), "就业辅导", "Employment support"),
    ("D03", Some("D"), "托养照护", "Residential and day care"),
    ("E", None, "儿童与青少年服务", "Children and youth"),
    (
        "E01",
        Some("E"),
        "留守儿童关爱",
        "Care for left-behind children",
    ),
    ("E02", Some("E"), "青少年成长辅导", "Youth development"),
    (
        "E03",
        Some("E"),
        "困境儿童保护",
        "Protection of children in difficulty",
    ),
    ("F", None, "社会救助与帮扶", "Poverty relief"),
    (
        "F01",
        Some("F"),
        "低收入家庭帮扶",
        "Support for low-income families",
    ),
    ("F02", Some("F"), "临时救助服务", "Emergency assistance"),
    ("G", None, "健康促进", "Health promotion"),
    ("G01", Some("G"), "健康教育", "Health education"),
    ("G02", Some("G"), "心理健康服务", "Mental health services"),
    ("H", None, "法律援助", "Legal aid"),
    ("H01", Some("H"), "法律咨询", "Legal advice"),
    ("H02", Some("H"), "矛盾纠纷调解", "Dispute mediation"),
    ("J", None, "防灾减灾", "Disaster preparedness"),
    (
        "J01",
        Some("J"),
        "应急演练与培训",
        "Emergency drills and training",
    ),
    (
        "J02",
        Some("J"),
        "灾害救助志愿服务",
        "Disaster relief volunteering",
    ),
    ("K", None, "环境教育", "Environmental education"),
    ("K01", Some("K"), "垃圾分类宣传", "Waste sorting outreach"),
    ("K02", Some("K"), "生态保护教育", "Conservation education"),
    ("L", None, "行业服务", "Industry services"),
    (
        "L01",
        Some("L"),
        "行业调查与标准",
        "Industry surveys and standards",
    ),
    ("L02", Some("L"), "行业培训", "Industry training"),
    ("M", None, "政府辅助性服务", "Government auxiliary services"),
    (
        "M01",
        Some("M"),
        "课题研究与政策评估",
        "Research and policy evaluation",
    ),
    ("M02", Some("M"), "第三方评估", "Third-party assessment"),
    ("M03", Some("M"), "政策宣传", "Public information"),
];

/// A category to create or the new state of one.
#[derive(Debug, Clone)]
pub struct CategoryInput {
    /// 1 to 16 of A-Z and 0-9; stored upper-case.
    pub code: String,
    /// Parent, none at the top.
    pub parent_id: Option<Uuid>,
    /// Chinese name, 1 to 100 characters.
    pub name_zh: String,
    /// English name, 1 to 100 characters.
    pub name_en: String,
    /// Takes new projects.
    pub active: bool,
    /// Order among siblings.
    pub position: i32,
}

impl CategoryInput {
    fn check(&mut self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.code = self.code.trim().to_uppercase();
        if self.code.is_empty()
            || self.code.len() > 16
            || !self.code.chars().all(|c| c.is_ascii_alphanumeric())
        {
            errors.push(FieldError::new(
                "code",
                "invalid_code",
                "code must be 1 to 16 letters or digits",
            ));
        }
        for (field, name) in [
            ("name_zh", &mut self.name_zh),
            ("name_en", &mut self.name_en),
        ] {
            *name = name.trim().to_owned();
            let n = name.chars().count();
            if n == 0 || n > 100 {
                errors.push(FieldError::new(
                    field,
                    "length",
                    format!("{field} must be 1 to 100 characters"),
                ));
            }
        }
        errors
    }
}

fn snapshot(c: &cats::Model) -> serde_json::Value {
    serde_json::json!({
        "id": c.id, "code": c.code, "parent_id": c.parent_id, "name_zh": c.name_zh,
        "name_en": c.name_en, "active": c.active, "position": c.position,
    })
}

/// Seeds [`SEED`] into an empty catalog, by the system, with audit entries.
/// Returns how many categories were added (0 when the catalog has any).
///
/// # Errors
/// The database's error.
pub async fn ensure_seeded(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    if cats::Entity::find().count(db.conn()).await? > 0 {
        return Ok(0);
    }
    let tx = db.begin().await?;
    let mut ids = std::collections::HashMap::new();
    for (position, (code, parent, zh, en)) in SEED.iter().enumerate() {
        let model = cats::Model {
            id: Uuid::now_v7(),
            code: (*code).into(),
            parent_id: parent.and_then(|p| ids.get(p).copied()),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
            active: true,
            position: i32::try_from(position).unwrap_or(i32::MAX),
            created_at: now,
            updated_at: now,
        };
        ids.insert(*code, model.id);
        cats::ActiveModel::from(model.clone())
            .reset_all()
            .insert(&*tx)
            .await?;
        audit::append(
            &*tx,
            &Who::system(),
            Change::new::<(), _>(
                "catalog.seed",
                "catalog_category",
                model.id,
                None,
                Some(&snapshot(&model)),
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(SEED.len())
}

/// Every category, by code (parents before children). Public.
///
/// # Errors
/// The database's error.
pub async fn list(db: &Db, active_only: bool) -> Result<Vec<cats::Model>> {
    let mut q = cats::Entity::find().order_by_asc(cats::Column::Code);
    if active_only {
        q = q.filter(cats::Column::Active.eq(true));
    }
    Ok(q.all(db.conn()).await?)
}

/// One category. Public.
///
/// # Errors
/// `NotFound`.
pub async fn get<C: sea_orm::ConnectionTrait>(conn: &C, id: Uuid) -> Result<cats::Model> {
    cats::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("category"))
}

async fn check_parent<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: Option<Uuid>,
    parent: Option<Uuid>,
) -> Result<()> {
    let mut next = parent;
    while let Some(p) = next {
        if Some(p) == id {
            return Err(Error::invalid(
                "parent_id",
                "parent_cycle",
                "a category cannot sit under itself or its own subcategory",
            ));
        }
        let row = cats::Entity::find_by_id(p)
            .one(conn)
            .await?
            .ok_or_else(|| {
                Error::invalid("parent_id", "unknown_parent", "no category has this id")
            })?;
        next = row.parent_id;
    }
    Ok(())
}

/// Creates a category (admin).
///
/// # Errors
/// `Forbidden`; `Invalid` naming each field (a taken code, an unknown parent).
pub async fn create(
    db: &Db,
    actor: &Actor,
    mut input: CategoryInput,
    now: DateTime<Utc>,
) -> Result<cats::Model> {
    policy::check(Some(actor), Action::ManageCatalog)?;
    let errors = input.check();
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let tx = db.begin().await?;
    check_parent(&*tx, None, input.parent_id).await?;
    let model = cats::Model {
        id: Uuid::now_v7(),
        code: input.code,
        parent_id: input.parent_id,
        name_zh: input.name_zh,
        name_en: input.name_en,
        active: input.active,
        position: input.position,
        created_at: now,
        updated_at: now,
    };
    cats::ActiveModel::from(model.clone())
        .reset_all()
        .insert(&*tx)
        .await
        .map_err(|e| {
            Error::from(e).unique_as("code", "code_taken", "another category has this code")
        })?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "catalog.create",
            "catalog_category",
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

/// Changes a category (admin): names, code, place in the tree, active.
///
/// # Errors
/// `Forbidden`; `NotFound`; `Invalid` naming each field (a cycle included).
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    mut input: CategoryInput,
    now: DateTime<Utc>,
) -> Result<cats::Model> {
    policy::check(Some(actor), Action::ManageCatalog)?;
    let errors = input.check();
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let tx = db.begin().await?;
    let before = get(&*tx, id).await?;
    check_parent(&*tx, Some(id), input.parent_id).await?;
    let after = cats::Model {
        code: input.code,
        parent_id: input.parent_id,
        name_zh: input.name_zh,
        name_en: input.name_en,
        active: input.active,
        position: input.position,
        updated_at: now,
        ..before.clone()
    };
    cats::ActiveModel::from(after.clone())
        .reset_all()
        .update(&*tx)
        .await
        .map_err(|e| {
            Error::from(e).unique_as("code", "code_taken", "another category has this code")
        })?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "catalog.update",
            "catalog_category",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_a_tree_of_the_twelve_areas() {
        let tops: Vec<_> = SEED.iter().filter(|s| s.1.is_none()).collect();
        assert_eq!(tops.len(), 12);
        for (code, parent, _, _) in SEED {
            if let Some(p) = parent {
                let at = SEED.iter().position(|s| s.0 == *p).unwrap();
                let me = SEED.iter().position(|s| s.0 == *code).unwrap();
                assert!(at < me, "{code}: the parent comes first");
            }
        }
    }
}
