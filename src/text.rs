//! What text input may hold: no control characters but tab, line feed and
//! carriage return (a NUL is refused by PostgreSQL's text type and means
//! nothing anywhere). Checked once, at the boundary, for every request of
//! the API and the pages, before anything reaches a handler or the
//! database: every query parameter, and every string (values and keys) of
//! a JSON or form body. A refusal is 422 naming the field.

/// A `LIKE` test that `column` holds `text` as typed: `%`, `_` and `\`
/// are themselves, not wildcards (sea-orm's `contains` passes them
/// through). For the short lists a `LIKE` serves (accounts, experts); the
/// registry has its text index ([`crate::registry::search`]).
pub fn contains(column: impl sea_orm::ColumnTrait, text: &str) -> sea_orm::sea_query::SimpleExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    column.like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// Whether `c` may appear in text input.
#[must_use]
pub fn allowed(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r')
}

/// Whether `s` holds a character text input may not.
#[must_use]
pub fn has_control(s: &str) -> bool {
    !s.chars().all(allowed)
}

/// The first query parameter (or form field) whose name or value holds a
/// control character: its name, or `query` when the name itself does.
#[must_use]
pub fn bad_pair(urlencoded: &[u8]) -> Option<String> {
    form_urlencoded::parse(urlencoded).find_map(|(k, v)| {
        if has_control(&k) {
            Some("query".to_owned())
        } else if has_control(&v) {
            Some(k.into_owned())
        } else {
            None
        }
    })
}

/// `s` with every character text input may not hold escaped (`\u{1}`).
#[must_use]
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if allowed(c) {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// The path (`title`, `criteria[1].name`) of the first string, or object
/// key, in a JSON document that holds a control character.
#[must_use]
pub fn bad_json_field(value: &serde_json::Value) -> Option<String> {
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        match v {
            serde_json::Value::String(s) if has_control(s) => Some(path.to_owned()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, item)| {
                // A refused key is named with its control characters escaped:
                // the answer never repeats them.
                let bad = has_control(k);
                let k = printable(k);
                let here = if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                };
                if bad { Some(here) } else { walk(item, &here) }
            }),
            _ => None,
        }
    }
    walk(value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_and_line_breaks_pass_other_controls_do_not() {
        assert!(!has_control("第一行\n第二行\r\n\tend"));
        assert!(has_control("a\0b"));
        assert!(has_control("\u{1b}[31m"));
        assert!(has_control("\u{7f}"));
        assert!(!has_control("养老 50%_x"));
    }

    #[test]
    fn the_field_is_named_in_queries_forms_and_json() {
        assert_eq!(bad_pair(b"q=%E5%85%BB&uscc=%00"), Some("uscc".into()));
        assert_eq!(bad_pair(b"q=a%00b"), Some("q".into()));
        assert_eq!(bad_pair(b"q=a+b&limit=20"), None);
        assert_eq!(bad_pair(b"x=%"), None, "a lone % is text");
        assert_eq!(bad_pair(b"%01=1"), Some("query".into()));
        let doc =
            serde_json::json!({"title": "ok", "criteria": [{"name": "a"}, {"name": "b\u{0}"}]});
        assert_eq!(bad_json_field(&doc), Some("criteria[1].name".into()));
        assert_eq!(
            bad_json_field(&serde_json::json!({"a\u{1}": 1})),
            Some("a\\u{1}".into()),
            "named, never repeated"
        );
        assert_eq!(bad_json_field(&serde_json::json!({"body": "行\n行"})), None);
    }
}
