//! Business rows against their history: what `cogov audit verify` checks
//! besides the chain itself.
//!
//! Every command writes its row and an audit entry recording the row's new
//! state in one transaction, so the newest value an entry recorded for a
//! field is the row's value now. A row edited behind the application's
//! back (directly in the database) disagrees with its history; [`check`]
//! names each such row and field. It also checks what the rows promise each
//! other: a grant's installments add up to its amount, an installment's
//! payments to what it records as paid. (Bids are checked against their
//! receipts by `procurement::bids::verify_all`.)
//!
//! What is compared, each against the entries of its trail that name the
//! row (`row_key` in the entry's `after`):
//! - organizations: name, code, type, division, status, registered funds;
//! - projects: number, title, department, budget;
//! - awards: the bid and amount of the notice;
//! - grants: amount, grantee, status; installments: paid; reports: status;
//! - applications and annual reports: status and what was decided.
//!
//! A field no entry recorded (rows made before their area audited it) is
//! not compared. Reads go a batch of rows at a time with one query for
//! their entries, so memory does not grow with the data.

use std::collections::HashMap;

use entity::{
    annual_reports, applications, audit_entries, awards, disbursements, grant_reports, grants,
    installments, organizations, projects,
};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::Result;

/// Rows read at a time.
const BATCH: u64 = 500;

/// One row that disagrees with its history or with the rows it promises to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What kind of row (`grant`, `installment`, ...).
    pub kind: &'static str,
    /// Its id.
    pub id: Uuid,
    /// What disagrees, for the operator.
    pub reason: String,
}

/// Where a kind of row's history is and what of it is compared.
struct Trail {
    /// The kind of row, for findings.
    kind: &'static str,
    /// The audit entity type the entries are filed under.
    entity_type: &'static str,
    /// The key in an entry's `after` that names the row.
    row_key: &'static str,
    /// The fields compared (keys of both the entry's `after` and the row's facts).
    fields: &'static [&'static str],
}

/// A row as its history describes it: the audit entity id its entries are
/// filed under, its own id, and its facts in the entries' shape.
struct Row {
    trail_id: String,
    id: Uuid,
    facts: Value,
}

const ORGANIZATIONS: Trail = Trail {
    kind: "organization",
    entity_type: "organization",
    row_key: "id",
    fields: &[
        "name",
        "uscc",
        "org_type",
        "division_code",
        "status",
        "funds_fen",
    ],
};
const PROJECTS: Trail = Trail {
    kind: "project",
    entity_type: "project",
    row_key: "id",
    fields: &["number", "title", "department_id", "budget_fen"],
};
const AWARDS: Trail = Trail {
    kind: "award",
    entity_type: "project",
    row_key: "award_id",
    fields: &["bid_id", "amount_fen"],
};
const GRANTS: Trail = Trail {
    kind: "grant",
    entity_type: "grant",
    row_key: "id",
    fields: &["amount_fen", "organization_id", "status"],
};
const INSTALLMENTS: Trail = Trail {
    kind: "installment",
    entity_type: "grant",
    row_key: "installment_id",
    fields: &["paid_fen"],
};
const REPORTS: Trail = Trail {
    kind: "grant report",
    entity_type: "grant",
    row_key: "report_id",
    fields: &["status"],
};
const APPLICATIONS: Trail = Trail {
    kind: "application",
    entity_type: "application",
    row_key: "id",
    fields: &["status", "organization_id", "decision_reason"],
};
const ANNUAL_REPORTS: Trail = Trail {
    kind: "annual report",
    entity_type: "annual_report",
    row_key: "id",
    fields: &[
        "status",
        "result",
        "income_fen",
        "expenditure_fen",
        "net_assets_fen",
    ],
};

/// Checks every audited row against its history and the grants' sums.
///
/// # Errors
/// The database's error.
pub async fn check<C: ConnectionTrait>(conn: &C) -> Result<Vec<Finding>> {
    let mut found = Vec::new();
    table::<organizations::Entity, _>(
        conn,
        organizations::Column::Id,
        &ORGANIZATIONS,
        |o| Row {
            trail_id: o.id.to_string(),
            id: o.id,
            facts: crate::registry::organizations::snapshot(o),
        },
        &mut found,
    )
    .await?;
    table::<projects::Entity, _>(
        conn,
        projects::Column::Id,
        &PROJECTS,
        |p| Row {
            trail_id: p.id.to_string(),
            id: p.id,
            facts: json!({
                "number": p.number, "title": p.title,
                "department_id": p.department_id, "budget_fen": p.budget_fen,
            }),
        },
        &mut found,
    )
    .await?;
    table::<awards::Entity, _>(
        conn,
        awards::Column::Id,
        &AWARDS,
        |a| Row {
            trail_id: a.project_id.to_string(),
            id: a.id,
            facts: json!({"bid_id": a.bid_id, "amount_fen": a.amount_fen}),
        },
        &mut found,
    )
    .await?;
    table::<grants::Entity, _>(
        conn,
        grants::Column::Id,
        &GRANTS,
        |g| Row {
            trail_id: g.id.to_string(),
            id: g.id,
            facts: json!({
                "amount_fen": g.amount_fen, "organization_id": g.organization_id,
                "status": g.status,
            }),
        },
        &mut found,
    )
    .await?;
    table::<installments::Entity, _>(
        conn,
        installments::Column::Id,
        &INSTALLMENTS,
        |i| Row {
            trail_id: i.grant_id.to_string(),
            id: i.id,
            facts: json!({"paid_fen": i.paid_fen}),
        },
        &mut found,
    )
    .await?;
    table::<grant_reports::Entity, _>(
        conn,
        grant_reports::Column::Id,
        &REPORTS,
        |r| Row {
            trail_id: r.grant_id.to_string(),
            id: r.id,
            facts: json!({"status": r.status}),
        },
        &mut found,
    )
    .await?;
    table::<applications::Entity, _>(
        conn,
        applications::Column::Id,
        &APPLICATIONS,
        |a| Row {
            trail_id: a.id.to_string(),
            id: a.id,
            facts: json!({
                "status": a.status, "organization_id": a.organization_id,
                "decision_reason": a.decision_reason,
            }),
        },
        &mut found,
    )
    .await?;
    table::<annual_reports::Entity, _>(
        conn,
        annual_reports::Column::Id,
        &ANNUAL_REPORTS,
        |r| Row {
            trail_id: r.id.to_string(),
            id: r.id,
            facts: json!({
                "status": r.status, "result": r.result, "income_fen": r.income_fen,
                "expenditure_fen": r.expenditure_fen, "net_assets_fen": r.net_assets_fen,
            }),
        },
        &mut found,
    )
    .await?;
    sums(conn, &mut found).await?;
    Ok(found)
}

/// Walks one table a batch at a time and compares each row with its trail.
async fn table<E, C>(
    conn: &C,
    id: E::Column,
    trail: &Trail,
    row_of: impl Fn(&E::Model) -> Row,
    found: &mut Vec<Finding>,
) -> Result<()>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = E::find().order_by_asc(id).limit(BATCH);
        if let Some(a) = after {
            q = q.filter(id.gt(a));
        }
        let rows: Vec<Row> = q.all(conn).await?.iter().map(&row_of).collect();
        let Some(last) = rows.last().map(|r| r.id) else {
            return Ok(());
        };
        compare(conn, trail, &rows, found).await?;
        after = Some(last);
    }
}

/// The newest value each entry of the rows' trails recorded for each field,
/// compared with the rows.
async fn compare<C: ConnectionTrait>(
    conn: &C,
    trail: &Trail,
    rows: &[Row],
    found: &mut Vec<Finding>,
) -> Result<()> {
    let mut trail_ids: Vec<&str> = rows.iter().map(|r| r.trail_id.as_str()).collect();
    trail_ids.sort_unstable();
    trail_ids.dedup();
    let entries: Vec<(i64, Option<String>)> = audit_entries::Entity::find()
        .select_only()
        .column(audit_entries::Column::Seq)
        .column(audit_entries::Column::After)
        .filter(audit_entries::Column::EntityType.eq(trail.entity_type))
        .filter(audit_entries::Column::EntityId.is_in(trail_ids))
        .order_by_asc(audit_entries::Column::Seq)
        .into_tuple()
        .all(conn)
        .await?;
    // row id -> field -> (value, the entry that recorded it)
    let mut recorded: HashMap<Uuid, HashMap<&str, (Value, i64)>> = HashMap::new();
    for (seq, after) in entries {
        let Some(after) = after.and_then(|a| serde_json::from_str::<Value>(&a).ok()) else {
            continue;
        };
        let Some(row) = after
            .get(trail.row_key)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
        else {
            continue;
        };
        for field in trail.fields {
            if let Some(v) = after.get(*field) {
                recorded
                    .entry(row)
                    .or_default()
                    .insert(field, (v.clone(), seq));
            }
        }
    }
    for row in rows {
        let Some(fields) = recorded.get(&row.id) else {
            continue;
        };
        for field in trail.fields {
            let (Some((was, seq)), now) = (fields.get(field), &row.facts[*field]) else {
                continue;
            };
            if was != now {
                found.push(Finding {
                    kind: trail.kind,
                    id: row.id,
                    reason: format!(
                        "{field} is {now} but its last audit entry ({seq}) recorded {was}: \
                         changed outside cogov"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// A grant's installments add up to its amount; an installment's payments
/// to what it records as paid.
async fn sums<C: ConnectionTrait>(conn: &C, found: &mut Vec<Finding>) -> Result<()> {
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = grants::Entity::find()
            .order_by_asc(grants::Column::Id)
            .limit(BATCH);
        if let Some(a) = after {
            q = q.filter(grants::Column::Id.gt(a));
        }
        let batch = q.all(conn).await?;
        let Some(last) = batch.last().map(|g| g.id) else {
            return Ok(());
        };
        let ids: Vec<Uuid> = batch.iter().map(|g| g.id).collect();
        let parts = installments::Entity::find()
            .filter(installments::Column::GrantId.is_in(ids.clone()))
            .all(conn)
            .await?;
        let paid: HashMap<Uuid, i64> = disbursements::Entity::find()
            .select_only()
            .column(disbursements::Column::InstallmentId)
            .column_as(
                Expr::col(disbursements::Column::AmountFen)
                    .sum()
                    .cast_as("bigint"),
                "paid",
            )
            .filter(disbursements::Column::GrantId.is_in(ids))
            .group_by(disbursements::Column::InstallmentId)
            .into_tuple::<(Uuid, i64)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let mut scheduled: HashMap<Uuid, i64> = HashMap::new();
        for i in &parts {
            *scheduled.entry(i.grant_id).or_default() += i.amount_fen;
            let payments = paid.get(&i.id).copied().unwrap_or(0);
            if payments != i.paid_fen {
                found.push(Finding {
                    kind: "installment",
                    id: i.id,
                    reason: format!(
                        "records {} fen paid but its payments add up to {payments} fen",
                        i.paid_fen
                    ),
                });
            }
        }
        for g in &batch {
            match scheduled.get(&g.id) {
                Some(sum) if *sum != g.amount_fen => found.push(Finding {
                    kind: "grant",
                    id: g.id,
                    reason: format!(
                        "amount is {} fen but its installments add up to {sum} fen",
                        g.amount_fen
                    ),
                }),
                _ => {}
            }
        }
        after = Some(last);
    }
}
