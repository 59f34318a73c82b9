//! Text indexes of character unigrams and bigrams: how a substring of a
//! Chinese name or title is found among a million without reading them all.
//!
//! A text is indexed as its characters and its pairs of neighbouring
//! characters, lower-cased: `养老院` is `养 老 院 养老 老院`. A query of one
//! character looks up its unigram; a longer one the bigrams it contains (up
//! to [`MAX_GRAMS`], spread over it), and a substring test then keeps
//! exactly the texts that hold the query, `%` and `_` taken literally. So
//! two-character words such as 养老 are found through the index, and
//! nothing depends on how Chinese is split into words.
//!
//! The indexes themselves are the databases' (SQLite FTS5 tables of
//! `u<HEX>`/`b<HEX>` terms, PostgreSQL GIN indexes over
//! `cogov_name_grams()`; migrations 000048 and 000055); this module holds
//! the pure rules both sides of a search share. Used by the registry's
//! search and the project list.

use sea_orm::DbBackend;

/// Bigrams of a long query looked up in the index; the substring test
/// checks the rest.
pub const MAX_GRAMS: usize = 6;

/// The grams of a query to look up: its one character, or up to
/// [`MAX_GRAMS`] of its bigrams spread from first to last, distinct.
/// `fold` lower-cases as the database's `lower()` does.
#[must_use]
pub fn query_grams(q: &str, fold: impl Fn(&str) -> String) -> Vec<String> {
    let chars: Vec<char> = fold(q).chars().collect();
    if chars.len() < 2 {
        return chars.iter().map(char::to_string).collect();
    }
    let pairs = chars.len() - 1;
    let picks = pairs.min(MAX_GRAMS);
    let mut grams: Vec<String> = (0..picks)
        .map(|k| {
            let i = if picks == 1 {
                0
            } else {
                k * (pairs - 1) / (picks - 1)
            };
            chars[i..i + 2].iter().collect()
        })
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// A gram as an FTS5 term: `u` or `b`, then the hex of its UTF-8 (what
/// `hex()` gives in [`migration::SQLITE_TERMS`] and [`migration::sqlite_grams`]).
#[must_use]
pub fn fts_term(gram: &str) -> String {
    let kind = if gram.chars().count() == 1 { 'u' } else { 'b' };
    let hex: String = gram.bytes().map(|b| format!("{b:02X}")).collect();
    format!("{kind}{hex}")
}

/// `s` lower-cased as `backend`'s `lower()` does: SQLite's folds ASCII
/// only, PostgreSQL's follows Unicode.
#[must_use]
pub fn fold(backend: DbBackend, s: &str) -> String {
    if backend == DbBackend::Postgres {
        s.to_lowercase()
    } else {
        s.to_ascii_lowercase()
    }
}

/// `%`, `_` and `\` taken literally in a LIKE pattern escaped with `\`.
#[must_use]
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_character_is_its_unigram_more_are_bigrams() {
        let id = |s: &str| s.to_owned();
        assert_eq!(query_grams("养", id), ["养"]);
        assert_eq!(query_grams("养老", id), ["养老"]);
        assert_eq!(query_grams("养老院", id), ["养老", "老院"]);
        assert_eq!(query_grams("会会会", id), ["会会"]);
    }

    #[test]
    fn a_long_query_looks_up_a_few_grams_from_first_to_last() {
        let q = "杭州市西湖区阳光养老服务协会";
        let grams = query_grams(q, str::to_owned);
        assert_eq!(grams.len(), MAX_GRAMS);
        assert!(grams.contains(&"杭州".to_owned()));
        assert!(grams.contains(&"协会".to_owned()));
        let thousand = "养".repeat(1000);
        assert_eq!(query_grams(&thousand, str::to_owned), ["养养"]);
    }

    #[test]
    fn terms_are_what_sqlite_hex_gives() {
        assert_eq!(fts_term("养"), "uE585BB");
        assert_eq!(fts_term("ab"), "b6162");
        assert_eq!(fts_term("%"), "u25");
    }

    #[test]
    fn like_wildcards_in_a_query_are_literal() {
        assert_eq!(escape_like("50%_x\\"), "50\\%\\_x\\\\");
    }

    #[test]
    fn sqlite_folds_ascii_postgres_unicode() {
        assert_eq!(fold(DbBackend::Sqlite, "ÄbC养"), "Äbc养");
        assert_eq!(fold(DbBackend::Postgres, "ÄbC养"), "äbc养");
    }
}
