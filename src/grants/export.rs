//! Grants as open data, in the shape of the 360Giving Data Standard: CSV
//! with its column titles, and a JSON package `{"grants": [...]}` with its
//! field names (camelCase, as that standard has them), plus cogov's own
//! columns (status, paid, performance score, the project number).
//!
//! Every grant an award made is listed except declined ones, which never
//! came into force. Identifiers: `360G-cogov-{grant id}` for grants,
//! `CN-USCI-{code}` for recipients and funders (departments) with a
//! recorded code, `cogov-org-{id}` / `cogov-dept-{code}` otherwise. Amounts are yuan with two
//! decimals in CSV (exact, from fen) and numbers in JSON; dates are China
//! dates.

use chrono::NaiveDate;
use entity::{departments, disbursements, grants, organizations, projects};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::clock::china_date;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::money::Fen;

/// One grant as published.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenGrant {
    /// `360G-cogov-{id}`.
    pub id: String,
    /// The grant's title (the project's).
    pub title: String,
    /// What the service is (the project's description).
    pub description: String,
    /// Always `CNY`.
    pub currency: &'static str,
    /// Yuan.
    pub amount_awarded: f64,
    /// The same in fen (CSV prints it exactly).
    #[serde(skip)]
    pub amount_fen: i64,
    /// When the award became final (China date).
    pub award_date: NaiveDate,
    /// The service period.
    pub planned_dates: Vec<PlannedDates>,
    /// The grantee.
    pub recipient_organization: Vec<Org>,
    /// The department that buys the service.
    pub funding_organization: Vec<Org>,
    /// cogov: `pending_acceptance`, `active`, `completed` or `terminated`.
    pub status: String,
    /// cogov: paid so far, yuan.
    pub amount_disbursed: f64,
    /// The same in fen.
    #[serde(skip)]
    pub disbursed_fen: i64,
    /// cogov: the performance score at completion.
    pub performance_score: Option<i32>,
    /// cogov: the project number (the OCDS ocid is a prefix plus it).
    pub project_number: String,
}

/// A period.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedDates {
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
}

/// An organization as 360Giving names it.
#[derive(Debug, Clone, Serialize)]
pub struct Org {
    /// `CN-USCI-{code}` or `cogov-...`.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// Every published grant, oldest first.
///
/// # Errors
/// The database's error.
pub async fn open_grants(db: &Db) -> Result<Vec<OpenGrant>> {
    let rows = grants::Entity::find()
        .filter(grants::Column::Status.ne("declined"))
        .order_by_asc(grants::Column::Id)
        .all(db.conn())
        .await?;
    let orgs = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(rows.iter().map(|g| g.organization_id)))
        .all(db.conn())
        .await?;
    let depts = departments::Entity::find().all(db.conn()).await?;
    let projs = projects::Entity::find()
        .filter(projects::Column::Id.is_in(rows.iter().map(|g| g.project_id)))
        .all(db.conn())
        .await?;
    let paid = disbursements::Entity::find()
        .filter(disbursements::Column::GrantId.is_in(rows.iter().map(|g| g.id)))
        .all(db.conn())
        .await?;
    rows.into_iter()
        .map(|g| {
            let org = orgs.iter().find(|o| o.id == g.organization_id);
            let dept = depts.iter().find(|d| d.id == g.department_id);
            let project = projs
                .iter()
                .find(|p| p.id == g.project_id)
                .ok_or_else(|| Error::Internal(format!("grant {} has no project", g.id)))?;
            let disbursed: i64 = paid
                .iter()
                .filter(|d| d.grant_id == g.id)
                .map(|d| d.amount_fen)
                .sum();
            Ok(OpenGrant {
                id: format!("360G-cogov-{}", g.id),
                title: g.title.clone(),
                description: project.description.clone(),
                currency: "CNY",
                amount_awarded: Fen(g.amount_fen).as_yuan_f64(),
                amount_fen: g.amount_fen,
                award_date: china_date(g.created_at),
                planned_dates: vec![PlannedDates {
                    start_date: g.service_start,
                    end_date: g.service_end,
                }],
                recipient_organization: vec![Org {
                    id: crate::open::ocds::organization_party_id(
                        org.and_then(|o| o.uscc.as_deref()),
                        g.organization_id,
                    ),
                    name: org.map(|o| o.name.clone()).unwrap_or_default(),
                }],
                funding_organization: vec![Org {
                    id: dept.map_or_else(String::new, crate::open::ocds::department_party_id),
                    name: dept.map(|d| d.name.clone()).unwrap_or_default(),
                }],
                status: g.status,
                amount_disbursed: Fen(disbursed).as_yuan_f64(),
                disbursed_fen: disbursed,
                performance_score: g.performance_score,
                project_number: project.number.clone(),
            })
        })
        .collect()
}

/// The CSV columns: 360Giving's titles, then cogov's.
pub const CSV_COLUMNS: [&str; 16] = [
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Status",
    "Amount Disbursed",
    "Performance Score",
    "Project Number",
];

/// The grants as CSV.
///
/// # Errors
/// The database's error.
pub async fn csv(db: &Db) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(e.to_string());
    w.write_record(CSV_COLUMNS).map_err(fail)?;
    for g in open_grants(db).await? {
        let (recipient, funder, dates) = (
            &g.recipient_organization[0],
            &g.funding_organization[0],
            &g.planned_dates[0],
        );
        w.write_record([
            g.id.as_str(),
            &g.title,
            &g.description,
            g.currency,
            &Fen(g.amount_fen).to_string(),
            &g.award_date.to_string(),
            &dates.start_date.to_string(),
            &dates.end_date.to_string(),
            &recipient.id,
            &recipient.name,
            &funder.id,
            &funder.name,
            &g.status,
            &Fen(g.disbursed_fen).to_string(),
            &g.performance_score
                .map(|s| s.to_string())
                .unwrap_or_default(),
            &g.project_number,
        ])
        .map_err(fail)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

/// The grants a purchaser's department funds (every grant for auditors and
/// admins) as an XLSX sheet: project, grantee and code, amount, paid,
/// remaining, state, service period, overdue reports, performance score.
///
/// # Errors
/// `Forbidden` for other roles.
pub async fn staff_xlsx(db: &Db, actor: &crate::auth::Actor, today: NaiveDate) -> Result<Vec<u8>> {
    use crate::auth::Role;
    use crate::xlsx::Cell;
    let department_id = match actor.role {
        Role::Purchaser => Some(
            actor
                .department_id
                .ok_or_else(|| Error::forbidden("you belong to no department"))?,
        ),
        Role::Auditor | Role::Admin => None,
        _ => {
            return Err(Error::forbidden(
                "the grants sheet is for purchasers, auditors and admins",
            ));
        }
    };
    let filter = super::service::Filter {
        department_id,
        ..super::service::Filter::default()
    };
    let orgs = organizations::Entity::find().all(db.conn()).await?;
    let projs = projects::Entity::find().all(db.conn()).await?;
    let mut rows = Vec::new();
    let mut page = crate::pagination::PageRequest::parse(Some(crate::pagination::MAX_LIMIT), None)?;
    loop {
        let (grants, next) = super::service::list(db, Some(actor), &filter, &page).await?;
        for g in &grants {
            let org = orgs.iter().find(|o| o.id == g.row.organization_id);
            let number = projs
                .iter()
                .find(|p| p.id == g.row.project_id)
                .map(|p| p.number.clone())
                .unwrap_or_default();
            rows.push(vec![
                Cell::Text(number),
                Cell::Text(g.row.title.clone()),
                Cell::Text(org.map(|o| o.name.clone()).unwrap_or_default()),
                Cell::Text(org.and_then(|o| o.uscc.clone()).unwrap_or_default()),
                Cell::Money(g.row.amount_fen),
                Cell::Money(g.paid_fen()),
                Cell::Money(g.remaining_fen()),
                Cell::Text(g.row.status.clone()),
                Cell::Text(g.row.service_start.to_string()),
                Cell::Text(g.row.service_end.to_string()),
                Cell::Int(i64::try_from(g.overdue(today).len()).unwrap_or(0)),
                g.row
                    .performance_score
                    .map_or(Cell::Empty, |s| Cell::Int(i64::from(s))),
            ]);
        }
        match next {
            Some(c) => {
                page = crate::pagination::PageRequest::parse(
                    Some(crate::pagination::MAX_LIMIT),
                    Some(&c),
                )?;
            }
            None => break,
        }
    }
    crate::xlsx::workbook(
        "grants",
        &[
            "project_number",
            "title",
            "grantee",
            "uscc",
            "amount_yuan",
            "paid_yuan",
            "remaining_yuan",
            "status",
            "service_start",
            "service_end",
            "overdue_reports",
            "performance_score",
        ],
        &rows,
    )
}
