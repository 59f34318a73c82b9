//! Annual reports (年报): one per organization per year, with income,
//! expenditure, net assets, staff and volunteer counts, an activities
//! summary and the audited financial statement (a file).
//!
//! States: `submitted -> accepted | returned`, and `returned -> submitted`
//! when the organization corrects it. Accepting records the result (`pass`,
//! `basic_pass`, `fail`); a return carries a note. Org members and admins
//! submit for their organization; registrars review; the figures of accepted
//! reports are public on the organization's profile.
//!
//! Due dates: 31 March of the next year for foundations, 31 May for the
//! others (configurable, see [`DueDates`]); an organization registered for
//! less than 6 months on 31 December skips that year ([`must_report`]).

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use entity::annual_reports;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::organizations as orgs;
use crate::audit::{self, Change};
use crate::auth::Actor;
use crate::auth::policy::{self, Action, RegistryScope};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};
use crate::files;
use crate::notifications;
use crate::pagination::PageRequest;

/// Where an annual report is: submitted, accepted, returned.
pub use entity::annual_reports::Status as ReportStatus;
/// The results of an accepted report.
pub const RESULTS: [&str; 3] = ["pass", "basic_pass", "fail"];

/// When reports are due, as (month, day) of the year after the one reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueDates {
    /// Foundations.
    pub foundations: (u32, u32),
    /// Social groups and social service agencies.
    pub others: (u32, u32),
}

impl Default for DueDates {
    fn default() -> Self {
        Self {
            foundations: (3, 31),
            others: (5, 31),
        }
    }
}

impl DueDates {
    /// The last day to report on `year` for an organization of `org_type`.
    #[must_use]
    pub fn due(&self, org_type: &str, year: i32) -> NaiveDate {
        let (m, d) = if org_type == "foundation" {
            self.foundations
        } else {
            self.others
        };
        NaiveDate::from_ymd_opt(year + 1, m, d)
            .or_else(|| NaiveDate::from_ymd_opt(year + 1, m, 28))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The latest year whose report is overdue on `today` (its due date has
    /// passed), for an organization of `org_type`.
    #[must_use]
    pub fn latest_overdue_year(&self, org_type: &str, today: NaiveDate) -> i32 {
        let last_year = today.year() - 1;
        if today > self.due(org_type, last_year) {
            last_year
        } else {
            last_year - 1
        }
    }
}

/// Whether an organization registered on `registered_on` reports on `year`:
/// not when registered for less than 6 months on 31 December of that year.
#[must_use]
pub fn must_report(registered_on: NaiveDate, year: i32) -> bool {
    let Some(dec31) = NaiveDate::from_ymd_opt(year, 12, 31) else {
        return false;
    };
    registered_on
        .checked_add_months(Months::new(6))
        .is_some_and(|six_months| six_months <= dec31)
}

/// A report's content.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// Year reported on.
    pub year: i32,
    /// Income, fen (not negative).
    pub income_fen: i64,
    /// Expenditure, fen (not negative).
    pub expenditure_fen: i64,
    /// Net assets at year end, fen (may be negative).
    pub net_assets_fen: i64,
    /// Staff at year end.
    pub staff_count: i32,
    /// Volunteers.
    pub volunteer_count: i32,
    /// Summary of activities.
    pub activities: String,
    /// The audited statement: an unattached upload of the submitter's, or
    /// none to keep the one already attached (on resubmission).
    pub statement_file_id: Option<Uuid>,
}

impl ReportInput {
    fn check(&mut self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, v) in [
            ("income_fen", self.income_fen),
            ("expenditure_fen", self.expenditure_fen),
        ] {
            if v < 0 {
                errors.push(FieldError::new(
                    field,
                    "negative_amount",
                    format!("{field} cannot be negative"),
                ));
            }
        }
        for (field, v) in [
            ("staff_count", self.staff_count),
            ("volunteer_count", self.volunteer_count),
        ] {
            if v < 0 {
                errors.push(FieldError::new(
                    field,
                    "negative_count",
                    format!("{field} cannot be negative"),
                ));
            }
        }
        self.activities = self.activities.trim().to_owned();
        let n = self.activities.chars().count();
        if n == 0 || n > 5000 {
            errors.push(FieldError::new(
                "activities",
                "length",
                "describe the year's activities in 1 to 5000 characters",
            ));
        }
        errors
    }
}

fn snapshot(r: &annual_reports::Model) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "organization_id": r.organization_id, "year": r.year,
        "status": r.status, "result": r.result, "income_fen": r.income_fen,
        "expenditure_fen": r.expenditure_fen, "net_assets_fen": r.net_assets_fen,
        "staff_count": r.staff_count, "volunteer_count": r.volunteer_count,
        "activities": r.activities, "statement_file_id": r.statement_file_id,
        "review_note": r.review_note,
    })
}

/// Submits the actor's organization's report on a year, or resubmits a
/// returned one.
///
/// # Errors
/// `Forbidden` unless an org user of an organization; `Conflict` when the
/// organization is not active or the year's report is already submitted or
/// accepted; `Invalid` naming each field (a year not yet over, before
/// registration, or skipped; a missing statement).
pub async fn submit(
    db: &Db,
    actor: &Actor,
    mut input: ReportInput,
    now: DateTime<Utc>,
) -> Result<annual_reports::Model> {
    policy::check(Some(actor), Action::Apply)?;
    let org_id = actor
        .organization_id
        .ok_or_else(|| Error::forbidden("you belong to no organization"))?;
    let mut errors = input.check();
    let today = crate::clock::china_date(now);
    let tx = db.begin().await?;
    let org = orgs::get(&*tx, org_id).await?;
    if org.status != orgs::Status::Active {
        return Err(Error::Conflict {
            code: "organization_not_active",
            message: format!("the organization is {}", org.status),
        });
    }
    let registered_on = org.registered_on.unwrap_or(today);
    if input.year >= today.year() || input.year < registered_on.year() {
        errors.push(FieldError::new(
            "year",
            "year_not_reportable",
            format!(
                "report on a finished year from {} to {}",
                registered_on.year(),
                today.year() - 1
            ),
        ));
    } else if !must_report(registered_on, input.year) {
        errors.push(FieldError::new(
            "year",
            "year_skipped",
            "registered for less than 6 months at the end of that year, the organization skips it",
        ));
    }
    let existing = annual_reports::Entity::find()
        .filter(annual_reports::Column::OrganizationId.eq(org_id))
        .filter(annual_reports::Column::Year.eq(input.year))
        .one(&*tx)
        .await?;
    if let Some(e) = &existing
        && e.status != ReportStatus::Returned
    {
        return Err(Error::Conflict {
            code: "already_reported",
            message: format!("the report on {} is already {}", input.year, e.status),
        });
    }
    let keeps_statement = existing
        .as_ref()
        .is_some_and(|e| e.statement_file_id.is_some());
    if input.statement_file_id.is_none() && !keeps_statement {
        errors.push(FieldError::new(
            "statement_file_id",
            "statement_required",
            "attach the audited financial statement",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let id = existing.as_ref().map_or_else(Uuid::now_v7, |e| e.id);
    let statement = match input.statement_file_id {
        Some(file_id) => Some(
            files::attach(
                &*tx,
                actor,
                file_id,
                files::ANNUAL_REPORT,
                id,
                "statement",
                now,
            )
            .await?
            .id,
        ),
        None => existing.as_ref().and_then(|e| e.statement_file_id),
    };
    let after = annual_reports::Model {
        id,
        organization_id: org_id,
        year: input.year,
        status: ReportStatus::Submitted,
        result: None,
        income_fen: input.income_fen,
        expenditure_fen: input.expenditure_fen,
        net_assets_fen: input.net_assets_fen,
        staff_count: input.staff_count,
        volunteer_count: input.volunteer_count,
        activities: input.activities,
        statement_file_id: statement,
        review_note: existing.as_ref().and_then(|e| e.review_note.clone()),
        submitted_by: actor.user_id,
        submitted_at: now,
        reviewed_by: None,
        reviewed_at: None,
        created_at: existing.as_ref().map_or(now, |e| e.created_at),
        updated_at: now,
    };
    let am = annual_reports::ActiveModel::from(after.clone()).reset_all();
    if existing.is_some() {
        am.update(&*tx).await?;
    } else {
        am.insert(&*tx).await?;
    }
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            if existing.is_some() {
                "annual_report.resubmit"
            } else {
                "annual_report.submit"
            },
            "annual_report",
            id,
            existing.as_ref().map(snapshot).as_ref(),
            Some(&snapshot(&after)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A registrar's decision on a submitted report.
#[derive(Debug, Clone)]
pub enum Review {
    /// Accept with a result (`pass`, `basic_pass`, `fail`).
    Accept(String),
    /// Send back with a note.
    Return(String),
}

/// A registrar reviews a submitted report.
///
/// # Errors
/// `Forbidden` unless a registrar; `NotFound`; `Conflict` unless submitted;
/// `Invalid` for an unknown result or a return without a note.
pub async fn review(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    review: Review,
    now: DateTime<Utc>,
) -> Result<annual_reports::Model> {
    policy::check(Some(actor), Action::Register)?;
    let (status, result, note) = match review {
        Review::Accept(result) => {
            if !RESULTS.contains(&result.as_str()) {
                return Err(Error::invalid(
                    "result",
                    "unknown_result",
                    "result must be pass, basic_pass or fail",
                ));
            }
            (ReportStatus::Accepted, Some(result), None)
        }
        Review::Return(note) => {
            let note = note.trim().to_owned();
            if note.is_empty() || note.chars().count() > 2000 {
                return Err(Error::invalid(
                    "reason",
                    "reason_required",
                    "say in 1 to 2000 characters what to correct",
                ));
            }
            (ReportStatus::Returned, None, Some(note))
        }
    };
    let tx = db.begin().await?;
    let before = annual_reports::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("annual report"))?;
    if before.status != ReportStatus::Submitted {
        return Err(Error::Conflict {
            code: "wrong_state",
            message: format!("a report that is {} cannot be reviewed", before.status),
        });
    }
    let after = annual_reports::Model {
        status,
        result,
        review_note: note.or_else(|| before.review_note.clone()),
        reviewed_by: Some(actor.user_id),
        reviewed_at: Some(now),
        updated_at: now,
        ..before.clone()
    };
    crate::db::update_while::<annual_reports::Entity, _>(
        &*tx,
        annual_reports::ActiveModel {
            status: Set(after.status),
            result: Set(after.result.clone()),
            review_note: Set(after.review_note.clone()),
            reviewed_by: Set(after.reviewed_by),
            reviewed_at: Set(after.reviewed_at),
            updated_at: Set(now),
            ..Default::default()
        },
        annual_reports::Column::Id,
        id,
        annual_reports::Column::Status,
        before.status,
        "this annual report",
    )
    .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            if status == ReportStatus::Accepted {
                "annual_report.accept"
            } else {
                "annual_report.return"
            },
            "annual_report",
            id,
            Some(&snapshot(&before)),
            Some(&snapshot(&after)),
        ),
        now,
    )
    .await?;
    let org = super::organizations::get(&*tx, after.organization_id).await?;
    let people = notifications::organization_users(&*tx, after.organization_id, false).await?;
    let kind = if status == ReportStatus::Accepted {
        notifications::Kind::AnnualReportAccepted
    } else {
        notifications::Kind::AnnualReportReturned
    };
    notifications::tell(
        &*tx,
        &people,
        kind,
        format!(
            "annual_report:{id}:{}:{}",
            kind.as_str(),
            now.timestamp_micros()
        ),
        format!("/annual-reports/{id}"),
        notifications::Params {
            year: Some(after.year),
            note: (status == ReportStatus::Returned)
                .then(|| after.review_note.clone())
                .flatten(),
            ..notifications::Params::about(org.name)
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// One report, for its organization's people, registrars and auditors.
///
/// # Errors
/// `NotFound` for anyone else.
pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> Result<annual_reports::Model> {
    let r = annual_reports::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("annual report"))?;
    policy::organization_insider(actor, r.organization_id)
        .map_err(|_| Error::NotFound("annual report"))?;
    Ok(r)
}

/// Filters of the report lists.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this state.
    pub status: Option<ReportStatus>,
    /// Only this year.
    pub year: Option<i32>,
}

/// Reports the actor may see: an org user's organization's, or every one
/// for registrars and auditors (the review queue).
///
/// # Errors
/// `Forbidden` for other roles.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &ListFilter,
    page: &PageRequest,
) -> Result<(Vec<annual_reports::Model>, Option<String>)> {
    use annual_reports::Column as C;
    let mut q = annual_reports::Entity::find().order_by_asc(C::Id);
    match policy::registry_scope(actor)? {
        RegistryScope::Own(None) => return Ok((Vec::new(), None)),
        RegistryScope::Own(Some(org)) => q = q.filter(C::OrganizationId.eq(org)),
        RegistryScope::Everyone => {}
    }
    if let Some(s) = filter.status {
        q = q.filter(C::Status.eq(s));
    }
    if let Some(y) = filter.year {
        q = q.filter(C::Year.eq(y));
    }
    if let Some(after) = page.after {
        q = q.filter(C::Id.gt(after));
    }
    let rows = q.limit(page.limit + 1).all(db.conn()).await?;
    Ok(page.finish(rows, |r| r.id))
}

/// Accepted reports of an organization, newest year first. Public.
///
/// # Errors
/// The database's error.
pub async fn public_of(db: &Db, organization_id: Uuid) -> Result<Vec<annual_reports::Model>> {
    Ok(annual_reports::Entity::find()
        .filter(annual_reports::Column::OrganizationId.eq(organization_id))
        .filter(annual_reports::Column::Status.eq(ReportStatus::Accepted))
        .order_by_desc(annual_reports::Column::Year)
        .all(db.conn())
        .await?)
}

/// Whether the organization has any report on `year` (submitted, returned or
/// accepted).
///
/// # Errors
/// The database's error.
pub async fn has_report<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    year: i32,
) -> Result<bool> {
    Ok(annual_reports::Entity::find()
        .filter(annual_reports::Column::OrganizationId.eq(organization_id))
        .filter(annual_reports::Column::Year.eq(year))
        .one(conn)
        .await?
        .is_some())
}

/// Records an accepted report without a submitter or reviewer (imports and
/// demo data), inside the caller's transaction, with its audit entry. A year
/// already reported is left alone.
///
/// # Errors
/// The database's error.
pub async fn record_by_system<C: ConnectionTrait>(
    tx: &C,
    organization_id: Uuid,
    figures: ReportInput,
    result: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    if has_report(tx, organization_id, figures.year).await? {
        return Ok(());
    }
    let model = annual_reports::Model {
        id: Uuid::now_v7(),
        organization_id,
        year: figures.year,
        status: ReportStatus::Accepted,
        result: Some(result.into()),
        income_fen: figures.income_fen,
        expenditure_fen: figures.expenditure_fen,
        net_assets_fen: figures.net_assets_fen,
        staff_count: figures.staff_count,
        volunteer_count: figures.volunteer_count,
        activities: figures.activities,
        statement_file_id: None,
        review_note: None,
        submitted_by: Uuid::nil(),
        submitted_at: now,
        reviewed_by: None,
        reviewed_at: Some(now),
        created_at: now,
        updated_at: now,
    };
    annual_reports::ActiveModel::from(model.clone())
        .reset_all()
        .insert(tx)
        .await?;
    audit::append(
        tx,
        &crate::audit::Who::system(),
        Change::new::<(), _>(
            "annual_report.import",
            "annual_report",
            model.id,
            None,
            Some(&snapshot(&model)),
        ),
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn due_dates_by_type() {
        let due = DueDates::default();
        assert_eq!(due.due("foundation", 2025), d("2026-03-31"));
        assert_eq!(due.due("social_group", 2025), d("2026-05-31"));
        assert_eq!(due.latest_overdue_year("foundation", d("2026-04-01")), 2025);
        assert_eq!(
            due.latest_overdue_year("social_group", d("2026-04-01")),
            2024
        );
        assert_eq!(
            due.latest_overdue_year("social_group", d("2026-06-01")),
            2025
        );
    }

    #[test]
    fn organizations_registered_less_than_six_months_skip_the_year() {
        assert!(must_report(d("2025-06-30"), 2025));
        assert!(!must_report(d("2025-07-01"), 2025));
        assert!(must_report(d("2025-07-01"), 2026));
    }
}
