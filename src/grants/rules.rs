//! Grant rules as plain functions: the default schedule and its split into
//! whole fen, schedule checks, report due dates, what is payable, and the
//! grant state machine.
//!
//! Remainders: a percentage split rounds every installment down to whole
//! fen and gives what is left over to the last installment, so the amounts
//! always sum exactly to the grant and no installment but the last is ever
//! more than its share.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError, Result};

/// What makes an installment payable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The grant's acceptance (signing).
    Signing,
    /// The accepted mid-term report.
    Midterm,
    /// The accepted final report.
    Final,
    /// The accepted financial report.
    Financial,
}

impl Trigger {
    /// Every trigger.
    pub const ALL: [Trigger; 4] = [
        Trigger::Signing,
        Trigger::Midterm,
        Trigger::Final,
        Trigger::Financial,
    ];

    /// Stored and wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signing => "signing",
            Self::Midterm => "midterm",
            Self::Final => "final",
            Self::Financial => "financial",
        }
    }

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The report kind whose acceptance triggers it, if any.
    #[must_use]
    pub fn report(self) -> Option<ReportKind> {
        match self {
            Self::Signing => None,
            Self::Midterm => Some(ReportKind::Midterm),
            Self::Final => Some(ReportKind::Final),
            Self::Financial => Some(ReportKind::Financial),
        }
    }
}

/// Kinds of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A progress report (any number).
    Progress,
    /// The mid-term report.
    Midterm,
    /// The final report.
    Final,
    /// The financial report.
    Financial,
}

impl ReportKind {
    /// Every kind.
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Progress,
        ReportKind::Midterm,
        ReportKind::Final,
        ReportKind::Financial,
    ];

    /// Stored and wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Progress => "progress",
            Self::Midterm => "midterm",
            Self::Final => "final",
            Self::Financial => "financial",
        }
    }

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One installment of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installment {
    /// What makes it payable.
    pub trigger: Trigger,
    /// Amount, fen.
    pub amount_fen: i64,
}

/// Splits `amount_fen` by whole percentages (summing to 100): each share
/// rounded down, the remainder to the last.
///
/// # Errors
/// `Invalid` when the percentages do not sum to 100 or the amount is not positive.
pub fn split(amount_fen: i64, shares: &[(Trigger, u32)]) -> Result<Vec<Installment>> {
    let total: u32 = shares.iter().map(|(_, p)| *p).sum();
    if total != 100 || shares.is_empty() || amount_fen <= 0 {
        return Err(Error::invalid(
            "installments",
            "shares_sum",
            "percentages must sum to 100 and the amount be above 0",
        ));
    }
    let mut out: Vec<Installment> = shares
        .iter()
        .map(|(trigger, percent)| Installment {
            trigger: *trigger,
            amount_fen: i64::try_from(i128::from(amount_fen) * i128::from(*percent) / 100)
                .unwrap_or(0),
        })
        .collect();
    let given: i64 = out.iter().map(|i| i.amount_fen).sum();
    if let Some(last) = out.last_mut() {
        last.amount_fen += amount_fen - given;
    }
    Ok(out)
}

/// The default schedule: 30% on signing, 40% after the mid-term report, 30%
/// after the final report.
#[must_use]
pub fn default_schedule(amount_fen: i64) -> Vec<Installment> {
    split(
        amount_fen,
        &[
            (Trigger::Signing, 30),
            (Trigger::Midterm, 40),
            (Trigger::Final, 30),
        ],
    )
    .unwrap_or_default()
}

/// Every rule a schedule breaks: at least one installment, each above 0,
/// each trigger at most once, the amounts summing exactly to the grant.
#[must_use]
pub fn check_schedule(amount_fen: i64, schedule: &[Installment]) -> Vec<FieldError> {
    let mut out = Vec::new();
    if schedule.is_empty() || schedule.len() > 4 {
        out.push(FieldError::new(
            "installments",
            "installment_count",
            "give 1 to 4 installments",
        ));
    }
    for (i, inst) in schedule.iter().enumerate() {
        if inst.amount_fen <= 0 {
            out.push(FieldError::new(
                format!("installments[{i}].amount_fen"),
                "amount_positive",
                "each installment must be above 0",
            ));
        }
        if schedule[..i].iter().any(|x| x.trigger == inst.trigger) {
            out.push(FieldError::new(
                format!("installments[{i}].trigger"),
                "trigger_repeated",
                format!("only one installment is paid on {}", inst.trigger.as_str()),
            ));
        }
    }
    let sum: i128 = schedule.iter().map(|i| i128::from(i.amount_fen)).sum();
    if sum != i128::from(amount_fen) {
        out.push(FieldError::new(
            "installments",
            "sum_mismatch",
            format!("the installments sum to {sum} fen; the grant is {amount_fen} fen"),
        ));
    }
    out
}

/// Due dates of the reports a grant asks for over `start..=end`: the
/// mid-term report at the middle of the service period, the final report
/// 15 days after its end, the financial report 30 days after its end.
#[must_use]
pub fn report_due_dates(start: NaiveDate, end: NaiveDate) -> Vec<(ReportKind, NaiveDate)> {
    let days = u64::try_from((end - start).num_days().max(0)).unwrap_or(0);
    vec![
        (ReportKind::Midterm, start + Days::new(days / 2)),
        (ReportKind::Final, end + Days::new(15)),
        (ReportKind::Financial, end + Days::new(30)),
    ]
}

/// Due dates of quarterly progress reports: the end of each full quarter of
/// the service period (3, 6, 9 months after the start), before its end.
#[must_use]
pub fn progress_due_dates(start: NaiveDate, end: NaiveDate) -> Vec<NaiveDate> {
    (1..)
        .map(|q| start.checked_add_months(Months::new(3 * q)))
        .map_while(|d| d.filter(|d| *d < end))
        .collect()
}

/// The first day a report of `kind` may be accepted for a service period
/// `start..=end`: a report speaks of service delivered, so a progress report
/// not before the service begins, the mid-term report not before the middle
/// of the period, and the final and financial reports not before the day
/// after it ends.
#[must_use]
pub fn accepted_from(kind: ReportKind, start: NaiveDate, end: NaiveDate) -> NaiveDate {
    match kind {
        ReportKind::Progress => start,
        ReportKind::Midterm => {
            let days = u64::try_from((end - start).num_days().max(0)).unwrap_or(0);
            start + Days::new(days / 2)
        }
        ReportKind::Final | ReportKind::Financial => end + Days::new(1),
    }
}

/// Whether a report of `kind` may be accepted on `today` (China date).
///
/// # Errors
/// `Conflict` `report_too_early` naming the day it may be accepted from.
pub fn check_acceptance(
    kind: ReportKind,
    start: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
) -> Result<()> {
    let from = accepted_from(kind, start, end);
    if today >= from {
        return Ok(());
    }
    let when = match kind {
        ReportKind::Progress => format!("once the service period has begun ({start})"),
        ReportKind::Midterm => format!("from the middle of the service period ({from})"),
        ReportKind::Final | ReportKind::Financial => {
            format!("once the service period has ended ({end}), from {from}")
        }
    };
    Err(Error::Conflict {
        code: "report_too_early",
        message: format!("a {} report is accepted {when}", kind.as_str()),
    })
}

/// States of a grant (stored as its column's type).
pub use entity::grants::Status;

/// Something done to a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Change the schedule (purchaser).
    EditSchedule,
    /// Accept (the winner's org admin).
    Accept,
    /// Decline (the winner's org admin).
    Decline,
    /// Submit or review reports, record disbursements.
    Report,
    /// Record the performance score and close.
    Complete,
    /// End early.
    Terminate,
}

/// The state after `action`, or why not now.
///
/// # Errors
/// `Conflict` naming the state.
pub fn transition(from: Status, action: Action) -> Result<Status> {
    use Action as A;
    use Status as S;
    Ok(match (from, action) {
        (S::PendingAcceptance, A::EditSchedule) => S::PendingAcceptance,
        (S::PendingAcceptance, A::Accept) => S::Active,
        (S::PendingAcceptance, A::Decline) => S::Declined,
        (S::Active, A::Report) => S::Active,
        (S::Active, A::Complete) => S::Completed,
        (S::PendingAcceptance | S::Active, A::Terminate) => S::Terminated,
        _ => {
            return Err(Error::Conflict {
                code: "wrong_state",
                message: format!("a grant that is {} cannot do this", from.as_str()),
            });
        }
    })
}

/// What is payable on an installment: its amount once triggered, less what
/// has been paid on it.
#[must_use]
pub fn payable(amount_fen: i64, triggered: bool, paid_fen: i64) -> i64 {
    if triggered {
        (amount_fen - paid_fen).max(0)
    } else {
        0
    }
}

/// Checks a performance score (0 to 100).
///
/// # Errors
/// `score_range` on `score`.
pub fn check_score(score: i32) -> std::result::Result<(), FieldError> {
    if (0..=100).contains(&score) {
        Ok(())
    } else {
        Err(FieldError::new(
            "score",
            "score_range",
            "the performance score is 0 to 100",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_accepted_only_for_service_delivered() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let (start, end) = (d("2027-01-21"), d("2028-01-20"));
        for kind in [ReportKind::Final, ReportKind::Financial] {
            assert!(check_acceptance(kind, start, end, d("2026-12-05")).is_err());
            let err = check_acceptance(kind, start, end, end).unwrap_err();
            assert!(
                matches!(&err, Error::Conflict { code: "report_too_early", message } if message.contains("2028-01-20")),
                "{err:?}"
            );
            assert!(check_acceptance(kind, start, end, d("2028-01-21")).is_ok());
        }
        assert!(check_acceptance(ReportKind::Progress, start, end, d("2027-01-20")).is_err());
        assert!(check_acceptance(ReportKind::Progress, start, end, start).is_ok());
        let middle = accepted_from(ReportKind::Midterm, start, end);
        assert_eq!(
            middle,
            report_due_dates(start, end)[0].1,
            "the mid-term's due day"
        );
        assert!(
            check_acceptance(ReportKind::Midterm, start, end, middle.pred_opt().unwrap()).is_err()
        );
        assert!(check_acceptance(ReportKind::Midterm, start, end, middle).is_ok());
    }

    fn amounts(s: &[Installment]) -> Vec<i64> {
        s.iter().map(|i| i.amount_fen).collect()
    }

    #[test]
    fn the_default_split_is_exact_and_the_remainder_goes_last() {
        assert_eq!(
            amounts(&default_schedule(100_000)),
            [30_000, 40_000, 30_000]
        );
        // 1 000.01 yuan: 300.003 -> 300.00, 400.004 -> 400.00, the rest 300.01.
        assert_eq!(
            amounts(&default_schedule(100_001)),
            [30_000, 40_000, 30_001]
        );
        // 0.99 yuan: 29 + 39 + 31.
        assert_eq!(amounts(&default_schedule(99)), [29, 39, 31]);
        for amount in [1, 7, 333, 95_000_000, 123_456_789] {
            let s = default_schedule(amount);
            assert_eq!(s.iter().map(|i| i.amount_fen).sum::<i64>(), amount);
        }
        assert!(split(100, &[(Trigger::Signing, 50), (Trigger::Final, 40)]).is_err());
    }

    #[test]
    fn a_schedule_must_sum_exactly_and_use_each_trigger_once() {
        let ok = default_schedule(95_000_000);
        assert!(check_schedule(95_000_000, &ok).is_empty());
        let codes = |s: &[Installment]| -> Vec<String> {
            check_schedule(95_000_000, s)
                .iter()
                .map(|e| e.code.clone())
                .collect()
        };
        let mut off = ok.clone();
        off[2].amount_fen -= 1;
        assert_eq!(codes(&off), ["sum_mismatch"]);
        let twice = vec![
            Installment {
                trigger: Trigger::Signing,
                amount_fen: 45_000_000,
            },
            Installment {
                trigger: Trigger::Signing,
                amount_fen: 50_000_000,
            },
        ];
        assert_eq!(codes(&twice), ["trigger_repeated"]);
        let zero = vec![
            Installment {
                trigger: Trigger::Signing,
                amount_fen: 0,
            },
            Installment {
                trigger: Trigger::Final,
                amount_fen: 95_000_000,
            },
        ];
        assert_eq!(codes(&zero), ["amount_positive"]);
        assert_eq!(codes(&[]), ["installment_count", "sum_mismatch"]);
    }

    #[test]
    fn reports_fall_due_in_the_middle_and_after_the_end() {
        let (s, e) = ("2026-04-01".parse().unwrap(), "2027-03-31".parse().unwrap());
        let due = report_due_dates(s, e);
        assert_eq!(due[0], (ReportKind::Midterm, "2026-09-30".parse().unwrap()));
        assert_eq!(due[1], (ReportKind::Final, "2027-04-15".parse().unwrap()));
        assert_eq!(
            due[2],
            (ReportKind::Financial, "2027-04-30".parse().unwrap())
        );
        let q: Vec<String> = progress_due_dates(s, e)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(q, ["2026-07-01", "2026-10-01", "2027-01-01"]);
    }

    #[test]
    fn grants_move_only_along_their_states() {
        let s = transition(Status::PendingAcceptance, Action::Accept).unwrap();
        assert_eq!(s, Status::Active);
        assert_eq!(transition(s, Action::Report).unwrap(), Status::Active);
        assert_eq!(transition(s, Action::Complete).unwrap(), Status::Completed);
        assert!(
            transition(s, Action::EditSchedule).is_err(),
            "the schedule is fixed once accepted"
        );
        assert!(transition(Status::Completed, Action::Terminate).is_err());
        assert_eq!(
            transition(Status::PendingAcceptance, Action::Decline).unwrap(),
            Status::Declined
        );
        assert!(transition(Status::Declined, Action::Accept).is_err());
    }

    #[test]
    fn payable_is_what_is_triggered_and_unpaid() {
        assert_eq!(payable(30_000, false, 0), 0);
        assert_eq!(payable(30_000, true, 0), 30_000);
        assert_eq!(payable(30_000, true, 10_000), 20_000);
        assert_eq!(payable(30_000, true, 30_000), 0);
        assert!(check_score(101).is_err() && check_score(-1).is_err() && check_score(88).is_ok());
    }
}
