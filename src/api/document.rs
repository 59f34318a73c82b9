//! Rules the server enforces for every operation at once, written into the
//! OpenAPI document so that it tells the whole truth.
//!
//! poem-openapi derives the document from the handlers and types; a few
//! rules are enforced at the boundary instead, for every operation, and are
//! added here to every place they apply:
//! - text holds no control characters but tab, line feed and carriage
//!   return (`crate::text`): a `pattern` on every free-text string of a
//!   parameter or schema; text that must be given (`minLength` 1) must also
//!   hold more than white space, as the services trim it;
//! - `limit` is 1-100 (`crate::pagination`); integers stay within their
//!   type (`int16` within -32768..=32767, ...);
//! - dates are RFC 3339 full dates (`format: date`; poem-openapi says
//!   `naive-date`, which no client knows);
//! - an `email` in a request body is an e-mail address (`format: email`);
//! - request bodies take only the properties they document
//!   (`additionalProperties: false`; the types refuse unknown fields), and
//!   an optional property without a default may be `null` (absent).

use serde_json::{Value, json};

/// What a free-text string may hold: anything but control characters other
/// than tab, line feed and carriage return (`crate::text::allowed`).
pub const TEXT_PATTERN: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";

/// The same, for text that must say something: at least one character that
/// is neither white space nor a control character (the services trim text
/// and refuse what is left empty).
pub const NON_BLANK_PATTERN: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";

/// White space the services trim (Unicode's, less the control characters
/// refused anyway).
const WS: &str = r"[ \t\r\n\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// What the services check of request bodies beyond their types, stated in
/// the document here (property by property) rather than by poem-openapi
/// validators, which stop at the first failure: the services name every
/// field that breaks a rule at once. CI's schemathesis run holds both sides
/// to it, in both directions.
fn body_rules() -> Vec<(&'static str, &'static str, Value)> {
    let category_code = format!("^{WS}*[A-Za-z0-9]{{1,16}}{WS}*$");
    let department_code = format!("^{WS}*[A-Za-z0-9-]{{2,32}}{WS}*$");
    let uscc_or_blank = format!("^{WS}*([0-9A-HJ-NPQRTUWXY]{{18}})?{WS}*$");
    let t = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]";
    // At least one letter and one digit (`auth::password`).
    let password = format!(r"^{t}*([^\W\d_]{t}*[0-9]|[0-9]{t}*[^\W\d_]){t}*$");
    let division_code = "^[0-9]{6}$";
    vec![
        ("AmendmentInput", "text", json!({"minLength": 1})),
        ("AnnualReportInput", "activities", json!({"minLength": 1})),
        (
            "AnnualReportInput",
            "expenditure_fen",
            json!({"minimum": 0}),
        ),
        ("AnnualReportInput", "income_fen", json!({"minimum": 0})),
        ("AnnualReportInput", "staff_count", json!({"minimum": 0})),
        (
            "AnnualReportInput",
            "volunteer_count",
            json!({"minimum": 0}),
        ),
        ("AnswerInput", "answer", json!({"minLength": 1})),
        ("ApplicationInput", "funds_fen", json!({"minimum": 0})),
        ("CategoryInput", "code", json!({"pattern": category_code})),
        ("CategoryInput", "name_en", json!({"minLength": 1})),
        ("CategoryInput", "name_zh", json!({"minLength": 1})),
        ("ChallengeInput", "reasons", json!({"minLength": 1})),
        ("CompletionInput", "comment", json!({"minLength": 1})),
        (
            "CompletionInput",
            "score",
            json!({"minimum": 0, "maximum": 100}),
        ),
        ("CreateTokenInput", "name", json!({"minLength": 1})),
        ("CreateUserInput", "display_name", json!({"minLength": 1})),
        (
            "CreateUserInput",
            "password",
            json!({"minLength": 10, "pattern": password}),
        ),
        ("CreditRecordInput", "ground", json!({"minLength": 1})),
        (
            "DepartmentInput",
            "code",
            json!({"pattern": department_code}),
        ),
        (
            "DepartmentInput",
            "division_code",
            json!({"pattern": division_code}),
        ),
        ("DepartmentInput", "name", json!({"minLength": 1})),
        ("DepartmentInput", "uscc", json!({"pattern": uscc_or_blank})),
        ("DisbursementInput", "reference", json!({"minLength": 1})),
        ("FeedbackInput", "comment", json!({"minLength": 1})),
        (
            "FeedbackInput",
            "rating",
            json!({"minimum": 1, "maximum": 5}),
        ),
        ("GradeInput", "grade", json!({"minimum": 1, "maximum": 5})),
        ("LiftInput", "reason", json!({"minLength": 1})),
        ("QuestionInput", "question", json!({"minLength": 1})),
        ("ReasonInput", "reason", json!({"minLength": 1})),
        ("ReplyInput", "reasons", json!({"minLength": 1})),
        ("ReportSubmission", "body", json!({"minLength": 1})),
        ("ReportSubmission", "people_served", json!({"minimum": 0})),
        ("ReportSubmission", "spending_fen", json!({"minimum": 0})),
        ("SetDayInput", "name", json!({"minLength": 1})),
        ("SignUpInput", "display_name", json!({"minLength": 1})),
        (
            "SignUpInput",
            "password",
            json!({"minLength": 10, "pattern": password}),
        ),
    ]
}

/// Adds the boundary's rules to a document poem-openapi generated.
pub fn add_boundary_rules(doc: &mut Value) {
    rename_formats(doc);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            for op in ops.values_mut() {
                let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                    continue;
                };
                for p in params {
                    let is_limit = p["name"] == "limit" && p["in"] == "query";
                    let Some(schema) = p.get_mut("schema") else {
                        continue;
                    };
                    if is_limit {
                        schema["minimum"] = json!(1);
                        schema["maximum"] = json!(crate::pagination::MAX_LIMIT);
                    }
                    text_rule(schema);
                }
            }
        }
    }
    let request_schemas = request_body_schemas(doc);
    let rules = body_rules();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            let request = request_schemas.contains(name);
            for (_, property, rule) in rules.iter().filter(|(s, _, _)| s == name) {
                if let (Some(p), Some(rule)) = (
                    schema.pointer_mut(&format!("/properties/{property}")),
                    rule.as_object(),
                ) {
                    for (k, v) in rule {
                        p[k] = v.clone();
                    }
                }
            }
            if request {
                // An address the services check as one (`validator`'s e-mail rule).
                if let Some(email) = schema.pointer_mut("/properties/email") {
                    email["format"] = json!("email");
                }
            }
            each_property(schema, &mut text_rule);
            if request && schema["type"] == "object" {
                close(schema);
            }
        }
    }
    // Bodies written inline (multipart forms) likewise.
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for op in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|o| o.values_mut())
        {
            let Some(content) = op
                .pointer_mut("/requestBody/content")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for (media_type, media) in content.iter_mut() {
                if let Some(schema) = media.get_mut("schema").filter(|s| s["type"] == "object") {
                    each_property(schema, &mut text_rule);
                    close(schema);
                    // A form has no null: an optional field is left out
                    // (schemathesis sent the text `null` for a file's
                    // project, which is no UUID).
                    if media_type.starts_with("multipart/")
                        && let Some(props) =
                            schema.get_mut("properties").and_then(Value::as_object_mut)
                    {
                        for p in props.values_mut().filter_map(Value::as_object_mut) {
                            p.remove("nullable");
                        }
                    }
                }
            }
        }
    }
}

/// A request object takes only its properties, and an optional one without
/// a default may also be `null` (it means absent, as serde reads it).
fn close(schema: &mut Value) {
    schema["additionalProperties"] = json!(false);
    let required: Vec<String> = schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, p) in props.iter_mut() {
        if required.contains(name) || p.get("default").is_some() || p["format"] == "binary" {
            continue;
        }
        if let Some(reference) = p.as_object_mut().and_then(|o| o.remove("$ref")) {
            p["allOf"] = json!([{ "$ref": reference }]);
        }
        p["nullable"] = json!(true);
    }
}

/// Names of the component schemas a request body uses, directly or inside
/// another one.
fn request_body_schemas(doc: &Value) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut todo: Vec<String> = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for op in paths
            .values()
            .filter_map(Value::as_object)
            .flat_map(|o| o.values())
        {
            refs_in(&op["requestBody"], &mut todo);
        }
    }
    while let Some(name) = todo.pop() {
        if found.insert(name.clone()) {
            refs_in(&doc["components"]["schemas"][&name], &mut todo);
        }
    }
    found
}

fn refs_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| refs_in(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

/// `naive-date` is `date` to everyone else.
fn rename_formats(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("naive-date") {
                map.insert("format".into(), json!("date"));
            }
            map.values_mut().for_each(rename_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(rename_formats),
        _ => {}
    }
}

/// Calls `f` on every schema nested in `schema`'s properties and items.
fn each_property(schema: &mut Value, f: &mut impl FnMut(&mut Value)) {
    f(schema);
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for p in props.values_mut() {
            each_property(p, f);
        }
    }
    if let Some(items) = schema.get_mut("items") {
        each_property(items, f);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = schema.get_mut(key).and_then(Value::as_array_mut) {
            list.iter_mut().for_each(|s| each_property(s, f));
        }
    }
}

/// A free-text string (no format, pattern or enum of its own) gets the text
/// pattern, an array of them on its items; an unsigned integer says it
/// is not negative.
fn text_rule(schema: &mut Value) {
    if let Some(items) = schema.get_mut("items") {
        text_rule(items);
    }
    if schema["type"] == "integer" {
        let (low, high): (Value, Value) = match schema["format"].as_str() {
            Some("int16") => (json!(i16::MIN), json!(i16::MAX)),
            Some("int32") => (json!(i32::MIN), json!(i32::MAX)),
            Some("int64") => (json!(i64::MIN), json!(i64::MAX)),
            Some("uint16") => (json!(0), json!(u16::MAX)),
            Some("uint32") => (json!(0), json!(u32::MAX)),
            Some("uint64") => (json!(0), json!(u64::MAX)),
            _ => (Value::Null, Value::Null),
        };
        if schema.get("minimum").is_none() && !low.is_null() {
            schema["minimum"] = low;
        }
        if schema.get("maximum").is_none() && !high.is_null() {
            schema["maximum"] = high;
        }
    }
    let free = schema["type"] == "string"
        && schema.get("format").is_none()
        && schema.get("pattern").is_none()
        && schema.get("enum").is_none();
    if free {
        let required = schema["minLength"].as_u64().is_some_and(|n| n >= 1);
        schema["pattern"] = json!(if required {
            NON_BLANK_PATTERN
        } else {
            TEXT_PATTERN
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_pattern_says_what_the_boundary_refuses() {
        let re = regex_lite::Regex::new(TEXT_PATTERN).unwrap();
        for c in (0u32..0x200).filter_map(char::from_u32) {
            assert_eq!(
                re.is_match(&c.to_string()),
                crate::text::allowed(c),
                "{:?}",
                c
            );
        }
    }

    #[test]
    fn every_body_rule_lands_on_a_property_of_the_document() {
        let doc: Value = serde_json::from_str(&crate::api::spec_json()).unwrap();
        for (schema, property, rule) in body_rules() {
            let p = &doc["components"]["schemas"][schema]["properties"][property];
            assert!(p.is_object(), "{schema}.{property} is not in the document");
            for (k, v) in rule.as_object().unwrap() {
                assert_eq!(&p[k], v, "{schema}.{property}.{k}");
            }
        }
    }

    #[test]
    fn required_text_says_something() {
        let re = regex_lite::Regex::new(NON_BLANK_PATTERN).unwrap();
        for ok in ["a", " 理由 ", "第一行\n第二行"] {
            assert!(re.is_match(ok), "{ok:?}");
        }
        for bad in ["", " ", "\n\t ", "a\u{0}"] {
            assert!(!re.is_match(bad), "{bad:?}");
        }
    }

    #[test]
    fn free_text_gets_the_pattern_and_nothing_else_does() {
        let mut doc = json!({
            "paths": {"/x": {"get": {"parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "day", "in": "query", "schema": {"type": "string", "format": "naive-date"}},
            ]}, "post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}}}}},
            "components": {"schemas": {
                "In": {"type": "object", "properties": {
                    "code": {"type": "string", "pattern": "^[0-9]{6}$"},
                    "kind": {"type": "string", "enum": ["a"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "part": {"$ref": "#/components/schemas/Part"},
                }},
                "Part": {"type": "object", "properties": {"name": {"type": "string"}}},
                "Out": {"type": "object", "properties": {"name": {"type": "string"}}},
            }},
        });
        add_boundary_rules(&mut doc);
        let params = &doc["paths"]["/x"]["get"]["parameters"];
        assert_eq!(params[0]["schema"]["minimum"], 1);
        assert_eq!(params[0]["schema"]["maximum"], 100);
        assert_eq!(params[1]["schema"]["pattern"], TEXT_PATTERN);
        assert_eq!(params[2]["schema"]["format"], "date");
        assert!(params[2]["schema"].get("pattern").is_none());
        let s = &doc["components"]["schemas"];
        assert_eq!(s["In"]["properties"]["code"]["pattern"], "^[0-9]{6}$");
        assert!(s["In"]["properties"]["kind"].get("pattern").is_none());
        assert_eq!(
            s["In"]["properties"]["tags"]["items"]["pattern"],
            TEXT_PATTERN
        );
        assert_eq!(s["In"]["additionalProperties"], false);
        assert_eq!(s["In"]["properties"]["code"]["nullable"], true, "optional");
        assert_eq!(
            s["In"]["properties"]["part"]["allOf"][0]["$ref"],
            "#/components/schemas/Part"
        );
        assert_eq!(s["In"]["properties"]["part"]["nullable"], true);
        assert_eq!(
            s["Part"]["additionalProperties"], false,
            "used inside a request"
        );
        assert!(
            s["Out"].get("additionalProperties").is_none(),
            "answers only"
        );
        assert_eq!(s["Out"]["properties"]["name"]["pattern"], TEXT_PATTERN);
    }
}
