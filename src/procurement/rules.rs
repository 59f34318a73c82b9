//! The procurement rules as plain functions: methods and their timeline
//! minimums, evaluation criteria and their weights, budget and service
//! period, eligibility rules as data evaluated against registry facts, the
//! project state machine, and project numbers. Each broken rule names
//! itself (`code`) and its field.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::error::{Error, FieldError, Result};

/// How a project is procured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 公开招标.
    PublicTender,
    /// 邀请招标.
    InvitedTender,
    /// 竞争性谈判.
    CompetitiveNegotiation,
    /// 竞争性磋商.
    CompetitiveConsultation,
    /// 单一来源.
    SingleSource,
}

/// The least time between publication and the bid deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinimumPeriod {
    /// Calendar days.
    Days(u32),
    /// Working days of the holiday calendar.
    WorkingDays(u32),
}

impl Method {
    /// Every method.
    pub const ALL: [Method; 5] = [
        Method::PublicTender,
        Method::InvitedTender,
        Method::CompetitiveNegotiation,
        Method::CompetitiveConsultation,
        Method::SingleSource,
    ];

    /// Stored and wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PublicTender => "public_tender",
            Self::InvitedTender => "invited_tender",
            Self::CompetitiveNegotiation => "competitive_negotiation",
            Self::CompetitiveConsultation => "competitive_consultation",
            Self::SingleSource => "single_source",
        }
    }

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Least time from publication to the bid deadline. DESIGN.md gives
    /// public tender 20 days, competitive consultation 10 days, competitive
    /// negotiation 3 working days; invited tender follows the tendering law's
    /// 20 days, single source the 5 working days of its public notice.
    #[must_use]
    pub fn minimum_period(self) -> MinimumPeriod {
        match self {
            Self::PublicTender | Self::InvitedTender => MinimumPeriod::Days(20),
            Self::CompetitiveConsultation => MinimumPeriod::Days(10),
            Self::CompetitiveNegotiation => MinimumPeriod::WorkingDays(3),
            Self::SingleSource => MinimumPeriod::WorkingDays(5),
        }
    }

    /// Fewest eligible bids at opening; fewer and the project fails.
    #[must_use]
    pub fn minimum_bids(self) -> usize {
        match self {
            Self::PublicTender | Self::InvitedTender => 3,
            Self::CompetitiveNegotiation | Self::CompetitiveConsultation => 2,
            Self::SingleSource => 1,
        }
    }

    /// Smallest expert panel (odd sizes only).
    #[must_use]
    pub fn minimum_panel(self) -> usize {
        if self == Self::PublicTender { 5 } else { 3 }
    }

    /// Allowed price weights, in percent.
    #[must_use]
    pub fn price_weight_range(self) -> std::ops::RangeInclusive<u32> {
        if self == Self::CompetitiveConsultation {
            10..=30
        } else {
            10..=100
        }
    }
}

/// The earliest allowed bid deadline for a project published at `published`
/// (the deadline's China date must be on or after this date).
#[must_use]
pub fn earliest_deadline_date(
    method: Method,
    published: NaiveDate,
    calendar: &Calendar,
) -> NaiveDate {
    match method.minimum_period() {
        MinimumPeriod::Days(n) => published + Days::new(u64::from(n)),
        MinimumPeriod::WorkingDays(n) => calendar.add_working_days(published, n),
    }
}

/// Checks the bid deadline against publication time and the method.
///
/// # Errors
/// `deadline_too_soon` on `bid_deadline`, saying the earliest allowed day.
pub fn check_deadline(
    method: Method,
    published: DateTime<Utc>,
    deadline: DateTime<Utc>,
    calendar: &Calendar,
) -> std::result::Result<(), FieldError> {
    let earliest = earliest_deadline_date(method, crate::clock::china_date(published), calendar);
    if crate::clock::china_date(deadline) < earliest || deadline <= published {
        let period = match method.minimum_period() {
            MinimumPeriod::Days(n) => format!("{n} days"),
            MinimumPeriod::WorkingDays(n) => format!("{n} working days"),
        };
        return Err(FieldError::new(
            "bid_deadline",
            "deadline_too_soon",
            format!(
                "{} needs at least {period} from publication to the bid deadline: not before {earliest}",
                method.as_str()
            ),
        ));
    }
    Ok(())
}

/// One evaluation criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// What is scored ("service plan", "team").
    pub name: String,
    /// Weight in percent.
    pub weight: u32,
    /// True for the price criterion (scored by formula, not by experts).
    #[serde(default)]
    pub is_price: bool,
}

/// Every rule the criteria break: weights sum to 100, each weight positive,
/// exactly one price criterion, its weight within the method's range.
#[must_use]
pub fn check_criteria(method: Method, criteria: &[Criterion]) -> Vec<FieldError> {
    let mut out = Vec::new();
    let sum: u32 = criteria.iter().map(|c| c.weight).sum();
    if sum != 100 {
        out.push(FieldError::new(
            "criteria",
            "weights_sum",
            format!("criterion weights must sum to 100, not {sum}"),
        ));
    }
    for (i, c) in criteria.iter().enumerate() {
        if c.weight == 0 || c.name.trim().is_empty() || c.name.chars().count() > 100 {
            out.push(FieldError::new(
                format!("criteria[{i}]"),
                "bad_criterion",
                "each criterion needs a name of 1 to 100 characters and a weight above 0",
            ));
        }
    }
    let prices: Vec<_> = criteria.iter().filter(|c| c.is_price).collect();
    match prices.as_slice() {
        [price] => {
            let range = method.price_weight_range();
            if !range.contains(&price.weight) {
                out.push(FieldError::new(
                    "criteria",
                    "price_weight",
                    format!(
                        "under {} the price weight must be {} to {}, not {}",
                        method.as_str(),
                        range.start(),
                        range.end(),
                        price.weight
                    ),
                ));
            }
        }
        _ => out.push(FieldError::new(
            "criteria",
            "one_price_criterion",
            "exactly one criterion must be the price",
        )),
    }
    out
}

/// The largest budget ceiling a project may have: 10 billion yuan, in fen.
pub const MAX_BUDGET_FEN: i64 = 1_000_000_000_000;

/// The budget must be more than 0 and at most [`MAX_BUDGET_FEN`].
///
/// # Errors
/// `budget_positive` or `budget_too_large` on `budget_fen`.
pub fn check_budget(budget_fen: i64) -> std::result::Result<(), FieldError> {
    if budget_fen <= 0 {
        Err(FieldError::new(
            "budget_fen",
            "budget_positive",
            "the budget ceiling must be more than 0",
        ))
    } else if budget_fen > MAX_BUDGET_FEN {
        Err(FieldError::new(
            "budget_fen",
            "budget_too_large",
            format!("the budget ceiling is at most {MAX_BUDGET_FEN} fen (10 billion yuan)"),
        ))
    } else {
        Ok(())
    }
}

/// The service period: starts on or before it ends, at most 3 years.
///
/// # Errors
/// `service_period` on `service_end`.
pub fn check_service_period(
    start: NaiveDate,
    end: NaiveDate,
) -> std::result::Result<(), FieldError> {
    let limit = start
        .checked_add_months(Months::new(36))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX);
    if end < start || end > limit {
        return Err(FieldError::new(
            "service_end",
            "service_period",
            format!("the service period runs from its start for at most 3 years: end by {limit}"),
        ));
    }
    Ok(())
}

/// An eligibility rule, stored with the project as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// The organization is active (always applied).
    Active,
    /// No open dishonest record (always applied).
    NotDishonest,
    /// No open abnormal record.
    NotAbnormal,
    /// At least this grade (1-5), valid on the day.
    MinGrade {
        /// 1 to 5.
        grade: i16,
    },
    /// Registered at least this many full years.
    MinYears {
        /// Years.
        years: u32,
    },
    /// Only these types.
    OrgTypes {
        /// `social_group`, `foundation`, `social_service_agency`.
        types: Vec<String>,
    },
    /// Registered in this division or below it.
    Region {
        /// Division code.
        division_code: String,
    },
}

impl Rule {
    /// Stable code of the rule (what a failure names).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::NotDishonest => "not_dishonest",
            Self::NotAbnormal => "not_abnormal",
            Self::MinGrade { .. } => "min_grade",
            Self::MinYears { .. } => "min_years",
            Self::OrgTypes { .. } => "org_types",
            Self::Region { .. } => "region",
        }
    }

    /// Whether the rule is well formed (known grade, types, division).
    #[must_use]
    pub fn check(&self) -> Option<String> {
        match self {
            Self::MinGrade { grade } if !(1..=5).contains(grade) => {
                Some("a minimum grade is 1 to 5".into())
            }
            Self::MinYears { years } if *years > 50 => Some("at most 50 years".into()),
            Self::OrgTypes { types }
                if types.is_empty()
                    || types
                        .iter()
                        .any(|t| !crate::registry::rules::OrgType::KINDS.contains(&t.as_str())) =>
            {
                Some("types must be social_group, foundation or social_service_agency".into())
            }
            Self::Region { division_code }
                if crate::registry::rules::AuthorityLevel::of_division(division_code).is_none() =>
            {
                Some(format!("`{division_code}` is not a division code"))
            }
            _ => None,
        }
    }
}

/// What the eligibility rules read about an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    /// `active`, `deregistered`, `revoked`.
    pub status: entity::organizations::Status,
    /// The worst open credit listing.
    pub credit_status: entity::organizations::CreditStatus,
    /// Grade valid on the day, if any.
    pub grade: Option<i16>,
    /// Registration date.
    pub registered_on: Option<NaiveDate>,
    /// Type.
    pub org_type: String,
    /// Authority division.
    pub division_code: String,
}

/// One rule's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The rule's code.
    pub rule: &'static str,
    /// Passed.
    pub passed: bool,
    /// Why, for a person.
    pub message: String,
}

/// The rules every project applies, then the project's own.
#[must_use]
pub fn all_rules(project_rules: &[Rule]) -> Vec<Rule> {
    let mut out = vec![Rule::Active, Rule::NotDishonest];
    out.extend(
        project_rules
            .iter()
            .filter(|r| !matches!(r, Rule::Active | Rule::NotDishonest))
            .cloned(),
    );
    out
}

/// Evaluates every rule (the mandatory ones first) against an organization on `today`.
#[must_use]
pub fn evaluate(project_rules: &[Rule], org: &OrgFacts, today: NaiveDate) -> Vec<Verdict> {
    all_rules(project_rules)
        .into_iter()
        .map(|rule| {
            let (passed, message) = match &rule {
                Rule::Active => (
                    org.status == entity::organizations::Status::Active,
                    format!("the organization must be active; it is {}", org.status),
                ),
                Rule::NotDishonest => (
                    org.credit_status != entity::organizations::CreditStatus::Dishonest,
                    "an organization on the serious dishonesty list cannot bid".to_owned(),
                ),
                Rule::NotAbnormal => (
                    org.credit_status == entity::organizations::CreditStatus::None,
                    "this project excludes organizations on the abnormal activity list".to_owned(),
                ),
                Rule::MinGrade { grade } => (
                    org.grade.is_some_and(|g| g >= *grade),
                    format!("this project needs a valid grade of {grade}A or better"),
                ),
                Rule::MinYears { years } => (
                    org.registered_on.is_some_and(|r| {
                        r.checked_add_months(Months::new(12 * years))
                            .is_some_and(|d| d <= today)
                    }),
                    format!("this project needs {years} full years since registration"),
                ),
                Rule::OrgTypes { types } => (
                    types.contains(&org.org_type),
                    format!("this project is open to {} only", types.join(", ")),
                ),
                Rule::Region { division_code } => (
                    org.division_code
                        .starts_with(crate::registry::organizations::region_prefix(division_code)),
                    format!("this project is open to organizations registered in {division_code}"),
                ),
            };
            Verdict {
                rule: rule.code(),
                passed,
                message,
            }
        })
        .collect()
}

/// The first rule an organization fails, as the error a bid gets.
#[must_use]
pub fn first_failure(verdicts: &[Verdict]) -> Option<FieldError> {
    verdicts.iter().find(|v| !v.passed).map(|v| {
        FieldError::new(
            "eligibility",
            format!("ineligible_{}", v.rule),
            v.message.clone(),
        )
    })
}

/// State of a project (stored as its column's type).
pub use entity::projects::Status;

/// Something done to a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Edit a draft.
    Edit,
    /// Publish.
    Publish,
    /// Amend (clarify, extend) while open.
    Amend,
    /// Open the bids at the deadline.
    Open,
    /// Fail for too few bids.
    Fail,
    /// Propose the award.
    Notify,
    /// Close the challenge window.
    Award,
    /// Send back to the panel after an upheld challenge.
    Reevaluate,
    /// Stop.
    Cancel,
}

impl Action {
    /// The action as a past participle, for messages.
    #[must_use]
    pub fn done(self) -> &'static str {
        match self {
            Self::Edit => "edited",
            Self::Publish => "published",
            Self::Amend => "amended",
            Self::Open => "opened",
            Self::Fail => "failed",
            Self::Notify => "given an award notice",
            Self::Award => "awarded",
            Self::Reevaluate => "sent back to the panel",
            Self::Cancel => "cancelled",
        }
    }
}

/// The state after `action`, or why not now.
///
/// # Errors
/// `Conflict` naming the state and the action.
pub fn transition(from: Status, action: Action) -> Result<Status> {
    use Action as A;
    use Status as S;
    Ok(match (from, action) {
        (S::Draft, A::Edit) => S::Draft,
        (S::Draft, A::Publish) => S::Open,
        (S::Open, A::Amend) => S::Open,
        (S::Open, A::Open) => S::Evaluating,
        // Awarded -> failed only when every offered winner declined the grant.
        (S::Evaluating | S::Notice | S::Awarded, A::Fail) => S::Failed,
        (S::Notice, A::Reevaluate) => S::Evaluating,
        (S::Evaluating, A::Notify) => S::Notice,
        (S::Notice, A::Award) => S::Awarded,
        (S::Draft | S::Open | S::Evaluating | S::Notice, A::Cancel) => S::Cancelled,
        _ => {
            return Err(Error::Conflict {
                code: "wrong_state",
                message: format!(
                    "a project that is {} cannot be {}",
                    from.as_str(),
                    action.done()
                ),
            });
        }
    })
}

/// How every project number starts.
pub const NUMBER_PREFIX: &str = "CG-";

/// The human number of the `sequence`-th project of `year`: `CG-2026-000123`.
#[must_use]
pub fn project_number(year: i32, sequence: u32) -> String {
    format!("{NUMBER_PREFIX}{year:04}-{sequence:06}")
}

/// The year a project number is counted in (China date of creation).
#[must_use]
pub fn number_year(now: DateTime<Utc>) -> i32 {
    crate::clock::china_date(now).year()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CN_2026;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn calendar() -> Calendar {
        Calendar::new(CN_2026.iter().map(|(day, kind, _)| (d(day), *kind)))
    }

    #[test]
    fn timeline_minimums_by_method_count_days_or_working_days() {
        let cal = calendar();
        // Published Monday 28 Sept 2026 (Beijing); National Day holidays follow.
        let published = at("2026-09-28T02:00:00Z");
        assert_eq!(
            earliest_deadline_date(Method::PublicTender, d("2026-09-28"), &cal),
            d("2026-10-18")
        );
        assert_eq!(
            earliest_deadline_date(Method::CompetitiveConsultation, d("2026-09-28"), &cal),
            d("2026-10-08")
        );
        // 3 working days: 29 and 30 September, then National Day (1-7 October) does not count.
        assert_eq!(
            earliest_deadline_date(Method::CompetitiveNegotiation, d("2026-09-28"), &cal),
            d("2026-10-08")
        );
        assert!(
            check_deadline(
                Method::PublicTender,
                published,
                at("2026-10-18T02:00:00Z"),
                &cal
            )
            .is_ok()
        );
        let e = check_deadline(
            Method::PublicTender,
            published,
            at("2026-10-17T08:00:00Z"),
            &cal,
        )
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("bid_deadline", "deadline_too_soon")
        );
        assert!(e.message.contains("2026-10-18"), "{}", e.message);
        assert!(
            check_deadline(
                Method::CompetitiveNegotiation,
                published,
                at("2026-10-02T02:00:00Z"),
                &cal
            )
            .is_err()
        );
        assert!(check_deadline(Method::SingleSource, published, published, &cal).is_err());
    }

    fn crit(name: &str, weight: u32, is_price: bool) -> Criterion {
        Criterion {
            name: name.into(),
            weight,
            is_price,
        }
    }

    #[test]
    fn weights_sum_to_100_with_one_price_criterion_in_its_range() {
        let good = [
            crit("方案", 50, false),
            crit("团队", 30, false),
            crit("价格", 20, true),
        ];
        assert!(check_criteria(Method::PublicTender, &good).is_empty());
        assert!(check_criteria(Method::CompetitiveConsultation, &good).is_empty());
        let codes = |m, c: &[Criterion]| -> Vec<String> {
            check_criteria(m, c).into_iter().map(|e| e.code).collect()
        };
        assert_eq!(
            codes(
                Method::PublicTender,
                &[crit("方案", 60, false), crit("价格", 30, true)]
            ),
            ["weights_sum"]
        );
        assert_eq!(
            codes(
                Method::PublicTender,
                &[crit("方案", 95, false), crit("价格", 5, true)]
            ),
            ["price_weight"]
        );
        assert_eq!(
            codes(
                Method::CompetitiveConsultation,
                &[crit("方案", 60, false), crit("价格", 40, true)]
            ),
            ["price_weight"]
        );
        assert_eq!(
            codes(Method::PublicTender, &[crit("方案", 100, false)]),
            ["one_price_criterion"]
        );
        assert_eq!(
            codes(
                Method::PublicTender,
                &[
                    crit("", 80, false),
                    crit("价格", 20, true),
                    crit("x", 0, false)
                ]
            ),
            ["bad_criterion", "bad_criterion"]
        );
    }

    #[test]
    fn budget_and_service_period() {
        assert!(check_budget(1).is_ok());
        assert_eq!(check_budget(0).unwrap_err().code, "budget_positive");
        assert!(check_service_period(d("2027-01-01"), d("2029-12-31")).is_ok());
        assert_eq!(
            check_service_period(d("2027-01-01"), d("2030-01-01"))
                .unwrap_err()
                .code,
            "service_period"
        );
        assert!(check_service_period(d("2027-01-02"), d("2027-01-01")).is_err());
    }

    fn org() -> OrgFacts {
        OrgFacts {
            status: entity::organizations::Status::Active,
            credit_status: entity::organizations::CreditStatus::None,
            grade: Some(4),
            registered_on: Some(d("2020-06-01")),
            org_type: "social_service_agency".into(),
            division_code: "420102".into(),
        }
    }

    #[test]
    fn eligibility_rules_are_data_and_each_failure_names_its_rule() {
        let today = d("2026-11-23");
        let rules = vec![
            Rule::NotAbnormal,
            Rule::MinGrade { grade: 3 },
            Rule::MinYears { years: 5 },
            Rule::OrgTypes {
                types: vec!["social_service_agency".into()],
            },
            Rule::Region {
                division_code: "420100".into(),
            },
        ];
        let v = evaluate(&rules, &org(), today);
        assert_eq!(v.len(), 7, "the two mandatory rules come first");
        assert!(v.iter().all(|x| x.passed), "{v:?}");
        let dishonest = OrgFacts {
            credit_status: entity::organizations::CreditStatus::Dishonest,
            ..org()
        };
        let v = evaluate(&[], &dishonest, today);
        assert_eq!(first_failure(&v).unwrap().code, "ineligible_not_dishonest");
        let young = OrgFacts {
            registered_on: Some(d("2022-01-01")),
            grade: Some(2),
            division_code: "440300".into(),
            ..org()
        };
        let failed: Vec<_> = evaluate(&rules, &young, today)
            .into_iter()
            .filter(|x| !x.passed)
            .map(|x| x.rule)
            .collect();
        assert_eq!(failed, ["min_grade", "min_years", "region"]);
        // Stored as JSON data.
        let json = serde_json::to_string(&rules).unwrap();
        assert!(json.contains(r#"{"rule":"min_grade","grade":3}"#), "{json}");
        assert_eq!(serde_json::from_str::<Vec<Rule>>(&json).unwrap(), rules);
        assert!(Rule::MinGrade { grade: 6 }.check().is_some());
        assert!(
            Rule::Region {
                division_code: "999999".into()
            }
            .check()
            .is_some()
        );
    }

    #[test]
    fn the_project_state_machine() {
        let s = transition(Status::Draft, Action::Publish).unwrap();
        assert_eq!(s, Status::Open);
        assert_eq!(transition(s, Action::Amend).unwrap(), Status::Open);
        let s = transition(s, Action::Open).unwrap();
        assert_eq!(transition(s, Action::Fail).unwrap(), Status::Failed);
        assert!(transition(Status::Draft, Action::Open).is_err());
        let notice = transition(Status::Evaluating, Action::Notify).unwrap();
        assert_eq!(
            transition(notice, Action::Reevaluate).unwrap(),
            Status::Evaluating
        );
        assert_eq!(transition(notice, Action::Fail).unwrap(), Status::Failed);
        assert_eq!(transition(notice, Action::Award).unwrap(), Status::Awarded);
        assert!(transition(Status::Evaluating, Action::Award).is_err());
        assert!(transition(Status::Awarded, Action::Reevaluate).is_err());
        assert!(transition(Status::Awarded, Action::Cancel).is_err());
        assert!(
            transition(Status::Open, Action::Publish).is_err(),
            "published once"
        );
        assert_eq!(project_number(2026, 123), "CG-2026-000123");
    }
}
