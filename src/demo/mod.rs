//! `serve --demo`: one account for every role, a demo department, the demo
//! registry (see [`registry`]), demo projects and bids (see
//! [`procurement`]), and the 2026 holiday calendar, created through the area
//! functions (so each has its audit entry). Safe to run on every start: what
//! exists is kept.

mod grants;
mod procurement;
mod registry;

use chrono::{DateTime, Utc};
use entity::{departments, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::audit::Who;
use crate::auth::Role;
use crate::auth::users::NewUser;
use crate::db::Db;
use crate::error::Result;

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-pass-2026";

/// A demo login to print.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Role.
    pub role: Role,
    /// E-mail.
    pub email: String,
}

/// Seeds the demo data; returns the logins.
///
/// # Errors
/// The database's error.
pub async fn seed(db: &Db, now: DateTime<Utc>) -> Result<Vec<DemoLogin>> {
    crate::procurement::catalog::ensure_seeded(db, now).await?;
    let department = ensure_department(db, now).await?;
    let organization = registry::seed(db, now).await?;
    if entity::calendar_days::Entity::find()
        .count(db.conn())
        .await?
        == 0
    {
        crate::calendar::import_cn_2026(db, &Who::system(), now).await?;
    }
    let mut logins = Vec::new();
    for role in Role::ALL {
        let email = format!("{}@demo.cogov.cn", role.as_str().replace('_', "-"));
        let exists = users::Entity::find()
            .filter(users::Column::Email.eq(email.clone()))
            .one(db.conn())
            .await?
            .is_some();
        if !exists {
            let input = NewUser {
                email: email.clone(),
                display_name: demo_name(role).to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                role,
                department_id: (role == Role::Purchaser).then_some(department),
                organization_id: role.is_org_role().then_some(organization),
            };
            crate::auth::users::create(db, None, input, now).await?;
        }
        logins.push(DemoLogin { role, email });
    }
    procurement::seed(db, department, now).await?;
    // The grantees hear of what their demo grants wait for (the serve loop
    // would within a minute; doing it here makes the demo complete at once).
    crate::grants::reminders::run(db, "demo", now).await?;
    Ok(logins)
}

fn demo_name(role: Role) -> &'static str {
    match role {
        Role::OrgMember => "王小明 (社会组织工作人员)",
        Role::OrgAdmin => "李华 (社会组织负责人)",
        Role::Registrar => "张伟 (民政局登记管理)",
        Role::Purchaser => "刘洋 (采购人)",
        Role::Expert => "陈静 (评审专家)",
        Role::Auditor => "赵敏 (监督)",
        Role::Admin => "系统管理员",
    }
}

/// The demo department's unified social credit code: `11` (a government
/// organ), Beijing, and valid check characters.
const DEMO_DEPARTMENT_USCC: &str = "111100000000203007";

async fn ensure_department(db: &Db, now: DateTime<Utc>) -> Result<Uuid> {
    if let Some(d) = departments::Entity::find()
        .filter(departments::Column::Code.eq("DEMO-MCA"))
        .one(db.conn())
        .await?
    {
        return Ok(d.id);
    }
    let input = crate::departments::DepartmentInput {
        code: "DEMO-MCA".into(),
        name: "北京市民政局 (演示)".into(),
        division_code: "110000".into(),
        uscc: Some(DEMO_DEPARTMENT_USCC.into()),
        active: true,
    };
    Ok(crate::departments::create(db, None, input, now).await?.id)
}
