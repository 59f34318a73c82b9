//! Every decision exactly once, whatever the concurrency: identical and
//! conflicting commands fired together at one transition (spread over two
//! instances of the service on PostgreSQL, as a two-server deployment
//! runs; on SQLite, one instance) give exactly one success, 409 for the
//! rest, never a 5xx, and one audit entry.

mod common;

use chrono::{TimeZone, Utc};
use cogov::clock::Clock;
use common::procurement::{awarded, bid, bidder, evaluated, world};
use common::{TestApp, json, spawn_with};
use std::sync::Arc;

use futures_util::future::join_all;
use poem::endpoint::BoxEndpoint;
use poem::test::TestClient;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const N: usize = 30;

type Client = TestClient<BoxEndpoint<'static, poem::Response>>;

/// The instances to spread requests over: two on PostgreSQL, one on SQLite
/// (one process is the whole story there).
async fn instances(app: &TestApp) -> Vec<Arc<Client>> {
    let n = if app.db().backend() == sea_orm::DbBackend::Postgres {
        2
    } else {
        1
    };
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(Arc::new(app.second_instance().await));
    }
    out
}

/// Fires `bodies` at `path` together, each on a task of its own,
/// alternating instances; the statuses.
async fn fire(instances: &[Arc<Client>], path: &str, token: &str, bodies: Vec<Value>) -> Vec<u16> {
    let tasks: Vec<_> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let client = Arc::clone(&instances[i % instances.len()]);
            let (path, token) = (path.to_owned(), token.to_owned());
            tokio::spawn(async move {
                let resp = client
                    .post(path)
                    .header("authorization", format!("Bearer {token}"))
                    .body_json(&body)
                    .send()
                    .await;
                resp.0.status().as_u16()
            })
        })
        .collect();
    join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

fn exactly_one(statuses: &[u16], ok: u16) {
    let wins = statuses.iter().filter(|s| **s == ok).count();
    assert_eq!(wins, 1, "one success: {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == ok || *s == 409),
        "the others are 409, never a 5xx: {statuses:?}"
    );
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    entity::audit_entries::Entity::find()
        .filter(entity::audit_entries::Column::Action.eq(action))
        .count(app.db().conn())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_report_is_reviewed_once_however_many_accept_and_return_at_once() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let (e, g) = awarded(&app).await;
    let grant = g["id"].as_str().unwrap().to_owned();
    let winner = &e.bidders[2].token;
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/accept"),
            Some(winner),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (_, g) = json(app.get(&format!("/api/v1/grants/{grant}"), None).await).await;
    let report = g["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "progress")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 6, 25, 1, 0, 0).unwrap());
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/grant-reports/{report}/submit"),
            Some(winner),
            json!({"body": "第一季度服务 300 人次。", "people_served": 300}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let before =
        audited(&app, "grant.report_accept").await + audited(&app, "grant.report_return").await;
    let bodies = (0..N)
        .map(|i| {
            if i % 2 == 0 {
                json!({"accept": true})
            } else {
                json!({"accept": false, "note": "请补充名单"})
            }
        })
        .collect();
    let statuses = fire(
        &others,
        &format!("/api/v1/grant-reports/{report}/review"),
        &e.world.buyer,
        bodies,
    )
    .await;
    exactly_one(&statuses, 200);
    let after =
        audited(&app, "grant.report_accept").await + audited(&app, "grant.report_return").await;
    assert_eq!(after - before, 1, "one decision in the audit trail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_challenge_is_answered_once_however_many_replies_come_at_once() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let e = evaluated(&app).await;
    let p = e.world.project.clone();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/award"),
            Some(&e.world.buyer),
            json!({"bid_id": e.bidders[2].bid_id}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    let (s, ch) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/challenges"),
            Some(&e.bidders[1].token),
            json!({"reasons": "评分有误"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{ch}");
    let challenge = ch["id"].as_str().unwrap().to_owned();
    let bodies = (0..N)
        .map(|i| {
            if i % 2 == 0 {
                json!({"decision": "dismissed", "reasons": "评分无误"})
            } else {
                json!({"decision": "upheld_reevaluate", "reasons": "重新评审"})
            }
        })
        .collect();
    let statuses = fire(
        &others,
        &format!("/api/v1/challenges/{challenge}/reply"),
        &e.world.buyer,
        bodies,
    )
    .await;
    exactly_one(&statuses, 200);
    assert_eq!(audited(&app, "challenge.reply").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bid_is_replaced_once_and_an_organization_keeps_one_live_bid() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let w = world(&app).await;
    let (org, token) = bidder(&app, 1).await;
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/projects/{}/bids", w.project),
            Some(&token),
            bid(100_000_000),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    let first = r["receipt"]["bid_id"].as_str().unwrap().to_owned();
    let bodies = (0..N)
        .map(|i| bid(90_000_000 + i64::try_from(i).unwrap()))
        .collect();
    let statuses = fire(
        &others,
        &format!("/api/v1/bids/{first}/replace"),
        &token,
        bodies,
    )
    .await;
    exactly_one(&statuses, 201);
    // And submissions of a new bid at once beside it: all refused.
    let bodies = (0..N).map(|_| bid(80_000_000)).collect();
    let statuses = fire(
        &others,
        &format!("/api/v1/projects/{}/bids", w.project),
        &token,
        bodies,
    )
    .await;
    assert!(statuses.iter().all(|s| *s == 409), "{statuses:?}");
    let live = entity::bids::Entity::find()
        .filter(entity::bids::Column::OrganizationId.eq(org))
        .filter(entity::bids::Column::Status.eq("active"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(live, 1, "one live bid");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap());
    cogov::procurement::bids::open_due(app.db(), "once", app.clock.now())
        .await
        .unwrap();
    let (_, opening) = json(
        app.get(&format!("/api/v1/projects/{}/opening", w.project), None)
            .await,
    )
    .await;
    assert_eq!(
        opening["entries"].as_array().unwrap().len(),
        1,
        "listed once: {opening}"
    );
}
