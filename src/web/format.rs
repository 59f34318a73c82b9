//! How the pages show values: money, places, registration authorities. One place, so every page
//! shows them alike.

use std::sync::LazyLock;

use serde::Serialize;

use crate::divisions;
use crate::i18n::Lang;
use crate::money::Fen;

/// A count for a person: thousands grouped (`912,345`).
#[must_use]
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A place by name in the reader's language (`武汉市江岸区`, `武汉市江岸区,
/// Hubei`); the code when it names no division.
#[must_use]
pub fn place(code: &str, lang: Lang) -> String {
    match lang {
        Lang::ZhCn => divisions::display_name(code),
        Lang::En => divisions::english_name(code),
    }
    .unwrap_or_else(|| code.to_owned())
}

/// The registration authority of a division by name, in the reader's
/// language (`北京市民政局`, `Beijing Municipal Civil Affairs Bureau`).
#[must_use]
pub fn authority(code: &str, lang: Lang) -> String {
    match lang {
        Lang::ZhCn => divisions::authority_name(code),
        Lang::En => divisions::authority_name_en(code),
    }
    .unwrap_or_else(|| code.to_owned())
}

/// The registration authorities to choose from, grouped by province.
#[derive(Debug, Serialize)]
pub struct AuthorityGroup {
    label: String,
    options: Vec<(&'static str, String)>,
}

/// Every registration authority, for a form's list, in `lang`: the
/// Ministry, then each province's.
#[must_use]
pub fn authority_groups(lang: Lang) -> &'static [AuthorityGroup] {
    fn build(lang: Lang) -> Vec<AuthorityGroup> {
        let national = AuthorityGroup {
            label: place(divisions::NATIONAL, lang),
            options: vec![(divisions::NATIONAL, authority(divisions::NATIONAL, lang))],
        };
        std::iter::once(national)
            .chain(divisions::authorities().iter().map(|(p, members)| {
                AuthorityGroup {
                    label: place(p.code, lang),
                    options: members
                        .iter()
                        .map(|d| (d.code, authority(d.code, lang)))
                        .collect(),
                }
            }))
            .collect()
    }
    static ZH: LazyLock<Vec<AuthorityGroup>> = LazyLock::new(|| build(Lang::ZhCn));
    static EN: LazyLock<Vec<AuthorityGroup>> = LazyLock::new(|| build(Lang::En));
    match lang {
        Lang::ZhCn => &ZH,
        Lang::En => &EN,
    }
}

/// Money for a page: yuan with two decimals, thousands grouped.
#[must_use]
pub fn yuan(fen: i64) -> String {
    Fen(fen).grouped()
}
