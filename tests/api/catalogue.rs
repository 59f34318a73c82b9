//! One language at a time: every refusal the code base can give has words
//! in both catalogues, both catalogues hold the same keys, and the Chinese
//! one says nothing in English (technical names aside). A code, a key or a
//! message added later is checked without anyone remembering to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A catalogue's messages by key, continuation lines joined.
fn catalogue(tag: &str) -> BTreeMap<String, String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("templates/locales/{tag}/main.ftl"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        if (line.starts_with(' ') || line.starts_with('}')) && !line.trim().is_empty() {
            if let Some(k) = &last {
                out.entry(k.clone())
                    .and_modify(|v: &mut String| v.push_str(line.trim()));
            }
            continue;
        }
        last = None;
        let Some((key, value)) = line
            .split_once(" = ")
            .or_else(|| line.strip_suffix(" =").map(|k| (k, "")))
        else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || key.starts_with('#') || key.contains(' ') {
            continue;
        }
        out.insert(key.to_owned(), value.to_owned());
        last = Some(key.to_owned());
    }
    out
}

/// The words of a message: placeables and selectors taken out, innermost
/// first.
fn words(message: &str) -> String {
    let mut s = message.to_owned();
    while let Some(open) = s.rfind('{') {
        let Some(close) = s[open..].find('}') else {
            break;
        };
        s.replace_range(open..=open + close, " ");
    }
    s
}

/// Every code a refusal is given with in `src/`: the second argument of
/// `FieldError::new`, `Error::invalid` and `Error::bad_input`, and each
/// `code: "..."` of a conflict.
fn codes_in_sources() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut codes = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for opener in ["FieldError::new(", "Error::invalid(", "Error::bad_input("] {
            for (at, _) in text.match_indices(opener) {
                // The second argument: after the first top-level comma.
                let rest = &text[at + opener.len()..];
                let mut depth = 0;
                let mut comma = None;
                for (i, c) in rest.char_indices() {
                    match c {
                        '(' | '[' | '{' => depth += 1,
                        ')' | ']' | '}' if depth == 0 => break,
                        ')' | ']' | '}' => depth -= 1,
                        ',' if depth == 0 => {
                            comma = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let Some(comma) = comma else { continue };
                let arg = rest[comma + 1..].trim_start();
                if let Some(lit) = arg.strip_prefix('"')
                    && let Some(end) = lit.find('"')
                {
                    codes.insert(lit[..end].to_owned());
                }
            }
        }
        for (at, _) in text.match_indices("code: \"") {
            let lit = &text[at + 7..];
            if let Some(end) = lit.find('"') {
                codes.insert(lit[..end].to_owned());
            }
        }
    }
    codes.retain(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'));
    codes
}

#[test]
fn every_refusal_has_words_in_both_languages() {
    let codes = codes_in_sources();
    assert!(codes.len() > 100, "only {} codes found", codes.len());
    for tag in ["zh-CN", "en"] {
        let cat = catalogue(tag);
        let missing: Vec<&String> = codes
            .iter()
            .filter(|c| !cat.contains_key(&format!("err-{c}")))
            .collect();
        assert!(
            missing.is_empty(),
            "{tag} has no err- words for {missing:?}"
        );
    }
}

#[test]
fn every_eligibility_rule_has_words_for_its_failure() {
    for tag in ["zh-CN", "en"] {
        let cat = catalogue(tag);
        for rule in [
            "active",
            "not_dishonest",
            "not_abnormal",
            "min_grade",
            "min_years",
            "org_types",
            "region",
        ] {
            assert!(
                cat.contains_key(&format!("rule-{rule}")),
                "{tag} rule-{rule}"
            );
            assert!(
                cat.contains_key(&format!("err-ineligible_{rule}")),
                "{tag} err-ineligible_{rule}"
            );
        }
    }
}

#[test]
fn both_catalogues_hold_the_same_keys() {
    let zh: BTreeSet<String> = catalogue("zh-CN").into_keys().collect();
    let en: BTreeSet<String> = catalogue("en").into_keys().collect();
    assert!(zh.len() > 500, "only {} keys read", zh.len());
    let only_zh: Vec<&String> = zh.difference(&en).collect();
    let only_en: Vec<&String> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
    );
}

#[test]
fn the_chinese_catalogue_says_nothing_in_english() {
    // Names of things that are written in Latin letters in Chinese too.
    const NAMES: [&str; 23] = [
        "API",
        "Authorization",
        "Bearer",
        "CSV",
        "JSON",
        "MCA",
        "OCDS",
        "OpenAPI",
        "PDF",
        "SMTP",
        "UTC",
        "WCAG",
        "Webhook",
        "XLSX",
        "cogov",
        "https",
        "smtp",
        "url",
        "ICP",
        "Excel",
        "Atom",
        "SHA",
        "HMAC",
    ];
    let mut english = Vec::new();
    for (key, message) in catalogue("zh-CN") {
        let text = words(&message);
        let mut word = String::new();
        for c in text.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_alphabetic() {
                word.push(c);
                continue;
            }
            if word.len() >= 3 && !NAMES.contains(&word.as_str()) {
                english.push(format!("{key}: {word}"));
            }
            word.clear();
        }
    }
    assert!(english.is_empty(), "English in zh-CN: {english:?}");
}

#[test]
fn the_reader_of_catalogues_and_words_works() {
    assert_eq!(words("a { $x } b").trim(), "a   b".trim());
    assert!(!words("{ $code -> [none] {\"\"} *[other] 代码：{ $code }。 }").contains("code"));
}
