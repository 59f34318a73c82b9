//! Statistics: the numbers behind the dashboards, read on request in a
//! fixed number of grouped queries, whatever the size of the registry.
//! The registry's figures come from `organization_counts`, which
//! [`count_registered`] keeps in the transaction that registers or imports
//! organizations (a count only grows: organizations are never deleted and
//! their type, division and registration date never change); the
//! procurement's from `procurement_counts`, which triggers on projects and
//! grants keep in every writing transaction (migration 000053); overdue
//! reports, which depend on the day, are counted through an index.
//!
//! Public figures: organizations registered by type, by province and by
//! year of registration (those active or ever registered, struck-off
//! included, so years do not shrink); projects by state and by category
//! (published ones: drafts are private); funds awarded by category and by
//! year of award (grants in force or done, declined ones left out);
//! average performance score of completed grants; overdue reports.
//!
//! Staff figures (registrars, purchasers, auditors, admins) add the work
//! waiting: applications and annual reports awaiting review, grants by
//! state, reports awaiting review, feedback awaiting moderation, mail that
//! failed, webhooks disabled.

pub mod chart;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use entity::{
    annual_reports, applications, catalog_categories, grant_feedback, grant_reports, grants,
    organizations, outbox, webhooks,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};
use serde::Serialize;

use crate::auth::{Actor, Role};
use crate::db::Db;
use crate::error::{Error, Result};
use entity::grant_reports::Status as ReportStatus;

/// One bar of a chart: a key (a code, a year), a label and a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Stable key: a state, a type, a code, a year.
    pub key: String,
    /// What people read.
    pub label: String,
    /// The number (a count, or fen for money).
    pub value: i64,
}

/// Counts `keys`, in key order.
#[cfg(test)]
fn tally(keys: impl IntoIterator<Item = String>) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for k in keys {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

fn counts(m: BTreeMap<String, i64>, label: impl Fn(&str) -> String) -> Vec<Count> {
    m.into_iter()
        .map(|(key, value)| Count {
            label: label(&key),
            key,
            value,
        })
        .collect()
}

/// The province (`xx0000`) of a division code.
#[must_use]
pub fn province_of(code: &str) -> String {
    match code.get(..2) {
        Some(p) if code.len() == 6 => format!("{p}0000"),
        _ => code.to_owned(),
    }
}

/// The public figures.
#[derive(Debug, Clone, Serialize)]
pub struct Public {
    /// Organizations by type.
    pub organizations_by_type: Vec<Count>,
    /// Organizations by province.
    pub organizations_by_region: Vec<Count>,
    /// Organizations by year of registration.
    pub organizations_by_year: Vec<Count>,
    /// Published projects by state.
    pub projects_by_status: Vec<Count>,
    /// Published projects by category.
    pub projects_by_category: Vec<Count>,
    /// Funds awarded (fen) by category.
    pub funds_by_category: Vec<Count>,
    /// Funds awarded (fen) by year of award.
    pub funds_by_year: Vec<Count>,
    /// Funds awarded in all, fen.
    pub funds_total_fen: i64,
    /// Average performance score of completed grants, hundredths (8850 is
    /// 88.50); none before the first completion.
    pub average_score_hundredths: Option<i64>,
    /// Completed grants with a score.
    pub scored_grants: i64,
    /// Reports past their due date and not in, on active grants.
    pub overdue_reports: i64,
}

/// Adds organizations just registered or imported to the counts behind
/// the public figures, inside their transaction.
///
/// # Errors
/// The database's error.
pub async fn count_registered<'a, C: ConnectionTrait>(
    tx: &C,
    orgs: impl IntoIterator<Item = &'a organizations::Model>,
) -> Result<()> {
    add_counts(tx, registered_counts(orgs)).await
}

/// What registering `orgs` adds to each count, by (dimension, key): sorted,
/// so every transaction locks the counts' rows in one order.
pub fn registered_counts<'a>(
    orgs: impl IntoIterator<Item = &'a organizations::Model>,
) -> BTreeMap<(&'static str, String), i64> {
    let mut add: BTreeMap<(&'static str, String), i64> = BTreeMap::new();
    for o in orgs {
        *add.entry(("type", o.org_type.clone())).or_default() += 1;
        *add.entry(("province", province_of(&o.division_code)))
            .or_default() += 1;
        if let Some(d) = o.registered_on {
            *add.entry(("year", format!("{:04}", d.year()))).or_default() += 1;
        }
    }
    add
}

/// Adds `add` ([`registered_counts`]) to `organization_counts`.
///
/// # Errors
/// The database's error.
pub async fn add_counts<C: ConnectionTrait>(
    tx: &C,
    add: BTreeMap<(&'static str, String), i64>,
) -> Result<()> {
    if add.is_empty() {
        return Ok(());
    }
    let table = Alias::new("organization_counts");
    let mut insert = Query::insert();
    insert.into_table(table.clone()).columns([
        Alias::new("dimension"),
        Alias::new("key"),
        Alias::new("n"),
    ]);
    for ((dimension, key), n) in add {
        insert.values_panic([dimension.into(), key.into(), n.into()]);
    }
    insert.on_conflict(
        OnConflict::columns([Alias::new("dimension"), Alias::new("key")])
            .value(
                Alias::new("n"),
                Expr::col((table, Alias::new("n")))
                    .add(Expr::col((Alias::new("excluded"), Alias::new("n")))),
            )
            .to_owned(),
    );
    tx.execute_raw(tx.get_database_backend().build(&insert))
        .await?;
    Ok(())
}

/// Every organization ever registered (the type counts' sum): the
/// registry's size, read from three kept rows.
///
/// # Errors
/// The database's error.
pub async fn organizations_total(db: &Db) -> Result<u64> {
    let rows = grouped::<String>(
        db,
        "SELECT key, n FROM organization_counts WHERE dimension = 'type'",
    )
    .await?;
    Ok(rows
        .iter()
        .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
        .sum())
}

/// Runs a grouped query whose rows are (key, number).
async fn grouped<K: sea_orm::TryGetable>(db: &Db, sql: &str) -> Result<Vec<(K, i64)>> {
    let conn = db.conn();
    let rows = conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index::<K>(0)?, r.try_get_by_index::<i64>(1)?)))
        .collect()
}

/// A table of kept counts (`organization_counts`, `procurement_counts`)
/// as dimension -> key -> n.
async fn counts_of(db: &Db, table: &str) -> Result<BTreeMap<String, BTreeMap<String, i64>>> {
    let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (key, n) in grouped::<String>(
        db,
        &format!("SELECT dimension || '/' || key, n FROM {table}"),
    )
    .await?
    {
        if let Some((dimension, key)) = key.split_once('/') {
            out.entry(dimension.to_owned())
                .or_default()
                .insert(key.to_owned(), n);
        }
    }
    Ok(out)
}

/// Computes the public figures on `today` (China date): eight grouped
/// queries and two counts, at any size.
///
/// # Errors
/// The database's error.
pub async fn public(db: &Db, today: NaiveDate) -> Result<Public> {
    let conn = db.conn();
    let mut registry = counts_of(db, "organization_counts").await?;
    let mut dimension = |d: &str| registry.remove(d).unwrap_or_default();
    let (by_type, by_region, by_year) =
        (dimension("type"), dimension("province"), dimension("year"));

    // Procurement figures, kept by triggers (migration 000053).
    let mut procurement = counts_of(db, "procurement_counts").await?;
    let mut figures = |d: &str| procurement.remove(d).unwrap_or_default();
    let categories = catalog_categories::Entity::find().all(conn).await?;
    let named = |by_code: BTreeMap<String, i64>| {
        let mut m = BTreeMap::new();
        for (code, n) in by_code.into_iter().filter(|(_, n)| *n != 0) {
            let name = categories
                .iter()
                .find(|c| c.code == code)
                .map_or(code, |c| c.name_zh.clone());
            *m.entry(name).or_insert(0) += n;
        }
        m
    };
    let mut by_status = figures("project_status");
    by_status.remove(entity::projects::Status::Draft.as_str());
    by_status.retain(|_, n| *n != 0);
    let by_category = named(figures("project_category"));
    let funds_cat = named(figures("funds_category"));
    let mut funds_year = figures("funds_year");
    funds_year.retain(|_, n| *n != 0);
    let scores = figures("scored");
    let (scored, sum) = (
        scores.get("count").copied().unwrap_or(0),
        scores.get("sum").copied().unwrap_or(0),
    );
    let average = (scored > 0).then(|| {
        // Hundredths, rounded half up.
        (sum * 100 * 2 + scored) / (2 * scored)
    });
    let overdue = grant_reports::Entity::find()
        .filter(
            grant_reports::Column::GrantId.in_subquery(
                Query::select()
                    .column(grants::Column::Id)
                    .from(grants::Entity)
                    .and_where(grants::Column::Status.eq(grants::Status::Active))
                    .to_owned(),
            ),
        )
        .filter(grant_reports::Column::Status.is_in([ReportStatus::Due, ReportStatus::Returned]))
        .filter(grant_reports::Column::DueOn.lt(today))
        .count(conn)
        .await?;
    Ok(Public {
        organizations_by_type: counts(by_type, str::to_owned),
        organizations_by_region: counts(by_region, |c| {
            crate::divisions::display_name(c).unwrap_or_else(|| c.to_owned())
        }),
        organizations_by_year: counts(by_year, str::to_owned),
        projects_by_status: counts(by_status, str::to_owned),
        projects_by_category: counts(by_category, str::to_owned),
        funds_total_fen: funds_year.values().sum(),
        funds_by_category: counts(funds_cat, str::to_owned),
        funds_by_year: counts(funds_year, str::to_owned),
        average_score_hundredths: average,
        scored_grants: scored,
        overdue_reports: i64::try_from(overdue).unwrap_or(i64::MAX),
    })
}

/// The staff figures: the work waiting.
#[derive(Debug, Clone, Serialize)]
pub struct Staff {
    /// Applications submitted and awaiting review.
    pub applications_awaiting_review: i64,
    /// Annual reports submitted and awaiting review.
    pub annual_reports_awaiting_review: i64,
    /// Grants by state.
    pub grants_by_status: Vec<Count>,
    /// Grant reports submitted and awaiting review.
    pub grant_reports_awaiting_review: i64,
    /// Public feedback awaiting moderation.
    pub feedback_awaiting_moderation: i64,
    /// Mail given up on.
    pub mail_failed: i64,
    /// Webhook subscriptions disabled after failures.
    pub webhooks_disabled: i64,
}

/// Whether `actor` sees the staff figures.
#[must_use]
pub fn is_staff(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Registrar | Role::Purchaser | Role::Auditor | Role::Admin
    )
}

fn n(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Computes the staff figures.
///
/// # Errors
/// `Forbidden` for anyone but registrars, purchasers, auditors and admins.
pub async fn staff(db: &Db, actor: &Actor) -> Result<Staff> {
    if !is_staff(actor) {
        return Err(Error::forbidden(
            "the staff figures are for registrars, purchasers, auditors and admins",
        ));
    }
    let conn = db.conn();
    let statuses: BTreeMap<String, i64> =
        grouped(db, "SELECT status, COUNT(*) FROM grants GROUP BY status")
            .await?
            .into_iter()
            .collect();
    Ok(Staff {
        applications_awaiting_review: n(applications::Entity::find()
            .filter(applications::Column::Status.eq(applications::Status::Submitted))
            .count(conn)
            .await?),
        annual_reports_awaiting_review: n(annual_reports::Entity::find()
            .filter(annual_reports::Column::Status.eq(annual_reports::Status::Submitted))
            .count(conn)
            .await?),
        grants_by_status: counts(statuses, str::to_owned),
        grant_reports_awaiting_review: n(grant_reports::Entity::find()
            .filter(grant_reports::Column::Status.eq(ReportStatus::Submitted))
            .count(conn)
            .await?),
        feedback_awaiting_moderation: n(grant_feedback::Entity::find()
            .filter(grant_feedback::Column::Status.eq(grant_feedback::Status::Pending))
            .count(conn)
            .await?),
        mail_failed: n(outbox::Entity::find()
            .filter(outbox::Column::Status.eq(entity::outbox::Status::Failed))
            .count(conn)
            .await?),
        webhooks_disabled: n(webhooks::Entity::find()
            .filter(webhooks::Column::Active.eq(false))
            .count(conn)
            .await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_roll_up_to_provinces() {
        assert_eq!(province_of("420106"), "420000");
        assert_eq!(province_of("110000"), "110000");
        assert_eq!(province_of("x"), "x");
    }

    #[test]
    fn tallies_count_each_key_in_order() {
        let m = tally(["b", "a", "b"].map(str::to_owned));
        assert_eq!(
            counts(m, |k| k.to_uppercase()),
            vec![
                Count {
                    key: "a".into(),
                    label: "A".into(),
                    value: 1
                },
                Count {
                    key: "b".into(),
                    label: "B".into(),
                    value: 2
                },
            ]
        );
    }
}
