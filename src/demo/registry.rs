//! The demo registry: a few hundred organizations across the three types,
//! six provinces and their cities and districts, with valid codes, grades,
//! credit listings and some struck off. Deterministic (the same rows on every
//! start) and imported through the same function as `cogov import`, so a
//! second start adds nothing.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::audit::Who;
use crate::db::Db;
use crate::divisions::{self, Level};
use crate::error::Result;
use crate::registry::annual_reports::{self, DueDates, ReportInput};
use crate::registry::credit::{self, Kind, Listing};
use crate::registry::import::{self, Record};
use crate::registry::jobs::overdue_ground;
use crate::registry::organizations::{NewOrganization, Status};
use crate::registry::rules::{Field, OrgType};
use crate::registry::uscc::Uscc;

/// Name of the organization the demo org accounts belong to.
pub const DEMO_ORG_NAME: &str = "北京市阳光养老服务中心";

/// Provinces and the cities used in each.
const PLACES: [(&str, [&str; 3]); 6] = [
    ("110000", ["110100", "110100", "110100"]),
    ("310000", ["310100", "310100", "310100"]),
    ("420000", ["420100", "420500", "420600"]),
    ("440000", ["440100", "440300", "440600"]),
    ("330000", ["330100", "330200", "330300"]),
    ("510000", ["510100", "510700", "510600"]),
];

const WORDS: [&str; 16] = [
    "阳光",
    "彩虹",
    "向日葵",
    "启明",
    "同心",
    "善德",
    "春晖",
    "晨曦",
    "和美",
    "仁爱",
    "益心",
    "恒爱",
    "知行",
    "安康",
    "乐龄",
    "明德",
];

const AGENCY_TOPICS: [(&str, Field); 8] = [
    ("养老服务中心", Field::CommunityService),
    ("社会工作服务中心", Field::PublicWelfare),
    ("青少年成长服务中心", Field::PublicWelfare),
    ("残疾人康复服务中心", Field::Other),
    ("社区服务中心", Field::CommunityService),
    ("心理健康服务中心", Field::Other),
    ("公益发展中心", Field::PublicWelfare),
    ("科普教育中心", Field::ScienceAndTechnology),
];

const GROUP_TOPICS: [(&str, Field); 7] = [
    ("养老服务协会", Field::IndustryAssociation),
    ("志愿者协会", Field::PublicWelfare),
    ("社会工作者协会", Field::IndustryAssociation),
    ("慈善总会", Field::PublicWelfare),
    ("老年人体育协会", Field::Other),
    ("科学技术普及协会", Field::ScienceAndTechnology),
    ("物业管理行业协会", Field::IndustryAssociation),
];

const FOUNDATION_TOPICS: [&str; 6] = [
    "慈善基金会",
    "教育发展基金会",
    "青少年发展基金会",
    "老龄事业发展基金会",
    "环境保护基金会",
    "乡村振兴基金会",
];

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
];
const GIVEN: [&str; 12] = [
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "涛",
];
const STREETS: [&str; 6] = ["人民路", "解放大道", "中山路", "建设街", "和平里", "友谊路"];

fn name_of(code: &str) -> String {
    divisions::display_name(code).unwrap_or_default()
}

fn counties_of(city: &str) -> Vec<&'static str> {
    divisions::all()
        .iter()
        .filter(|d| d.level == Level::County && d.parent_code == Some(city))
        .map(|d| d.code)
        .collect()
}

/// The demo organizations, in a fixed order (the first is [`DEMO_ORG_NAME`]).
#[must_use]
pub fn records(today: NaiveDate) -> Vec<Record> {
    let mut out = Vec::new();
    let mut names = std::collections::HashSet::new();
    let mut seq = 0u32;
    let mut push = |out: &mut Vec<Record>,
                    names: &mut std::collections::HashSet<String>,
                    i: usize,
                    name: String,
                    org_type: OrgType,
                    division: &str,
                    field: Field,
                    funds_yuan: i64| {
        if !names.insert(format!("{division}{name}")) {
            return;
        }
        seq += 1;
        let Ok(uscc) = Uscc::generate(org_type.category(), division, 900_000 + seq) else {
            return;
        };
        let years_back = 1 + u32::try_from(i % 17).unwrap_or(0);
        let registered_on = NaiveDate::from_ymd_opt(
            today.year() - years_back as i32,
            1 + (i % 12) as u32,
            1 + (i % 27) as u32,
        )
        .unwrap_or(today);
        let status = match i % 41 {
            7 | 29 => Status::Deregistered,
            13 => Status::Revoked,
            _ => Status::Active,
        };
        let grade = (i % 4 == 1 && years_back >= 3).then(|| {
            let on = registered_on
                .checked_add_months(Months::new(30 + (i % 30) as u32))
                .unwrap_or(registered_on);
            (((i / 4) % 5) as i16 + 1, on.min(today))
        });
        let person = format!("{}{}", SURNAMES[i % 12], GIVEN[(i / 12) % 12]);
        out.push(Record {
            new: NewOrganization {
                name,
                org_type,
                division_code: division.to_owned(),
                field,
                supervising_unit: (!field.registers_directly())
                    .then(|| format!("{}卫生健康委员会", name_of(division))),
                address: format!(
                    "{}{}{}号",
                    name_of(division),
                    STREETS[i % STREETS.len()],
                    10 + i % 190
                ),
                legal_representative: person,
                business_scope: "开展社会服务、咨询培训、公益活动及相关交流合作".into(),
                funds_fen: funds_yuan * 100,
                registered_on,
                uscc: uscc.as_str().to_owned(),
                uscc_legacy_reason: None,
            },
            status,
            grade,
        });
    };
    push(
        &mut out,
        &mut names,
        1,
        DEMO_ORG_NAME.into(),
        OrgType::SocialServiceAgency,
        "110000",
        Field::CommunityService,
        500_000,
    );
    for i in 0..400usize {
        let (province, cities) = PLACES[i % PLACES.len()];
        let city = cities[(i / 6) % 3];
        let word = WORDS[(i / 3) % WORDS.len()];
        match i % 7 {
            0..=3 => {
                let counties = counties_of(city);
                let division = if i % 2 == 0 || counties.is_empty() {
                    city
                } else {
                    counties[i % counties.len()]
                };
                let (topic, field) = AGENCY_TOPICS[i % AGENCY_TOPICS.len()];
                let place = name_of(division);
                let name = format!("{place}{word}{topic}");
                push(
                    &mut out,
                    &mut names,
                    i,
                    name,
                    OrgType::SocialServiceAgency,
                    division,
                    field,
                    50_000 + (i as i64 % 9) * 10_000,
                );
            }
            4 | 5 => {
                let (topic, field) = GROUP_TOPICS[i % GROUP_TOPICS.len()];
                let name = if (i / 7) % 2 == 0 {
                    format!("{}{topic}", name_of(city))
                } else {
                    format!("{}{word}{topic}", name_of(city))
                };
                push(
                    &mut out,
                    &mut names,
                    i,
                    name,
                    OrgType::SocialGroup,
                    city,
                    field,
                    30_000 + (i as i64 % 5) * 20_000,
                );
            }
            _ => {
                let topic = FOUNDATION_TOPICS[i % FOUNDATION_TOPICS.len()];
                let public_offering = i % 3 == 0;
                let name = format!("{}{word}{topic}", name_of(province));
                let funds = if public_offering {
                    4_000_000
                } else {
                    2_000_000
                } + (i as i64 % 4) * 500_000;
                push(
                    &mut out,
                    &mut names,
                    i,
                    name,
                    OrgType::Foundation { public_offering },
                    province,
                    Field::PublicWelfare,
                    funds,
                );
            }
        }
    }
    out
}

/// Imports the demo registry (what is there stays) and lists some
/// organizations as abnormal or dishonest. Returns the demo organization's id.
///
/// # Errors
/// The database's error.
pub async fn seed(db: &Db, now: DateTime<Utc>) -> Result<uuid::Uuid> {
    let today = crate::clock::china_date(now);
    let records = records(today);
    let codes: Vec<String> = records.iter().map(|r| r.new.uscc.clone()).collect();
    for record in records {
        import::import_one(db, record, now).await?;
    }
    let orgs = entity::organizations::Entity::find()
        .filter(entity::organizations::Column::Uscc.is_in(codes.clone()))
        .all(db.conn())
        .await?;
    let by_code: std::collections::HashMap<_, _> = orgs
        .iter()
        .filter_map(|o| o.uscc.clone().map(|c| (c, o)))
        .collect();
    for (i, code) in codes.iter().enumerate().skip(1) {
        let Some(org) = by_code.get(code) else {
            continue;
        };
        let due = DueDates::default();
        let year = due.latest_overdue_year(&org.org_type, today);
        let due_on = due.due(&org.org_type, year);
        let started = |days: u64| today - chrono::Days::new(days);
        // Overdue-report listings use the daily job's key, so the job never lists them again.
        let listing = match i % 23 {
            3 | 11 | 19 => Some((
                Kind::Abnormal,
                overdue_ground(year, due_on),
                format!("annual_report_overdue:{year}"),
                due_on + chrono::Days::new(1),
            )),
            8 => Some((
                Kind::Abnormal,
                "通过登记的住所无法联系".to_owned(),
                format!("demo:{i}"),
                started(40),
            )),
            16 => Some((
                Kind::Dishonest,
                "被处5万元以上罚款".to_owned(),
                format!("demo:{i}"),
                started(90),
            )),
            _ => None,
        };
        let Some((kind, ground, key, started_on)) = listing else {
            continue;
        };
        let tx = db.begin().await?;
        credit::list_in_tx(
            &*tx,
            &Who::system(),
            Listing {
                organization_id: org.id,
                kind,
                ground,
                ground_key: Some(key),
                started_on,
            },
            now,
        )
        .await?;
        tx.commit().await?;
    }
    for (i, code) in codes.iter().enumerate() {
        let Some(org) = by_code.get(code) else {
            continue;
        };
        let Some(registered_on) = org.registered_on else {
            continue;
        };
        if org.status != Status::Active || matches!(i % 23, 3 | 11 | 19) {
            continue;
        }
        let tx = db.begin().await?;
        for year in [today.year() - 2, today.year() - 1] {
            if !annual_reports::must_report(registered_on, year) {
                continue;
            }
            let scale = org.funds_fen.max(1_000_000) / 10;
            let n = i64::try_from(i).unwrap_or(0);
            let figures = ReportInput {
                year,
                income_fen: scale * (8 + n % 7),
                expenditure_fen: scale * (7 + n % 5),
                net_assets_fen: org.funds_fen + scale * (n % 3),
                staff_count: 3 + i32::try_from(i % 25).unwrap_or(0),
                volunteer_count: 20 + i32::try_from((i * 7) % 300).unwrap_or(0),
                activities: "开展社区服务、志愿服务和公益宣传活动，服务对象满意度良好。".into(),
                statement_file_id: None,
            };
            let result = if i % 13 == 5 { "basic_pass" } else { "pass" };
            annual_reports::record_by_system(&*tx, org.id, figures, result, now).await?;
        }
        tx.commit().await?;
    }
    let demo = by_code
        .get(&codes[0])
        .map(|o| o.id)
        .ok_or_else(|| crate::error::Error::Internal("demo organization missing".into()))?;
    Ok(demo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_registry_is_large_varied_and_valid() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let rows = records(today);
        assert!(rows.len() >= 200, "{}", rows.len());
        assert_eq!(rows[0].new.name, DEMO_ORG_NAME);
        for kind in OrgType::KINDS {
            assert!(rows.iter().any(|r| r.new.org_type.kind() == kind), "{kind}");
        }
        let provinces: std::collections::HashSet<_> =
            rows.iter().map(|r| &r.new.division_code[..2]).collect();
        assert!(provinces.len() >= 6);
        assert!(rows.iter().any(|r| r.grade.is_some()));
        assert!(rows.iter().any(|r| r.status == Status::Deregistered));
        for r in &rows {
            assert!(Uscc::parse(&r.new.uscc).is_ok(), "{}", r.new.uscc);
            let facts = crate::registry::rules::RegistrationFacts {
                org_type: r.new.org_type,
                level: crate::registry::rules::AuthorityLevel::of_division(&r.new.division_code)
                    .unwrap(),
                division_code: r.new.division_code.clone(),
                name: r.new.name.clone(),
                field: r.new.field,
                supervising_unit: r.new.supervising_unit.clone(),
                original_fund: crate::money::Fen(r.new.funds_fen),
                activity_funds: crate::money::Fen(r.new.funds_fen),
                individual_members: 60,
                unit_members: 0,
            };
            let broken = crate::registry::rules::check_registration(&facts);
            assert!(broken.is_empty(), "{} {broken:?}", r.new.name);
            if let Some((_, on)) = r.grade {
                assert!(
                    credit::may_be_graded(r.new.registered_on, on),
                    "{}",
                    r.new.name
                );
            }
        }
        let codes: std::collections::HashSet<_> = rows.iter().map(|r| &r.new.uscc).collect();
        assert_eq!(codes.len(), rows.len());
    }
}
