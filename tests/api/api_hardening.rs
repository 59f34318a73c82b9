//! API hardening: ETag and If-None-Match on reads, and per-token rate limits
//! with 429 and Retry-After.

use crate::common::{json, problem_codes, spawn, spawn_with};
use cogov::auth::Role;
use serde_json::json;

#[tokio::test]
async fn reads_carry_an_etag_that_answers_304_until_the_resource_changes() {
    let app = spawn().await;
    let (_, token) = app.user_with_token("reader@cogov.cn", Role::Auditor).await;
    let get = |etag: Option<String>| {
        let mut r = app
            .client
            .get("/api/v1/me/tokens")
            .header("authorization", format!("Bearer {token}"));
        if let Some(tag) = etag {
            r = r.header("if-none-match", tag);
        }
        r.send()
    };
    let first = get(None).await;
    assert_eq!(first.0.status(), 200);
    let tag = first
        .0
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");

    let again = get(Some(tag.clone())).await;
    assert_eq!(again.0.status(), 304);
    assert_eq!(again.0.headers().get("etag").unwrap(), tag.as_str());
    assert!(again.0.into_body().into_bytes().await.unwrap().is_empty());
    assert_eq!(get(Some(format!("\"other\", {tag}"))).await.0.status(), 304);
    assert_eq!(get(Some("\"other\"".into())).await.0.status(), 200);

    // A change makes a new tag: the old one no longer matches.
    let (s, _) = json(
        app.post_json(
            "/api/v1/me/tokens",
            Some(&token),
            json!({"name": "second", "scopes": ["read"]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    let after = get(Some(tag.clone())).await;
    assert_eq!(after.0.status(), 200);
    assert_ne!(after.0.headers().get("etag").unwrap(), tag.as_str());

    // Errors and writes carry none.
    let missing = app
        .get("/api/v1/grants/01a20a98-e2cf-76c2-810e-b5bf52334ec4", None)
        .await;
    assert_eq!(missing.0.status(), 404);
    assert!(missing.0.headers().get("etag").is_none());
}

#[tokio::test]
async fn a_token_over_its_quota_gets_429_with_retry_after_and_others_go_on() {
    let app = spawn_with(|s| s.api_rate_per_minute = 3).await;
    let (_, busy) = app.user_with_token("busy@cogov.cn", Role::Auditor).await;
    let (_, calm) = app.user_with_token("calm@cogov.cn", Role::Auditor).await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/me", Some(&busy)).await.0.status(), 200);
    }
    let refused = app.get("/api/v1/me", Some(&busy)).await;
    assert_eq!(refused.0.status(), 429);
    let retry: u64 = refused
        .0
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let (_, body) = json(refused).await;
    assert_eq!(problem_codes(&body), Vec::<String>::new());
    assert_eq!(body["type"], "/problems/rate_limited");
    assert_eq!(app.get("/api/v1/me", Some(&calm)).await.0.status(), 200);
    for _ in 0..5 {
        assert_eq!(
            app.get("/api/v1/departments", None).await.0.status(),
            200,
            "anonymous reads are not counted against tokens"
        );
    }
}

#[tokio::test]
async fn a_write_retried_with_its_idempotency_key_happens_once() {
    let app = spawn().await;
    let (_, token) = app.user_with_token("retry@cogov.cn", Role::OrgMember).await;
    let (_, other) = app.user_with_token("other@cogov.cn", Role::OrgMember).await;
    let post = |token: String, key: &'static str, name: &'static str| {
        app.client
            .post("/api/v1/me/tokens")
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", key)
            .body_json(&json!({"name": name, "scopes": ["read"]}))
            .send()
    };
    let first = post(token.clone(), "k-0001", "laptop").await;
    assert_eq!(first.0.status(), 201);
    assert!(first.0.headers().get("idempotency-replayed").is_none());
    let (_, first) = json(first).await;
    let again = post(token.clone(), "k-0001", "laptop").await;
    assert_eq!(again.0.status(), 201);
    assert_eq!(
        again.0.headers().get("idempotency-replayed").unwrap(),
        "true"
    );
    let (_, again) = json(again).await;
    assert_eq!(again, first, "the same answer, secret included");
    let (_, list) = json(app.get("/api/v1/me/tokens", Some(&token)).await).await;
    let named: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        named.iter().filter(|n| **n == "laptop").count(),
        1,
        "created once: {named:?}"
    );

    // The same key with another body is refused; another caller's key is theirs.
    let (s, err) = json(post(token.clone(), "k-0001", "phone").await).await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["idempotency_key_reused".to_owned()])
    );
    assert_eq!(err["errors"][0]["field"], "Idempotency-Key");
    let (s, theirs) = json(post(other.clone(), "k-0001", "laptop").await).await;
    assert_eq!(s, 201);
    assert_ne!(theirs["secret"], first["secret"]);

    // A bad key is a 400; refusals are kept like any answer.
    let bad = app
        .client
        .post("/api/v1/me/tokens")
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", "has space")
        .body_json(&json!({"name": "x", "scopes": ["read"]}))
        .send()
        .await;
    assert_eq!(bad.0.status(), 400);
    let (s, _) = json(post(token.clone(), "k-0002", "").await).await;
    assert_eq!(s, 422);
    let replayed = post(token.clone(), "k-0002", "").await;
    assert_eq!(replayed.0.status(), 422);
    assert_eq!(
        replayed.0.headers().get("idempotency-replayed").unwrap(),
        "true"
    );

    // After a day the key is forgotten: it may name another request.
    app.clock.advance(chrono::Duration::hours(25));
    let fresh = post(token.clone(), "k-0001", "phone").await;
    assert_eq!(fresh.0.status(), 201);
    assert!(fresh.0.headers().get("idempotency-replayed").is_none());
}

#[tokio::test]
async fn a_method_a_path_does_not_take_is_405_naming_those_it_does() {
    let app = spawn().await;
    let resp = app
        .client
        .request(poem::http::Method::TRACE, "/api/v1/projects")
        .send()
        .await;
    assert_eq!(resp.0.status(), 405);
    let allow = resp
        .0
        .headers()
        .get("allow")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let resp = app
        .client
        .request(
            poem::http::Method::DELETE,
            "/api/v1/grants/0190a000-0000-7000-8000-000000000000",
        )
        .send()
        .await;
    assert_eq!(resp.0.status(), 405);
    assert_eq!(resp.0.headers().get("allow").unwrap(), "GET, HEAD");
}
