//! How the pages show values: money, divisions. One place, so every page
//! shows them alike.

use crate::divisions;
use crate::money::Fen;

/// A division code with its name (`420100 武汉市`).
#[must_use]
pub fn division_label(code: &str) -> String {
    divisions::display_name(code).map_or_else(|| code.to_owned(), |n| format!("{code} {n}"))
}

/// Money for a page: yuan with two decimals, thousands grouped.
#[must_use]
pub fn yuan(fen: i64) -> String {
    Fen(fen).grouped()
}
