//! A deadline rush with the server killed midway. Bidders submit, replace
//! and withdraw all at once, each write with an `Idempotency-Key`, against
//! real server processes (two on one PostgreSQL database, one on SQLite);
//! when a third of the writes are acknowledged a server is killed with
//! SIGKILL and started again, and the clients retry what got no answer, as
//! a client should. Afterwards: no answer was a 5xx, every acknowledged
//! bid is there, each organization has exactly the live bid its answers
//! said, the opening lists exactly those once, and the chain, the receipts
//! and every row agree with their history.
//!
//! `COGOV_RUSH_BIDDERS` sets the size (60 by default) and
//! `COGOV_RUSH_SPREAD_MS` spreads the bidders' arrival over that long (0 by
//! default: all at once); the latencies it prints are what README's
//! "Exactly once, and kept" quotes for a release build
//! (`cargo test --release --test rush -- --nocapture`).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::procurement::{bid, bidder, world_at};
use crate::common::{TestApp, spawn};
use chrono::{SecondsFormat, Utc};
use cogov::clock::Clock as _;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::Value;
use tokio::sync::Mutex;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process on the test's data directory and database.
fn start(dir: &std::path::Path, url: &str, port: u16) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cogov"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "error")
        .env("COGOV_API_RATE_PER_MINUTE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if url.starts_with("postgres") {
        cmd.env("DATABASE_URL", url);
    } else {
        cmd.env_remove("DATABASE_URL");
    }
    cmd.spawn().expect("the server starts")
}

async fn ready(http: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let up = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if up {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server on port {port} did not come up");
}

/// What the rush saw.
#[derive(Default)]
struct Tally {
    acknowledged: AtomicUsize,
    server_errors: AtomicUsize,
    latencies: Mutex<Vec<Duration>>,
}

/// One bidder's way to the servers.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    ports: Vec<u16>,
    /// Which server to try first.
    who: usize,
    token: String,
    tally: Arc<Tally>,
}

/// Sends one write until it has an answer that is not "try again": a
/// dropped connection (the server was killed) or a key still held by an
/// attempt that died is retried with the same key, as a client would.
async fn write(client: &Client, key: &str, path: &str, body: &Value) -> (u16, Value) {
    let Client {
        http,
        ports,
        who,
        token,
        tally,
    } = client;
    for attempt in 0..2000 {
        let port = ports[(who + attempt) % ports.len()];
        let started = Instant::now();
        let sent = http
            .post(format!("http://127.0.0.1:{port}/api/v1{path}"))
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", key)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        let Ok(resp) = sent else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let status = resp.status().as_u16();
        let Ok(text) = resp.text().await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status >= 500 {
            tally.server_errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("{status} for {path}: {text}");
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        if status == 409 && value["type"] == "/problems/idempotency_in_progress" {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        tally.latencies.lock().await.push(started.elapsed());
        tally.acknowledged.fetch_add(1, Ordering::Relaxed);
        return (status, value);
    }
    panic!("{path} never got an answer");
}

/// The organization's live bid as the server has it (after an answer lost
/// in a crash: `idempotency_committed`).
async fn live_bid(
    app: &TestApp,
    organization: uuid::Uuid,
    project: uuid::Uuid,
) -> Option<uuid::Uuid> {
    entity::bids::Entity::find()
        .filter(entity::bids::Column::OrganizationId.eq(organization))
        .filter(entity::bids::Column::ProjectId.eq(project))
        .filter(entity::bids::Column::Status.eq("active"))
        .one(app.db().conn())
        .await
        .unwrap()
        .map(|b| b.id)
}

fn bid_id(status: u16, answer: &Value) -> Option<uuid::Uuid> {
    (status == 201).then(|| {
        answer["receipt"]["bid_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deadline_rush_with_a_killed_server_loses_nothing_and_answers_no_5xx() {
    let bidders: usize = std::env::var("COGOV_RUSH_BIDDERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60);
    let app = spawn().await;
    // The servers keep real time: the tender closes in 40 days.
    app.clock.set(Utc::now());
    let deadline = (Utc::now() + chrono::Duration::days(40)).with_timezone(&Utc);
    let service_start = (deadline + chrono::Duration::days(30)).date_naive();
    let w = world_at(
        &app,
        &deadline.to_rfc3339_opts(SecondsFormat::Secs, true),
        &service_start.to_string(),
        &(service_start + chrono::Duration::days(300)).to_string(),
    )
    .await;
    let project: uuid::Uuid = w.project.parse().unwrap();
    let mut orgs = Vec::new();
    for n in 0..bidders {
        orgs.push(bidder(&app, u32::try_from(n).unwrap() + 1).await);
    }

    let postgres = app.url.starts_with("postgres");
    let ports: Vec<u16> = (0..if postgres { 2 } else { 1 })
        .map(|_| free_port())
        .collect();
    let servers: Arc<Mutex<Vec<Child>>> = Arc::new(Mutex::new(
        ports
            .iter()
            .map(|p| start(&app.state.settings.data_dir, &app.url, *p))
            .collect(),
    ));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    for p in &ports {
        ready(&http, *p).await;
    }

    let tally = Arc::new(Tally::default());
    let spread_ms: u64 = std::env::var("COGOV_RUSH_SPREAD_MS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let bidders_u64 = u64::try_from(bidders).unwrap();
    let expected_writes = bidders * 3;
    // Kill a server when a third of the writes are acknowledged; start it again.
    let killer = {
        let (tally, servers, http, app_ports) = (
            Arc::clone(&tally),
            Arc::clone(&servers),
            http.clone(),
            ports.clone(),
        );
        let (dir, url) = (app.state.settings.data_dir.clone(), app.url.clone());
        tokio::spawn(async move {
            while tally.acknowledged.load(Ordering::Relaxed) < expected_writes / 3 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let mut servers = servers.lock().await;
            servers[0].kill().expect("SIGKILL");
            servers[0].wait().ok();
            let killed_at = tally.acknowledged.load(Ordering::Relaxed);
            servers[0] = start(&dir, &url, app_ports[0]);
            drop(servers);
            ready(&http, app_ports[0]).await;
            killed_at
        })
    };

    let tasks: Vec<_> = orgs
        .iter()
        .enumerate()
        .map(|(i, (org, token))| {
            let client = Client {
                http: http.clone(),
                ports: ports.clone(),
                who: i,
                token: token.clone(),
                tally: Arc::clone(&tally),
            };
            let org = *org;
            let price = 100_000_000 - i64::try_from(i).unwrap() * 1000;
            let submit = format!("/projects/{project}/bids");
            let write = move |key: String, path: String, body: Value| {
                let client = client.clone();
                async move { write(&client, &key, &path, &body).await }
            };
            tokio::spawn(async move {
                // Bidders arrive over `COGOV_RUSH_SPREAD_MS` (as a benchmark
                // does; the suite sends everyone at once).
                if spread_ms > 0 {
                    let at = spread_ms * u64::try_from(i).unwrap() / bidders_u64;
                    tokio::time::sleep(Duration::from_millis(at)).await;
                }
                // Every bid id an answer acknowledged, and the live one at the end.
                let mut acknowledged = Vec::new();
                let (s, a) = write(format!("sub-{i}"), submit.clone(), bid(price)).await;
                assert!(
                    s == 201 || a["type"] == "/problems/idempotency_committed",
                    "{s} {a}"
                );
                let first = match bid_id(s, &a) {
                    Some(id) => id,
                    None => return (org, None, acknowledged, true),
                };
                acknowledged.push(first);
                let (s, a) = write(
                    format!("rep-{i}"),
                    format!("/bids/{first}/replace"),
                    bid(price - 1),
                )
                .await;
                let Some(second) = bid_id(s, &a) else {
                    assert_eq!(a["type"], "/problems/idempotency_committed", "{s} {a}");
                    return (org, None, acknowledged, true);
                };
                acknowledged.push(second);
                if i % 4 != 0 {
                    return (org, Some(second), acknowledged, false);
                }
                let (s, a) = write(
                    format!("wd-{i}"),
                    format!("/bids/{second}/withdraw"),
                    serde_json::json!({}),
                )
                .await;
                assert!(
                    s == 200 || a["type"] == "/problems/idempotency_committed",
                    "{s} {a}"
                );
                if i % 8 != 0 {
                    return (org, None, acknowledged, false);
                }
                let (s, a) = write(format!("sub2-{i}"), submit, bid(price - 2)).await;
                let Some(third) = bid_id(s, &a) else {
                    assert_eq!(a["type"], "/problems/idempotency_committed", "{s} {a}");
                    return (org, None, acknowledged, true);
                };
                acknowledged.push(third);
                (org, Some(third), acknowledged, false)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    let killed_at = killer.await.unwrap();
    for mut s in servers.lock().await.drain(..) {
        s.kill().ok();
        s.wait().ok();
    }

    let mut latencies = tally.latencies.lock().await.clone();
    latencies.sort();
    let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    println!(
        "rush: {bidders} bidders, {} answers, server killed after {killed_at}; p50 {:?} p95 {:?} p99 {:?} max {:?}",
        latencies.len(),
        pct(50),
        pct(95),
        pct(99),
        latencies.last().unwrap()
    );
    assert_eq!(tally.server_errors.load(Ordering::Relaxed), 0, "no 5xx");
    assert!(killed_at < latencies.len(), "the kill came midway");

    // Nothing acknowledged was lost; each organization has the live bid its
    // answers said (or, where an answer was lost in the crash, one at most).
    let mut live: HashMap<uuid::Uuid, uuid::Uuid> = HashMap::new();
    for (org, expected, acknowledged, answer_lost) in &outcomes {
        for id in acknowledged {
            let found = entity::bids::Entity::find_by_id(*id)
                .one(app.db().conn())
                .await
                .unwrap();
            assert!(found.is_some(), "acknowledged bid {id} is there");
        }
        let now_live = live_bid(&app, *org, project).await;
        if *answer_lost {
            println!("an answer was lost in the crash for organization {org}");
        } else {
            assert_eq!(now_live, *expected, "organization {org}");
        }
        if let Some(id) = now_live {
            live.insert(*org, id);
        }
    }

    // The opening, once the deadline passes, lists exactly the live bids, once.
    app.clock.set(deadline + chrono::Duration::minutes(1));
    let opened = cogov::procurement::bids::open_due(app.db(), "rush", app.clock.now())
        .await
        .unwrap();
    assert_eq!(opened.len(), 1);
    let again = cogov::procurement::bids::open_due(app.db(), "rush", app.clock.now())
        .await
        .unwrap();
    assert!(again.is_empty(), "the opening runs once");
    let record = entity::opening_records::Entity::find()
        .filter(entity::opening_records::Column::ProjectId.eq(project))
        .one(app.db().conn())
        .await
        .unwrap()
        .expect("an opening record");
    let listed: Vec<Value> = serde_json::from_str(&record.entries).unwrap();
    assert_eq!(listed.len(), live.len(), "each live bid listed once");
    app.assert_history_agrees().await;
}
