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
use std::collections::HashMap;

use futures_util::Stream;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

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

/// The names and codes of the organizations among `ids` (a page's grantees).
async fn names_and_codes(
    db: &Db,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, (String, Option<String>)>> {
    Ok(organizations::Entity::find()
        .select_only()
        .columns([
            organizations::Column::Id,
            organizations::Column::Name,
            organizations::Column::Uscc,
        ])
        .filter(organizations::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String, Option<String>)>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|(id, name, uscc)| (id, (name, uscc)))
        .collect())
}

/// Grants per page of the open exports.
pub const EXPORT_PAGE: u64 = 500;

/// One page of the published grants, oldest first, after the grant `after`;
/// with the id of its last grant when more may follow. Five queries a page
/// whatever its size: the grants, then their organizations, departments,
/// projects and payments by the page's ids.
///
/// # Errors
/// The database's error.
pub async fn open_grants_page(
    db: &Db,
    after: Option<Uuid>,
    size: u64,
) -> Result<(Vec<OpenGrant>, Option<Uuid>)> {
    let mut q = grants::Entity::find()
        .filter(grants::Column::Status.ne("declined"))
        .order_by_asc(grants::Column::Id);
    if let Some(after) = after {
        q = q.filter(grants::Column::Id.gt(after));
    }
    let mut rows = q.limit(size + 1).all(db.conn()).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    let orgs = names_and_codes(db, rows.iter().map(|g| g.organization_id)).await?;
    let depts: HashMap<Uuid, departments::Model> = departments::Entity::find()
        .filter(departments::Column::Id.is_in(rows.iter().map(|g| g.department_id)))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let projs: HashMap<Uuid, (String, String)> = projects::Entity::find()
        .select_only()
        .columns([
            projects::Column::Id,
            projects::Column::Number,
            projects::Column::Description,
        ])
        .filter(projects::Column::Id.is_in(rows.iter().map(|g| g.project_id)))
        .into_tuple::<(Uuid, String, String)>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|(id, number, description)| (id, (number, description)))
        .collect();
    let paid: HashMap<Uuid, i64> = disbursements::Entity::find()
        .select_only()
        .column(disbursements::Column::GrantId)
        // PostgreSQL sums BIGINT as NUMERIC.
        .column_as(
            sea_orm::sea_query::Expr::cust("CAST(SUM(amount_fen) AS BIGINT)"),
            "paid",
        )
        .filter(disbursements::Column::GrantId.is_in(rows.iter().map(|g| g.id)))
        .group_by(disbursements::Column::GrantId)
        .into_tuple::<(Uuid, Option<i64>)>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|(id, sum)| (id, sum.unwrap_or(0)))
        .collect();
    let last = rows.last().map(|g| g.id);
    let page = rows
        .into_iter()
        .map(|g| {
            let (org_name, uscc) = orgs.get(&g.organization_id).cloned().unwrap_or_default();
            let dept = depts.get(&g.department_id);
            let (number, description) = projs
                .get(&g.project_id)
                .cloned()
                .ok_or_else(|| Error::Internal(format!("grant {} has no project", g.id)))?;
            let disbursed = paid.get(&g.id).copied().unwrap_or(0);
            Ok(OpenGrant {
                id: format!("360G-cogov-{}", g.id),
                title: g.title,
                description,
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
                        uscc.as_deref(),
                        g.organization_id,
                    ),
                    name: org_name,
                }],
                funding_organization: vec![Org {
                    id: dept.map_or_else(String::new, crate::open::ocds::department_party_id),
                    name: dept.map(|d| d.name.clone()).unwrap_or_default(),
                }],
                status: g.status.as_str().into(),
                amount_disbursed: Fen(disbursed).as_yuan_f64(),
                disbursed_fen: disbursed,
                performance_score: g.performance_score,
                project_number: number,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((page, last.filter(|_| more)))
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

fn csv_header() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(CSV_COLUMNS);
    w.into_inner().unwrap_or_default()
}

fn csv_rows(grants: &[OpenGrant]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(e.to_string());
    for g in grants {
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
    w.into_inner().map_err(|e| Error::Internal(e.to_string()))
}

/// The grants as CSV, `size` grants a page.
pub fn csv_stream(db: Db, size: u64) -> impl Stream<Item = Result<Vec<u8>>> + Send + 'static {
    crate::pagination::stream_pages(csv_header(), Vec::new(), move |after| {
        let db = db.clone();
        async move {
            let (grants, last) = open_grants_page(&db, after, size).await?;
            Ok((csv_rows(&grants)?, last))
        }
    })
}

/// The grants as the JSON package `{"grants": [...]}`, `size` grants a page.
pub fn json_stream(db: Db, size: u64) -> impl Stream<Item = Result<Vec<u8>>> + Send + 'static {
    crate::pagination::stream_pages(b"{\"grants\":[".to_vec(), b"]}".to_vec(), move |after| {
        let db = db.clone();
        async move {
            let (grants, last) = open_grants_page(&db, after, size).await?;
            let mut out = Vec::new();
            for (i, g) in grants.iter().enumerate() {
                // Pages after the first follow a grant already written.
                if i > 0 || after.is_some() {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, g).map_err(|e| Error::Internal(e.to_string()))?;
            }
            Ok((out, last))
        }
    })
}

/// The grants a purchaser's department funds (every grant for auditors and
/// admins) as an XLSX sheet: project, grantee and code, amount, paid,
/// remaining, state, service period, overdue reports, performance score.
///
/// # Errors
/// `Forbidden` for other roles.
pub async fn staff_xlsx(db: &Db, actor: &crate::auth::Actor, today: NaiveDate) -> Result<Vec<u8>> {
    use crate::xlsx::{Cell, Sheet};
    let department_id = crate::auth::policy::department_scope(actor)?;
    let filter = super::service::Filter {
        department_id,
        ..super::service::Filter::default()
    };
    let mut sheet = Sheet::new(
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
    )?;
    let mut page = crate::pagination::PageRequest::parse(Some(crate::pagination::MAX_LIMIT), None)?;
    loop {
        let (grants, next) = super::service::list(db, Some(actor), &filter, &page).await?;
        let orgs = names_and_codes(db, grants.iter().map(|g| g.row.organization_id)).await?;
        let numbers: HashMap<Uuid, String> = projects::Entity::find()
            .select_only()
            .columns([projects::Column::Id, projects::Column::Number])
            .filter(projects::Column::Id.is_in(grants.iter().map(|g| g.row.project_id)))
            .into_tuple::<(Uuid, String)>()
            .all(db.conn())
            .await?
            .into_iter()
            .collect();
        let rows: Vec<Vec<Cell>> = grants
            .iter()
            .map(|g| {
                let (name, uscc) = orgs
                    .get(&g.row.organization_id)
                    .cloned()
                    .unwrap_or_default();
                vec![
                    Cell::Text(numbers.get(&g.row.project_id).cloned().unwrap_or_default()),
                    Cell::Text(g.row.title.clone()),
                    Cell::Text(name),
                    Cell::Text(uscc.unwrap_or_default()),
                    Cell::Money(g.row.amount_fen),
                    Cell::Money(g.paid_fen()),
                    Cell::Money(g.remaining_fen()),
                    Cell::Text(g.row.status.as_str().into()),
                    Cell::Text(g.row.service_start.to_string()),
                    Cell::Text(g.row.service_end.to_string()),
                    Cell::Int(i64::try_from(g.overdue(today).len()).unwrap_or(0)),
                    g.row
                        .performance_score
                        .map_or(Cell::Empty, |s| Cell::Int(i64::from(s))),
                ]
            })
            .collect();
        sheet.add(&rows)?;
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
    sheet.finish()
}
