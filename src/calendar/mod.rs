//! The working-day calendar: Monday to Friday are working days except public
//! holidays; some weekend days are adjusted working days (调休). The admin
//! keeps the exceptions; timelines (publication minimums, challenge windows,
//! report deadlines) count working days through [`Calendar`].

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use entity::calendar_days;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};
use serde::Serialize;

use crate::audit::{self, Change, Who};
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::error::{Error, Result};

/// What an exception day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday: no work, even on a weekday.
    Holiday,
    /// An adjusted working day: work, even on a weekend.
    Workday,
}

impl DayKind {
    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// Parses a stored or submitted name.
    ///
    /// # Errors
    /// `Invalid` on `kind`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "holiday" => Ok(DayKind::Holiday),
            "workday" => Ok(DayKind::Workday),
            other => Err(Error::invalid(
                "kind",
                "unknown_kind",
                format!("unknown kind `{other}`; use `holiday` or `workday`"),
            )),
        }
    }
}

/// The exceptions to the Monday-to-Friday week, loaded once per use.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    exceptions: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// A calendar with these exceptions.
    pub fn new(exceptions: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self {
            exceptions: exceptions.into_iter().collect(),
        }
    }

    /// Loads the exceptions from the database.
    ///
    /// # Errors
    /// The database's error.
    pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<Self> {
        let rows = calendar_days::Entity::find().all(conn).await?;
        Ok(Self::new(rows.into_iter().filter_map(|r| {
            DayKind::parse(&r.kind).ok().map(|k| (r.day, k))
        })))
    }

    /// True when people work on `day`.
    #[must_use]
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.exceptions.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The day that is `n` working days after `start` (`start` itself not
    /// counted; `n = 0` gives `start`).
    #[must_use]
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            match day.checked_add_days(Days::new(1)) {
                Some(next) => day = next,
                None => return day,
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days strictly after `from` up to and including `to`.
    #[must_use]
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .fold(0, |n, _| n + 1)
    }
}

/// The 2026 public holidays and adjusted working days as the State Council
/// General Office announced them in 2025.
pub const CN_2026: &[(&str, DayKind, &str)] = &[
    ("2026-01-01", DayKind::Holiday, "元旦"),
    ("2026-01-02", DayKind::Holiday, "元旦"),
    ("2026-01-03", DayKind::Holiday, "元旦"),
    ("2026-01-04", DayKind::Workday, "元旦调休"),
    ("2026-02-14", DayKind::Workday, "春节调休"),
    ("2026-02-15", DayKind::Holiday, "春节"),
    ("2026-02-16", DayKind::Holiday, "春节"),
    ("2026-02-17", DayKind::Holiday, "春节"),
    ("2026-02-18", DayKind::Holiday, "春节"),
    ("2026-02-19", DayKind::Holiday, "春节"),
    ("2026-02-20", DayKind::Holiday, "春节"),
    ("2026-02-21", DayKind::Holiday, "春节"),
    ("2026-02-22", DayKind::Holiday, "春节"),
    ("2026-02-23", DayKind::Holiday, "春节"),
    ("2026-02-28", DayKind::Workday, "春节调休"),
    ("2026-04-04", DayKind::Holiday, "清明节"),
    ("2026-04-05", DayKind::Holiday, "清明节"),
    ("2026-04-06", DayKind::Holiday, "清明节"),
    ("2026-05-01", DayKind::Holiday, "劳动节"),
    ("2026-05-02", DayKind::Holiday, "劳动节"),
    ("2026-05-03", DayKind::Holiday, "劳动节"),
    ("2026-05-04", DayKind::Holiday, "劳动节"),
    ("2026-05-05", DayKind::Holiday, "劳动节"),
    ("2026-05-09", DayKind::Workday, "劳动节调休"),
    ("2026-06-19", DayKind::Holiday, "端午节"),
    ("2026-06-20", DayKind::Holiday, "端午节"),
    ("2026-06-21", DayKind::Holiday, "端午节"),
    ("2026-09-20", DayKind::Workday, "国庆节调休"),
    ("2026-09-25", DayKind::Holiday, "中秋节"),
    ("2026-09-26", DayKind::Holiday, "中秋节"),
    ("2026-09-27", DayKind::Holiday, "中秋节"),
    ("2026-10-01", DayKind::Holiday, "国庆节"),
    ("2026-10-02", DayKind::Holiday, "国庆节"),
    ("2026-10-03", DayKind::Holiday, "国庆节"),
    ("2026-10-04", DayKind::Holiday, "国庆节"),
    ("2026-10-05", DayKind::Holiday, "国庆节"),
    ("2026-10-06", DayKind::Holiday, "国庆节"),
    ("2026-10-07", DayKind::Holiday, "国庆节"),
    ("2026-10-10", DayKind::Workday, "国庆节调休"),
];

/// The 2026 schedule as dated entries.
#[must_use]
pub fn cn_2026() -> Vec<(NaiveDate, DayKind, &'static str)> {
    CN_2026
        .iter()
        .filter_map(|(d, k, n)| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .map(|d| (d, *k, *n))
        })
        .collect()
}

/// Exception days of one year, in date order.
///
/// # Errors
/// The database's error.
pub async fn list_year<C: ConnectionTrait>(
    conn: &C,
    year: i32,
) -> Result<Vec<calendar_days::Model>> {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(Error::bad_input("year", "out_of_range", "no such year"));
    };
    Ok(calendar_days::Entity::find()
        .filter(calendar_days::Column::Day.between(first, last))
        .order_by_asc(calendar_days::Column::Day)
        .all(conn)
        .await?)
}

fn snapshot(d: &calendar_days::Model) -> serde_json::Value {
    serde_json::json!({ "day": d.day, "kind": d.kind, "name": d.name })
}

/// Sets one exception day (admin), replacing what the day was.
///
/// # Errors
/// `Forbidden` by policy; `Invalid` when the name is empty or too long, or
/// when marking a weekday as an adjusted working day (it already is one).
pub async fn set_day(
    db: &Db,
    actor: &Actor,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
    now: DateTime<Utc>,
) -> Result<calendar_days::Model> {
    policy::check(Some(actor), Action::ManageCalendar)?;
    crate::clock::check_date("day", day).map_err(|e| crate::error::Error::Invalid(vec![e]))?;
    let tx = db.begin().await?;
    let saved = put_day(&*tx, &actor.who(), day, kind, name, now).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Writes one day with its audit entry inside the caller's transaction.
async fn put_day<C: ConnectionTrait>(
    tx: &C,
    who: &Who,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
    now: DateTime<Utc>,
) -> Result<calendar_days::Model> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            "length",
            "name must be 1 to 100 characters",
        ));
    }
    if kind == DayKind::Workday && !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        return Err(Error::invalid(
            "kind",
            "weekday_is_working",
            "an adjusted working day must fall on a Saturday or Sunday",
        ));
    }
    let before = calendar_days::Entity::find_by_id(day).one(tx).await?;
    let after = calendar_days::Model {
        day,
        kind: kind.as_str().to_owned(),
        name: name.to_owned(),
        updated_at: now,
    };
    calendar_days::Entity::insert(calendar_days::ActiveModel {
        day: Set(day),
        kind: Set(after.kind.clone()),
        name: Set(after.name.clone()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(calendar_days::Column::Day)
            .update_columns([
                calendar_days::Column::Kind,
                calendar_days::Column::Name,
                calendar_days::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    audit::append(
        tx,
        who,
        Change::new(
            "calendar.set_day",
            "calendar_day",
            day,
            before.as_ref().map(snapshot).as_ref(),
            Some(&snapshot(&after)),
        ),
        now,
    )
    .await?;
    Ok(after)
}

/// Removes an exception, making the day ordinary again (admin).
///
/// # Errors
/// `Forbidden` by policy; `NotFound` when the day is no exception.
pub async fn remove_day(db: &Db, actor: &Actor, day: NaiveDate, now: DateTime<Utc>) -> Result<()> {
    policy::check(Some(actor), Action::ManageCalendar)?;
    let tx = db.begin().await?;
    let before = calendar_days::Entity::find_by_id(day)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("calendar day"))?;
    calendar_days::Entity::delete_by_id(day).exec(&*tx).await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<_, ()>(
            "calendar.remove_day",
            "calendar_day",
            day,
            Some(&snapshot(&before)),
            None,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Loads the official 2026 schedule in one transaction (demo, first set-up).
///
/// # Errors
/// The database's error.
pub async fn import_cn_2026(db: &Db, who: &Who, now: DateTime<Utc>) -> Result<usize> {
    let days = cn_2026();
    let tx = db.begin().await?;
    for (day, kind, name) in &days {
        put_day(&*tx, who, *day, *kind, name, now).await?;
    }
    tx.commit().await?;
    Ok(days.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> Calendar {
        Calendar::new(cn_2026().into_iter().map(|(d, k, _)| (d, k)))
    }

    #[test]
    fn the_2026_schedule_is_complete() {
        assert_eq!(cn_2026().len(), CN_2026.len(), "every date parses");
    }

    #[test]
    fn spring_festival_2026_skips_nine_days_and_works_two_saturdays() {
        let c = cal();
        // Friday 13 Feb, then the adjusted Saturday 14 Feb is a working day.
        assert_eq!(c.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        // After 14 Feb the holiday runs 15-23 Feb: next working day Tuesday 24 Feb.
        assert_eq!(c.add_working_days(d("2026-02-14"), 1), d("2026-02-24"));
        // Seven working days from Thursday 12 Feb: 13, 14, 24, 25, 26, 27, 28 (Saturday, adjusted).
        assert_eq!(c.add_working_days(d("2026-02-12"), 7), d("2026-02-28"));
        assert!(!c.is_working_day(d("2026-02-17")));
        assert!(c.is_working_day(d("2026-02-28")));
        assert!(!c.is_working_day(d("2026-03-01")));
    }

    #[test]
    fn national_day_2026_runs_into_the_adjusted_saturday() {
        let c = cal();
        // Wednesday 30 Sep, then 1-7 Oct off: Thursday 8 Oct.
        assert_eq!(c.add_working_days(d("2026-09-30"), 1), d("2026-10-08"));
        // 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Sat, adjusted).
        assert_eq!(c.add_working_days(d("2026-09-30"), 3), d("2026-10-10"));
        // The adjusted Sunday 20 Sep counts.
        assert_eq!(c.add_working_days(d("2026-09-18"), 1), d("2026-09-20"));
        // Seven working days from the award notice on 24 Sep (Thu): 28, 29, 30 Sep, 8, 9, 10, 12 Oct.
        assert_eq!(c.add_working_days(d("2026-09-24"), 7), d("2026-10-12"));
        assert_eq!(c.working_days_between(d("2026-09-24"), d("2026-10-12")), 7);
    }

    #[test]
    fn an_ordinary_week_skips_the_weekend() {
        let c = Calendar::default();
        assert_eq!(c.add_working_days(d("2026-03-06"), 1), d("2026-03-09"));
        assert_eq!(c.add_working_days(d("2026-03-06"), 0), d("2026-03-06"));
    }
}
