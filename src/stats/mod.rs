//! Statistics: the numbers behind the dashboards, computed from the
//! records on request (nothing is stored, so they are never stale).
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
    organizations, outbox, projects, webhooks,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use crate::auth::{Actor, Role};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::grants::service::{DUE, RETURNED, SUBMITTED};

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

/// Computes the public figures on `today` (China date).
///
/// # Errors
/// The database's error.
pub async fn public(db: &Db, today: NaiveDate) -> Result<Public> {
    let conn = db.conn();
    let orgs: Vec<(String, String, Option<NaiveDate>)> = organizations::Entity::find()
        .select_only()
        .column(organizations::Column::OrgType)
        .column(organizations::Column::DivisionCode)
        .column(organizations::Column::RegisteredOn)
        .into_tuple()
        .all(conn)
        .await?;
    let by_type = tally(orgs.iter().map(|o| o.0.clone()));
    let by_region = tally(orgs.iter().map(|o| province_of(&o.1)));
    let by_year = tally(
        orgs.iter()
            .filter_map(|o| o.2.map(|d| d.year().to_string())),
    );

    let categories = catalog_categories::Entity::find().all(conn).await?;
    let category_name = |id: uuid::Uuid| {
        categories
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name_zh.clone())
    };
    let projs: Vec<(uuid::Uuid, String, uuid::Uuid)> = projects::Entity::find()
        .select_only()
        .column(projects::Column::Id)
        .column(projects::Column::Status)
        .column(projects::Column::CategoryId)
        .filter(projects::Column::Status.ne("draft"))
        .into_tuple()
        .all(conn)
        .await?;
    let by_status = tally(projs.iter().map(|p| p.1.clone()));
    let by_category = tally(projs.iter().map(|p| category_name(p.2)));

    let grant_rows = grants::Entity::find()
        .filter(grants::Column::Status.ne("declined"))
        .all(conn)
        .await?;
    let mut funds_cat = BTreeMap::new();
    let mut funds_year = BTreeMap::new();
    for g in &grant_rows {
        let cat = projs
            .iter()
            .find(|p| p.0 == g.project_id)
            .map_or_else(String::new, |p| category_name(p.2));
        *funds_cat.entry(cat).or_insert(0) += g.amount_fen;
        *funds_year
            .entry(crate::clock::china_date(g.created_at).year().to_string())
            .or_insert(0) += g.amount_fen;
    }
    let scores: Vec<i64> = grant_rows
        .iter()
        .filter(|g| g.status == "completed")
        .filter_map(|g| g.performance_score.map(i64::from))
        .collect();
    let scored = i64::try_from(scores.len()).unwrap_or(i64::MAX);
    let average = (scored > 0).then(|| {
        let sum: i64 = scores.iter().sum();
        // Hundredths, rounded half up.
        (sum * 100 * 2 + scored) / (2 * scored)
    });
    let active: Vec<uuid::Uuid> = grant_rows
        .iter()
        .filter(|g| g.status == "active")
        .map(|g| g.id)
        .collect();
    let overdue = grant_reports::Entity::find()
        .filter(grant_reports::Column::GrantId.is_in(active))
        .filter(grant_reports::Column::Status.is_in([DUE, RETURNED]))
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
        funds_total_fen: grant_rows.iter().map(|g| g.amount_fen).sum(),
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
    let statuses: Vec<String> = grants::Entity::find()
        .select_only()
        .column(grants::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Staff {
        applications_awaiting_review: n(applications::Entity::find()
            .filter(applications::Column::Status.eq("submitted"))
            .count(conn)
            .await?),
        annual_reports_awaiting_review: n(annual_reports::Entity::find()
            .filter(annual_reports::Column::Status.eq("submitted"))
            .count(conn)
            .await?),
        grants_by_status: counts(tally(statuses), str::to_owned),
        grant_reports_awaiting_review: n(grant_reports::Entity::find()
            .filter(grant_reports::Column::Status.eq(SUBMITTED))
            .count(conn)
            .await?),
        feedback_awaiting_moderation: n(grant_feedback::Entity::find()
            .filter(grant_feedback::Column::Status.eq("pending"))
            .count(conn)
            .await?),
        mail_failed: n(outbox::Entity::find()
            .filter(outbox::Column::Status.eq(crate::notifications::mail::FAILED))
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
