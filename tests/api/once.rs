//! Every decision exactly once, whatever the concurrency: identical and
//! conflicting commands fired together at one transition (spread over two
//! instances of the service on PostgreSQL, as a two-server deployment
//! runs; on SQLite, one instance) give exactly one success, 409 for the
//! rest, never a 5xx, and one audit entry.

use crate::common::procurement::{awarded, bid, bidder, evaluated, opened, world};
use crate::common::{TestApp, json, spawn_with};
use chrono::{TimeZone, Utc};
use cogov::clock::Clock;
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
    let requests = bodies.into_iter().map(|b| (path.to_owned(), b)).collect();
    fire_each(instances, token, requests).await
}

/// Fires each `(path, body)` together, each on a task of its own,
/// alternating instances; the statuses.
async fn fire_each(
    instances: &[Arc<Client>],
    token: &str,
    requests: Vec<(String, Value)>,
) -> Vec<u16> {
    let tasks: Vec<_> = requests
        .into_iter()
        .enumerate()
        .map(|(i, (path, body))| {
            let client = Arc::clone(&instances[i % instances.len()]);
            let token = token.to_owned();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_grant_is_accepted_or_declined_once_however_many_answers_come_at_once() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let (e, g) = awarded(&app).await;
    let grant = g["id"].as_str().unwrap().to_owned();
    let requests = (0..N)
        .map(|i| {
            if i % 2 == 0 {
                (format!("/api/v1/grants/{grant}/accept"), json!({}))
            } else {
                (
                    format!("/api/v1/grants/{grant}/decline"),
                    json!({"reason": "人手不足"}),
                )
            }
        })
        .collect();
    let statuses = fire_each(&others, &e.bidders[2].token, requests).await;
    exactly_one(&statuses, 200);
    assert_eq!(
        audited(&app, "grant.accept").await + audited(&app, "grant.decline").await,
        1
    );
    app.assert_history_agrees().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_award_is_proposed_once_however_many_proposals_come_at_once() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let e = evaluated(&app).await;
    let requests = (0..N)
        .map(|i| {
            (
                format!("/api/v1/projects/{}/award", e.world.project),
                json!({"bid_id": e.bidders[1 + i % 2].bid_id, "reason": "综合评分"}),
            )
        })
        .collect();
    let statuses = fire_each(&others, &e.world.buyer, requests).await;
    exactly_one(&statuses, 201);
    assert_eq!(audited(&app, "award.propose").await, 1);
    let notices = entity::awards::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(notices, 1, "one award notice");
    app.assert_history_agrees().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_an_invitation_and_a_webhook_each_change_once() {
    let app = spawn_with(|s| {
        s.api_rate_per_minute = 0;
        s.webhooks_allow_private = true;
    })
    .await;
    let others = instances(&app).await;
    let (org, admin) = bidder(&app, 1).await;

    // A token revoked by many requests at once: revoked once.
    let (_, mine) = app
        .user_with_token("reader@example.cn", cogov::auth::Role::Registrar)
        .await;
    let (s, t) = json(
        app.post_json(
            "/api/v1/me/tokens",
            Some(&mine),
            json!({"name": "脚本", "scopes": ["read"]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{t}");
    let statuses = fire(
        &others,
        &format!(
            "/api/v1/me/tokens/{}/revoke",
            t["token"]["id"].as_str().unwrap()
        ),
        &mine,
        vec![json!({}); N],
    )
    .await;
    exactly_one(&statuses, 200);
    assert_eq!(audited(&app, "token.revoke").await, 1);

    // An invitation accepted by many requests at once: one membership.
    let (s, inv) = json(
        app.post_json(
            &format!("/api/v1/organizations/{org}/invitations"),
            Some(&admin),
            json!({"email": "joiner@example.cn"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{inv}");
    let (_, joiner) = app
        .user_with_token("joiner@example.cn", cogov::auth::Role::OrgMember)
        .await;
    let statuses = fire(
        &others,
        &format!("/api/v1/invitations/{}/accept", inv["id"].as_str().unwrap()),
        &joiner,
        vec![json!({}); N],
    )
    .await;
    exactly_one(&statuses, 200);
    assert_eq!(audited(&app, "user.join_organization").await, 1);
    assert_eq!(audited(&app, "invitation.accept").await, 1);

    // A subscription deleted by many requests at once: deleted once.
    let (s, hook) = json(
        app.post_json(
            "/api/v1/webhooks",
            Some(&admin),
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["project.published"]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{hook}");
    let statuses = fire(
        &others,
        &format!(
            "/api/v1/webhooks/{}/delete",
            hook["webhook"]["id"].as_str().unwrap()
        ),
        &admin,
        vec![json!({}); N],
    )
    .await;
    let wins = statuses.iter().filter(|s| (200..300).contains(*s)).count();
    assert_eq!(wins, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| (200..300).contains(s) || *s == 404 || *s == 409),
        "the others find it gone: {statuses:?}"
    );
    assert_eq!(audited(&app, "webhook.delete").await, 1);
    app.assert_history_agrees().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_account_is_deactivated_or_given_a_role_once_at_a_time() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let (_, admin) = app
        .user_with_token("root@example.cn", cogov::auth::Role::Admin)
        .await;
    let user = app
        .user("someone@example.cn", cogov::auth::Role::Expert)
        .await;
    let requests = (0..N)
        .map(|i| {
            if i % 2 == 0 {
                (format!("/api/v1/users/{}/deactivate", user.id), json!({}))
            } else {
                (
                    format!("/api/v1/users/{}/role", user.id),
                    json!({"role": "auditor"}),
                )
            }
        })
        .collect();
    let statuses = fire_each(&others, &admin, requests).await;
    let wins = statuses.iter().filter(|s| **s == 200).count();
    assert!(
        (1..=2).contains(&wins),
        "at most one deactivation and one role change: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert!(audited(&app, "user.deactivate").await <= 1);
    assert!(audited(&app, "user.change_role").await <= 1);
    assert_eq!(
        audited(&app, "user.deactivate").await + audited(&app, "user.change_role").await,
        wins as u64,
        "one entry per success"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bid_is_withdrawn_a_project_cancelled_and_a_question_answered_once() {
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
    let id = r["receipt"]["bid_id"].as_str().unwrap().to_owned();
    let statuses = fire(
        &others,
        &format!("/api/v1/bids/{id}/withdraw"),
        &token,
        vec![json!({}); N],
    )
    .await;
    exactly_one(&statuses, 200);
    let withdrawn = entity::bids::Entity::find()
        .filter(entity::bids::Column::OrganizationId.eq(org))
        .filter(entity::bids::Column::Status.eq("withdrawn"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(withdrawn, 1);

    let (s, q) = json(
        app.post_json(
            &format!("/api/v1/projects/{}/questions", w.project),
            Some(&token),
            json!({"question": "服务对象是否包括低保老人？"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{q}");
    let bodies = (0..N)
        .map(|i| json!({"answer": format!("包括（答复 {i}）")}))
        .collect();
    let statuses = fire(
        &others,
        &format!(
            "/api/v1/projects/{}/questions/{}/answer",
            w.project,
            q["id"].as_str().unwrap()
        ),
        &w.buyer,
        bodies,
    )
    .await;
    exactly_one(&statuses, 200);
    assert_eq!(audited(&app, "question.answer").await, 1);

    let statuses = fire(
        &others,
        &format!("/api/v1/projects/{}/cancel", w.project),
        &w.buyer,
        vec![json!({"reason": "预算调整"}); N],
    )
    .await;
    exactly_one(&statuses, 200);
    assert_eq!(audited(&app, "project.cancel").await, 1);
    app.assert_history_agrees().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_score_sheet_is_submitted_once() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let e = opened(&app).await;
    let p = &e.world.project;
    let t = &e.experts[0].1;
    for b in &e.bidders {
        let (s, _) = json(
            app.post_json(
                &format!("/api/v1/projects/{p}/declarations"),
                Some(t),
                json!({"organization_id": b.organization_id, "conflict": false}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201);
    }
    for b in &e.bidders {
        let (s, _) = json(
            app.put_json(
                &format!("/api/v1/projects/{p}/scores"),
                Some(t),
                json!({"bid_id": b.bid_id, "criterion_index": 0, "points_hundredths": 6000, "comment": "方案完整"}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 200);
    }
    let statuses = fire(
        &others,
        &format!("/api/v1/projects/{p}/scores/submit"),
        t,
        vec![json!({}); N],
    )
    .await;
    exactly_one(&statuses, 200);
    assert_eq!(audited(&app, "score.submit_sheet").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_application_is_decided_and_a_credit_listing_lifted_once() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let (_, registrar) = app
        .user_with_token("reg@mca.gov.cn", cogov::auth::Role::Registrar)
        .await;
    let (_, applicant) = app
        .user_with_token("founder@example.cn", cogov::auth::Role::OrgMember)
        .await;
    let (s, a) = json(
        app.post_json(
            "/api/v1/applications",
            Some(&applicant),
            json!({
                "kind": "registration", "name": "武汉市同心社区服务中心",
                "org_type": "social_service_agency", "division_code": "420100",
                "field": "community_service", "address": "武汉市江岸区中山大道1号",
                "legal_representative": "李华", "business_scope": "居家养老服务",
                "funds_fen": 5_000_000,
            }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    crate::registry::attach_materials(&app, &applicant, &id).await;
    let (s, a) = json(
        app.post_json(
            &format!("/api/v1/applications/{id}/submit"),
            Some(&applicant),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{a}");
    let requests = (0..N)
        .map(|i| match i % 3 {
            0 => (format!("/api/v1/applications/{id}/approve"), json!({})),
            1 => (
                format!("/api/v1/applications/{id}/return"),
                json!({"reason": "补充材料"}),
            ),
            _ => (
                format!("/api/v1/applications/{id}/reject"),
                json!({"reason": "不符合条件"}),
            ),
        })
        .collect();
    let statuses = fire_each(&others, &registrar, requests).await;
    exactly_one(&statuses, 200);
    let decisions = audited(&app, "application.approve").await
        + audited(&app, "application.return").await
        + audited(&app, "application.reject").await;
    assert_eq!(decisions, 1, "one decision in the audit trail");

    // A listing on an organization, lifted by many requests at once.
    let (org, _) = bidder(&app, 7).await;
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/organizations/{org}/credit-records"),
            Some(&registrar),
            json!({"kind": "abnormal", "ground": "住所无法联系", "started_on": "2026-02-13"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let statuses = fire(
        &others,
        &format!("/api/v1/credit-records/{}/lift", r["id"].as_str().unwrap()),
        &registrar,
        vec![json!({"reason": "已整改", "lifted_on": "2026-02-13"}); N],
    )
    .await;
    exactly_one(&statuses, 200);
    assert_eq!(audited(&app, "credit_record.lift").await, 1);
    app.assert_history_agrees().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_installment_is_paid_once_however_many_identical_payments_come_at_once() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let (e, g) = awarded(&app).await;
    let grant = g["id"].as_str().unwrap().to_owned();
    let (s, g) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/accept"),
            Some(&e.bidders[2].token),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{g}");
    let signing = g["installments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["trigger"] == "signing")
        .unwrap();
    let body = json!({
        "installment_id": signing["id"], "amount_fen": signing["amount_fen"],
        "paid_on": "2026-03-20", "reference": "GK-2026-0318",
    });
    let statuses = fire(
        &others,
        &format!("/api/v1/grants/{grant}/disbursements"),
        &e.world.buyer,
        vec![body; N],
    )
    .await;
    let wins = statuses.iter().filter(|s| **s == 201).count();
    assert_eq!(wins, 1, "paid once: {statuses:?}");
    assert!(
        statuses.iter().all(|s| [201, 409, 422].contains(s)),
        "the rest are refused as paid already, never a 5xx: {statuses:?}"
    );
    assert_eq!(audited(&app, "grant.disburse").await, 1);
    app.assert_history_agrees().await;
}

/// Check-then-insert relies on the table's unique key: the same year's
/// annual report submitted many times at once (each with its own statement)
/// is taken once; the rest are 409, never a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_annual_report_is_taken_once_however_many_submissions_come_at_once() {
    use crate::registry::{PDF, applicant, registered, upload};
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let (_, registrar) = app
        .user_with_token("reg@once.test", cogov::auth::Role::Registrar)
        .await;
    let admin = applicant(&app, "admin@once.test").await;
    registered(&app, &admin, &registrar, "武汉市并发社区服务中心").await;
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap());
    let mut bodies = Vec::new();
    for i in 0..N {
        let (s, f) = upload(&app, &admin, &format!("审计报告-{i}.pdf"), PDF).await;
        assert_eq!(s, 201, "{f}");
        bodies.push(json!({
            "year": 2026, "income_fen": 12_000_000, "expenditure_fen": 9_800_000,
            "net_assets_fen": 6_000_000, "staff_count": 6, "volunteer_count": 40,
            "activities": "开展居家养老上门服务", "statement_file_id": f["id"],
        }));
    }
    let statuses = fire(&others, "/api/v1/annual-reports", &admin, bodies).await;
    exactly_one(&statuses, 201);
    assert_eq!(audited(&app, "annual_report.submit").await, 1);
    assert_eq!(
        entity::annual_reports::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        1
    );
}

/// An expert's declaration for a bidder, and a first score for one cell of
/// the sheet, each sent many times at once: one declaration and one score
/// row, one audit entry each; the rest 409 (or, for the identical score, the
/// row as it stands), never a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_declaration_and_a_first_score_are_taken_once_at_once() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let e = opened(&app).await;
    let p = &e.world.project;
    let t = &e.experts[0].1;
    let declarations = format!("/api/v1/projects/{p}/declarations");
    let first = e.bidders[0].organization_id;
    let statuses = fire(
        &others,
        &declarations,
        t,
        vec![json!({"organization_id": first, "conflict": false}); N],
    )
    .await;
    exactly_one(&statuses, 201);
    assert_eq!(audited(&app, "panel.declare").await, 1);
    for b in &e.bidders[1..] {
        let (s, _) = json(
            app.post_json(
                &declarations,
                Some(t),
                json!({"organization_id": b.organization_id, "conflict": false}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201);
    }

    let cell = json!({"bid_id": e.bidders[0].bid_id, "criterion_index": 0, "points_hundredths": 6000, "comment": "方案完整"});
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let client = Arc::clone(&others[i % others.len()]);
            let (path, token, body) = (
                format!("/api/v1/projects/{p}/scores"),
                t.clone(),
                cell.clone(),
            );
            tokio::spawn(async move {
                let resp = client
                    .put(path)
                    .header("authorization", format!("Bearer {token}"))
                    .body_json(&body)
                    .send()
                    .await;
                resp.0.status().as_u16()
            })
        })
        .collect();
    let statuses: Vec<u16> = join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "never a 5xx: {statuses:?}"
    );
    assert_eq!(audited(&app, "score.set").await, 1);
    assert_eq!(
        entity::scores::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        1
    );
}

/// The same panel named many times at once: five seats, never ten, and
/// never a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_panel_named_many_times_at_once_seats_each_expert_once() {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let others = instances(&app).await;
    let w = world(&app).await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        let (u, _) = app
            .user_with_token(&format!("seat{n}@pool.cn"), cogov::auth::Role::Expert)
            .await;
        ids.push(u.id.to_string());
    }
    let statuses = fire(
        &others,
        &format!("/api/v1/projects/{}/panel", w.project),
        &w.buyer,
        vec![json!({ "expert_ids": ids }); N],
    )
    .await;
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "never a 5xx: {statuses:?}"
    );
    assert_eq!(
        entity::panel_members::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        5
    );
}

/// One bidder's challenge of a notice sent many times at once: filed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_challenge_is_filed_once_however_many_come_at_once() {
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
    let statuses = fire(
        &others,
        &format!("/api/v1/projects/{p}/challenges"),
        &e.bidders[1].token,
        vec![json!({"reasons": "评分有误"}); N],
    )
    .await;
    exactly_one(&statuses, 201);
    assert_eq!(audited(&app, "challenge.file").await, 1);
}
