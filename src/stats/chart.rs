//! Horizontal bar charts as geometry for the SVG template
//! (`templates/chart.hbs`): one row per bar, label on the left, the bar
//! scaled to the largest value, the value after it. Horizontal bars keep
//! long Chinese labels readable on a phone.

use serde::Serialize;

use super::Count;
use crate::money::Fen;

/// The drawing's width in SVG units. Drawn at most 32rem wide and at a
/// phone's width (about 350 px), a unit is 0.85 to 1.3 px: texts of 15
/// units read at 13 px or more (`style.css`).
pub const WIDTH: i64 = 400;
const LABEL_WIDTH: i64 = 150;
const VALUE_WIDTH: i64 = 125;
const ROW: i64 = 28;
const BAR: i64 = 16;

/// One drawn bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bar {
    /// Label.
    pub label: String,
    /// The value as shown.
    pub value: String,
    /// Top of the bar.
    pub y: i64,
    /// Baseline of the texts.
    pub text_y: i64,
    /// Left of the bar.
    pub x: i64,
    /// Width of the bar (at least 1 for a non-zero value).
    pub width: i64,
    /// Where the value text starts.
    pub value_x: i64,
}

/// A chart ready to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chart {
    /// Translation key of its title.
    pub title: &'static str,
    /// Drawing width.
    pub width: i64,
    /// Drawing height.
    pub height: i64,
    /// Bar height.
    pub bar_height: i64,
    /// The bars.
    pub bars: Vec<Bar>,
}

/// Lays out `counts` as bars; money values (fen) are shown in yuan.
#[must_use]
pub fn bars(title: &'static str, counts: &[Count], money: bool) -> Chart {
    let max = counts.iter().map(|c| c.value).max().unwrap_or(0).max(1);
    let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let bars = counts
        .iter()
        .zip(0_i64..)
        .map(|(c, i)| {
            let width = if c.value > 0 {
                (c.value.saturating_mul(span) / max).max(1)
            } else {
                0
            };
            Bar {
                label: c.label.clone(),
                value: if money {
                    Fen(c.value).grouped()
                } else {
                    c.value.to_string()
                },
                y: i * ROW + (ROW - BAR) / 2,
                text_y: i * ROW + ROW / 2 + 5,
                x: LABEL_WIDTH,
                width,
                value_x: LABEL_WIDTH + width + 6,
            }
        })
        .collect::<Vec<_>>();
    Chart {
        title,
        width: WIDTH,
        height: (i64::try_from(bars.len()).unwrap_or(0) * ROW).max(ROW),
        bar_height: BAR,
        bars,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(label: &str, value: i64) -> Count {
        Count {
            key: label.into(),
            label: label.into(),
            value,
        }
    }

    #[test]
    fn bars_scale_to_the_largest_and_stack_down() {
        let c = bars("t", &[count("a", 10), count("b", 5), count("c", 0)], false);
        let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        assert_eq!(c.bars[0].width, span);
        assert_eq!(c.bars[1].width, span / 2);
        assert_eq!(c.bars[2].width, 0);
        assert!(c.bars[1].y > c.bars[0].y);
        assert_eq!(c.height, 3 * ROW);
    }

    #[test]
    fn tiny_values_still_show_and_money_reads_as_yuan() {
        let c = bars("t", &[count("big", 1_000_000), count("tiny", 1)], true);
        assert_eq!(c.bars[1].width, 1);
        assert_eq!(c.bars[0].value, "10,000.00");
        let empty = bars("t", &[], false);
        assert!(empty.bars.is_empty() && empty.height > 0);
    }
}
