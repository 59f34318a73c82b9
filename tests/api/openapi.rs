//! `openapi/openapi.json` is exactly what the code generates, and every
//! operation documents a tag, a summary and its errors.

#[test]
fn the_committed_document_matches_the_code() {
    let generated = cogov::api::spec_json();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_operation_has_a_tag_a_summary_and_its_errors() {
    let doc: serde_json::Value = serde_json::from_str(&cogov::api::spec_json()).unwrap();
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            let name = format!("{method} {path}");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name} has no tag"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name} has no summary"
            );
            let responses = op["responses"].as_object().unwrap();
            for status in [
                "400", "401", "403", "404", "409", "415", "422", "429", "500", "503",
            ] {
                let r = &responses[status];
                assert!(
                    r["content"]["application/problem+json"].is_object(),
                    "{name} does not document {status}"
                );
            }
        }
    }
    assert!(count >= 20);
}
