//! Evaluation rules as plain functions (issue 5 builds the service on them):
//! panel sizes, the price score, totals and ranking (the challenge window
//! is `challenges`').
//!
//! Scores are kept in hundredths of a point (`Points`), so every total shown
//! with two decimals is exact and comparisons never meet floating point:
//! - price score = lowest eligible price / this price x price weight, rounded
//!   half up to a hundredth;
//! - a bid's expert score = the mean over the experts of each expert's sum
//!   of criterion scores, rounded half up to a hundredth;
//! - total = expert score + price score; ranked by total (highest first),
//!   ties broken by the lower price, then by the earlier receipt.

use chrono::{DateTime, Utc};

use super::rules::Method;
use crate::error::FieldError;

/// Hundredths of a point.
pub type Points = i64;

/// `n / d` rounded half up, for non-negative values.
fn div_round(n: i128, d: i128) -> i64 {
    if d == 0 {
        return 0;
    }
    i64::try_from((2 * n + d) / (2 * d)).unwrap_or(i64::MAX)
}

/// Checks a panel's size for a method: odd, at least 3, at least 5 for a
/// public tender.
///
/// # Errors
/// `panel_size` on `experts`.
pub fn check_panel(method: Method, size: usize) -> Result<(), FieldError> {
    let min = method.minimum_panel();
    if size < min || size.is_multiple_of(2) {
        return Err(FieldError::new(
            "experts",
            "panel_size",
            format!(
                "{} needs an odd number of experts, at least {min}; the panel has {size}",
                method.as_str()
            ),
        ));
    }
    Ok(())
}

/// The price score of `price_fen` against the lowest eligible price.
#[must_use]
pub fn price_score(lowest_fen: i64, price_fen: i64, price_weight: u32) -> Points {
    if price_fen <= 0 {
        return 0;
    }
    div_round(
        i128::from(lowest_fen) * i128::from(price_weight) * 100,
        i128::from(price_fen),
    )
}

/// The mean of the experts' sums, each sum in hundredths.
#[must_use]
pub fn expert_score(sums: &[Points]) -> Points {
    let n = i128::try_from(sums.len()).unwrap_or(0);
    div_round(sums.iter().map(|s| i128::from(*s)).sum(), n)
}

/// One bid to rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored<K> {
    /// Whatever identifies the bid.
    pub key: K,
    /// Price, fen.
    pub price_fen: i64,
    /// Receipt time.
    pub submitted_at: DateTime<Utc>,
    /// Each expert's sum of criterion scores, in hundredths.
    pub expert_sums: Vec<Points>,
}

/// A ranked bid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked<K> {
    /// 1 for the best.
    pub rank: usize,
    /// The bid.
    pub key: K,
    /// Mean of the experts' scores.
    pub expert_score: Points,
    /// Price score.
    pub price_score: Points,
    /// Total.
    pub total: Points,
    /// Price, fen.
    pub price_fen: i64,
}

/// Scores and ranks eligible bids.
#[must_use]
pub fn rank<K: Clone>(bids: &[Scored<K>], price_weight: u32) -> Vec<Ranked<K>> {
    let lowest = bids.iter().map(|b| b.price_fen).min().unwrap_or(0);
    let mut scored: Vec<(Ranked<K>, DateTime<Utc>)> = bids
        .iter()
        .map(|b| {
            let e = expert_score(&b.expert_sums);
            let p = price_score(lowest, b.price_fen, price_weight);
            (
                Ranked {
                    rank: 0,
                    key: b.key.clone(),
                    expert_score: e,
                    price_score: p,
                    total: e + p,
                    price_fen: b.price_fen,
                },
                b.submitted_at,
            )
        })
        .collect();
    scored.sort_by(|(a, at), (b, bt)| {
        b.total
            .cmp(&a.total)
            .then(a.price_fen.cmp(&b.price_fen))
            .then(at.cmp(bt))
    });
    scored
        .into_iter()
        .enumerate()
        .map(|(i, (r, _))| Ranked { rank: i + 1, ..r })
        .collect()
}

/// Reads points as typed ("18", "18.5", "18.25") into hundredths; `None`
/// for anything else (negative, more than two decimals, not a number).
#[must_use]
pub fn parse_points(s: &str) -> Option<Points> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 6
    {
        return None;
    }
    let whole: Points = whole.parse().ok()?;
    let frac: Points = format!("{frac:0<2}").parse().ok()?;
    Some(whole * 100 + frac)
}

/// Shows hundredths as a number with two decimals (`8533` -> `85.33`).
#[must_use]
pub fn show(points: Points) -> String {
    format!("{}.{:02}", points / 100, (points % 100).abs())
}

/// The award may go to the bid ranked `rank`: rank 1, or another with a reason.
///
/// # Errors
/// `reason_required` on `reason`.
pub fn check_choice(rank: usize, reason: Option<&str>) -> Result<(), FieldError> {
    if rank != 1 && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(FieldError::new(
            "reason",
            "reason_required",
            format!("the bid ranked {rank} is not the best; record why it is chosen"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn panels_are_odd_and_large_enough_for_the_method() {
        assert!(check_panel(Method::CompetitiveConsultation, 3).is_ok());
        assert_eq!(
            check_panel(Method::CompetitiveConsultation, 4)
                .unwrap_err()
                .code,
            "panel_size"
        );
        assert!(check_panel(Method::PublicTender, 3).is_err());
        assert!(check_panel(Method::PublicTender, 5).is_ok());
        assert!(check_panel(Method::InvitedTender, 1).is_err());
    }

    #[test]
    fn the_price_score_is_lowest_over_price_times_weight_rounded_half_up() {
        // 90 000 / 100 000 x 30 = 27.00
        assert_eq!(price_score(9_000_000, 10_000_000, 30), 2700);
        // 90 000 / 95 000 x 30 = 28.421... -> 28.42
        assert_eq!(price_score(9_000_000, 9_500_000, 30), 2842);
        // 2 / 3 x 10 = 6.666... -> 6.67
        assert_eq!(price_score(2, 3, 10), 667);
        assert_eq!(
            price_score(9_000_000, 9_000_000, 30),
            3000,
            "the lowest gets the full weight"
        );
    }

    #[test]
    fn a_worked_example_with_ties_broken_by_price_then_receipt_time() {
        // Price weight 30; three experts score the other 70 points.
        let bids = vec![
            Scored {
                key: "A",
                price_fen: 10_000_000,
                submitted_at: at("2026-03-01T01:00:00Z"),
                expert_sums: vec![6000, 6200, 5800], // mean 60.00
            },
            Scored {
                key: "B",
                price_fen: 9_000_000,
                submitted_at: at("2026-03-01T02:00:00Z"),
                expert_sums: vec![5500, 5600, 5700], // mean 56.00
            },
            Scored {
                key: "C",
                price_fen: 12_000_000,
                submitted_at: at("2026-03-01T00:30:00Z"),
                expert_sums: vec![6500, 6600, 6550], // mean 65.50
            },
        ];
        let r = rank(&bids, 30);
        // A: 60.00 + 27.00 = 87.00; B: 56.00 + 30.00 = 86.00; C: 65.50 + 22.50 = 88.00
        let order: Vec<_> = r.iter().map(|x| (x.key, show(x.total))).collect();
        assert_eq!(
            order,
            [
                ("C", "88.00".into()),
                ("A", "87.00".into()),
                ("B", "86.00".into())
            ]
        );
        assert_eq!(show(r[0].price_score), "22.50");

        // Equal totals: the lower price wins; equal prices too: the earlier receipt.
        let tie = vec![
            Scored {
                key: "late",
                price_fen: 100,
                submitted_at: at("2026-03-01T02:00:00Z"),
                expert_sums: vec![5000],
            },
            Scored {
                key: "early",
                price_fen: 100,
                submitted_at: at("2026-03-01T01:00:00Z"),
                expert_sums: vec![5000],
            },
        ];
        let keys: Vec<_> = rank(&tie, 20).into_iter().map(|x| x.key).collect();
        assert_eq!(keys, ["early", "late"]);
        let tied = vec![
            Scored {
                key: "dear",
                price_fen: 100,
                submitted_at: at("2026-03-01T00:00:00Z"),
                expert_sums: vec![6500],
            },
            Scored {
                key: "cheap",
                price_fen: 50,
                submitted_at: at("2026-03-01T01:00:00Z"),
                expert_sums: vec![6000],
            },
        ];
        // dear: 65.00 + 5.00 = 70.00; cheap: 60.00 + 10.00 = 70.00 -> the cheaper wins.
        let keys: Vec<_> = rank(&tied, 10).into_iter().map(|x| x.key).collect();
        assert_eq!(keys, ["cheap", "dear"]);
    }

    #[test]
    fn the_mean_of_experts_rounds_half_up() {
        assert_eq!(expert_score(&[100, 101]), 101, "100.5 hundredths -> 101");
        assert_eq!(expert_score(&[6000, 6000, 6001]), 6000);
        assert_eq!(expert_score(&[]), 0);
        assert_eq!(show(8533), "85.33");
        assert_eq!(show(7), "0.07");
    }

    #[test]
    fn typed_points_become_hundredths() {
        assert_eq!(parse_points("18"), Some(1800));
        assert_eq!(parse_points(" 18.5 "), Some(1850));
        assert_eq!(parse_points("0.05"), Some(5));
        assert_eq!(parse_points("18.255"), None);
        assert_eq!(parse_points("-1"), None);
        assert_eq!(parse_points(".5"), None);
        assert_eq!(parse_points("abc"), None);
        assert_eq!(parse_points(""), None);
    }

    #[test]
    fn only_rank_one_goes_without_a_reason() {
        assert!(check_choice(1, None).is_ok());
        assert_eq!(check_choice(2, None).unwrap_err().code, "reason_required");
        assert_eq!(check_choice(2, Some("  ")).unwrap_err().field, "reason");
        assert!(check_choice(3, Some("the first two withdrew")).is_ok());
    }
}
