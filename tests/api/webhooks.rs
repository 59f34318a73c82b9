//! Webhooks against a receiver on loopback: wanted events delivered in
//! order with a verifiable HMAC signature, failures logged and retried with
//! backoff, the subscription disabled after ten in a row, and the owner's
//! refusals.

use std::sync::{Arc, Mutex};

use crate::common::procurement::awarded;
use crate::common::{TestApp, json, problem_codes, spawn_with};
use chrono::Duration;
use cogov::auth::Role;
use cogov::clock::Clock;
use cogov::webhooks;
use sea_orm::QueryOrder as _;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A tiny HTTP receiver on 127.0.0.1 that records requests and answers 204.
async fn receiver() -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head_end, length) = loop {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break (None, 0);
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    break (Some(end + 4), length);
                }
            };
            let Some(start) = head_end else { continue };
            while buf.len() < start + length {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let head = String::from_utf8_lossy(&buf[..start]).into_owned();
            let headers = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let body = String::from_utf8_lossy(&buf[start..start + length]).into_owned();
            log.lock().unwrap().push(Received { headers, body });
            let _ = sock
                .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    (url, seen)
}

async fn deliver(app: &TestApp) -> webhooks::Run {
    webhooks::deliver(
        app.db(),
        &webhooks::client().unwrap(),
        "ocds-test00",
        "test",
        app.clock.now(),
    )
    .await
    .unwrap()
    .expect("the lease is free")
}

#[tokio::test]
async fn subscribers_get_wanted_events_in_order_signed_and_failing_receivers_are_disabled() {
    let app = spawn_with(|s| s.webhooks_allow_private = true).await;
    let (url, seen) = receiver().await;
    let (_, journalist) = app
        .user_with_token("journalist@news.cn", Role::OrgMember)
        .await;

    // Refusals: unknown event types, bad URLs, read-only tokens.
    let (s, err) = json(
        app.post_json(
            "/api/v1/webhooks",
            Some(&journalist),
            json!({"url": url, "event_types": ["grant.stolen"]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["unknown_event_type".to_owned()])
    );
    let (s, _) = json(
        app.post_json(
            "/api/v1/webhooks",
            Some(&journalist),
            json!({"url": "ftp://example.cn"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 422);
    let reader_user = app.user("reader@news.cn", Role::OrgMember).await;
    let reader = app.token(&reader_user, false).await;
    let (s, _) = json(
        app.post_json("/api/v1/webhooks", Some(&reader), json!({"url": url}))
            .await,
    )
    .await;
    assert_eq!(s, 403);

    let (s, created) = json(
        app.post_json(
            "/api/v1/webhooks",
            Some(&journalist),
            json!({"url": url, "event_types": ["grant.accepted", "grant.disbursed"]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{created}");
    let hook = created["webhook"]["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let (s, dead) = json(
        app.post_json(
            "/api/v1/webhooks",
            Some(&journalist),
            json!({"url": "http://127.0.0.1:1/nobody-listens"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    let dead = dead["webhook"]["id"].as_str().unwrap().to_owned();

    // Events after the subscription: an award, its acceptance and a payment.
    let (e, g) = awarded(&app).await;
    let grant = g["id"].as_str().unwrap().to_owned();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/accept"),
            Some(&e.bidders[2].token),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let signing = g["installments"][0]["id"].as_str().unwrap().to_owned();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/disbursements"),
            Some(&e.world.buyer),
            json!({"installment_id": signing, "amount_fen": 28_500_000, "paid_on": "2026-03-20", "reference": "CY-2026-0001"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);

    let run = deliver(&app).await;
    assert_eq!((run.delivered, run.failed), (2, 1), "{run:?}");
    let got = seen.lock().unwrap().clone();
    let types: Vec<&str> = got.iter().map(|r| r.header("x-cogov-event")).collect();
    assert_eq!(types, ["grant.accepted", "grant.disbursed"]);
    for r in &got {
        let ts: i64 = r.header("x-cogov-timestamp").parse().unwrap();
        assert_eq!(
            r.header("x-cogov-signature"),
            webhooks::signature(&secret, ts, &r.body),
            "the signature verifies with the secret"
        );
        assert_ne!(
            r.header("x-cogov-signature"),
            webhooks::signature("wrong", ts, &r.body)
        );
    }
    let body: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(body["event_type"], "grant.disbursed");
    assert_eq!(body["data"]["paid_fen"], 28_500_000);
    assert!(
        body["ocid"]
            .as_str()
            .unwrap()
            .starts_with("ocds-test00-CG-")
    );
    assert_eq!(
        deliver(&app).await.delivered,
        0,
        "nothing new, nothing sent"
    );

    // The log, newest first.
    let (s, log) = json(
        app.get(
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            Some(&journalist),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["event_type"].as_str(), items[0]["ok"].as_bool()),
        (Some("grant.disbursed"), Some(true))
    );

    // The dead receiver: retried with backoff on the same event, then disabled.
    for n in 2..=webhooks::MAX_FAILURES {
        assert_eq!(deliver(&app).await.failed, 0, "not before its time");
        app.clock.advance(webhooks::retry_delay(n - 1));
        let run = deliver(&app).await;
        assert_eq!(run.failed, 1, "attempt {n}");
        assert_eq!(run.disabled, u64::from(n == webhooks::MAX_FAILURES));
    }
    let (_, w) = json(
        app.get(&format!("/api/v1/webhooks/{dead}"), Some(&journalist))
            .await,
    )
    .await;
    assert_eq!(w["active"], false);
    assert!(
        w["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("10 failed deliveries")
    );
    let (_, log) = json(
        app.get(
            &format!("/api/v1/webhooks/{dead}/deliveries?limit=100"),
            Some(&journalist),
        )
        .await,
    )
    .await;
    let attempts: Vec<i64> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["attempt"].as_i64().unwrap())
        .collect();
    assert_eq!(
        attempts,
        (1..=10).rev().collect::<Vec<i64>>(),
        "one event, ten attempts"
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(deliver(&app).await.failed, 0, "disabled: no more attempts");

    // Only the owner manages it; enabling resumes, deleting removes it.
    let (_, stranger) = app.user_with_token("stranger@x.cn", Role::OrgMember).await;
    for path in [
        format!("/api/v1/webhooks/{dead}"),
        format!("/api/v1/webhooks/{dead}/deliveries"),
    ] {
        assert_eq!(app.get(&path, Some(&stranger)).await.0.status(), 404);
    }
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/webhooks/{dead}/delete"),
            Some(&stranger),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 404);
    let (s, w) = json(
        app.post_json(
            &format!("/api/v1/webhooks/{dead}/enable"),
            Some(&journalist),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, w["active"].as_bool(), w["failures"].as_i64()),
        (200, Some(true), Some(0))
    );
    let resp = app
        .post_json(
            &format!("/api/v1/webhooks/{dead}/delete"),
            Some(&journalist),
            json!({}),
        )
        .await;
    assert_eq!(resp.0.status(), 204);
    let (_, mine) = json(app.get("/api/v1/webhooks", Some(&journalist)).await).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let audited: Vec<String> = <entity::audit_entries::Entity as sea_orm::EntityTrait>::find()
        .order_by_asc(entity::audit_entries::Column::Seq)
        .all(app.db().conn())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .filter(|a| a.starts_with("webhook."))
        .collect();
    assert_eq!(
        audited,
        [
            "webhook.create",
            "webhook.create",
            "webhook.disable",
            "webhook.enable",
            "webhook.delete"
        ]
    );
}
