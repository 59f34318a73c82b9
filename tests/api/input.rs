//! Input that means nothing is refused at the boundary, and retries resolve:
//! control characters anywhere in a request's text are a 422 naming the
//! field (never a 500, never stored), on both databases; an
//! `Idempotency-Key` whose first request died is released after a bounded
//! time.

use crate::common::{json, problem_fields, spawn};
use cogov::auth::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde_json::json;

async fn users(app: &crate::common::TestApp) -> u64 {
    entity::users::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn control_characters_in_queries_bodies_and_forms_are_refused_naming_the_field() {
    let app = spawn().await;
    let (_, admin) = app.user_with_token("admin@input.cn", Role::Admin).await;
    for (url, field) in [
        ("/api/v1/organizations?q=%00", "q"),
        ("/api/v1/organizations?uscc=%00", "uscc"),
        ("/api/v1/projects?q=a%00b", "q"),
        ("/api/v1/open/ocds/records/ocds-%00", "path"),
        ("/api/v1/events?event_type=%1b%5b31m", "event_type"),
    ] {
        let (s, body) = json(app.get(url, None).await).await;
        assert_eq!(
            (s, problem_fields(&body)),
            (422, vec![field.to_owned()]),
            "{url}: {body}"
        );
        assert_eq!(body["errors"][0]["code"], "control_character");
    }
    let (s, _) = json(
        app.get("/api/v1/organizations?q=%E5%85%BB%E8%80%81", None)
            .await,
    )
    .await;
    assert_eq!(s, 200, "ordinary text passes");

    let before = users(&app).await;
    let (s, body) = json(
        app.post_json(
            "/api/v1/accounts",
            None,
            json!({"email": "nul@input.cn", "display_name": "李\u{0}华", "password": "long enough 42"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_fields(&body)),
        (422, vec!["display_name".to_owned()]),
        "{body}"
    );
    assert_eq!(users(&app).await, before, "nothing stored");
    let (s, body) = json(
        app.post_json(
            "/api/v1/me/tokens",
            Some(&admin),
            json!({"name": "bell\u{7}", "scopes": ["read"]}),
        )
        .await,
    )
    .await;
    assert_eq!((s, problem_fields(&body)), (422, vec!["name".to_owned()]));
    let (s, body) = json(
        app.post_json(
            "/api/v1/departments",
            Some(&admin),
            json!({"code": "IN-1", "name": "多行\n名称\t可以", "division_code": "110000",
                   "criteria": [{"name": "x\u{1}"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_fields(&body)),
        (422, vec!["criteria[0].name".to_owned()]),
        "a nested string is named by its path: {body}"
    );

    // Pages: a query and a form.
    let mut browser = app.browser();
    let page = browser.get("/registry?q=%00").await;
    assert_eq!(page.status, 422);
    let form = browser.get("/login").await;
    let refused = browser
        .post(
            "/login",
            &[
                ("csrf_token", &form.csrf()),
                ("email", "a\u{0}@b.cn"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("email"), "{}", refused.body);
}

#[tokio::test]
async fn an_idempotency_key_whose_request_died_resolves_within_seconds() {
    let app = spawn().await;
    let (_, token) = app.user_with_token("retry@input.cn", Role::OrgMember).await;
    let post = || {
        app.client
            .post("/api/v1/me/tokens")
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", "dies-1")
            .body_json(&json!({"name": "laptop", "scopes": ["read"]}))
            .send()
    };
    assert_eq!(post().await.0.status(), 201);
    let tokens = || async {
        entity::api_tokens::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap()
    };
    let made = tokens().await;
    // The state a killed process leaves: the key held by an attempt that is
    // gone, no answer kept; `committed` says whether its write went in.
    let backend = app.db().backend();
    let dead = |secs: i64, committed: bool| {
        let at = cogov::clock::Clock::now(&app.clock) - chrono::Duration::seconds(secs);
        sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => {
                    "UPDATE idempotency_keys SET status = 0, body = NULL, created_at = $1, \
                     committed = $2, attempt = $3"
                }
                _ => {
                    "UPDATE idempotency_keys SET status = 0, body = NULL, created_at = ?, \
                      committed = ?, attempt = ?"
                }
            },
            [at.into(), committed.into(), uuid::Uuid::now_v7().into()],
        )
    };
    app.db().conn().execute_raw(dead(2, false)).await.unwrap();
    let resp = post().await;
    assert_eq!(resp.0.headers().get("retry-after").unwrap(), "1");
    let (s, body) = json(resp).await;
    assert_eq!(s, 409, "still running for all we know: {body}");
    assert_eq!(body["type"], "/problems/idempotency_in_progress");

    // Committed, answer lost: the retry is told, and nothing runs again.
    app.db().conn().execute_raw(dead(6, true)).await.unwrap();
    let (s, body) = json(post().await).await;
    assert_eq!(s, 409, "{body}");
    assert_eq!(body["type"], "/problems/idempotency_committed");
    assert_eq!(tokens().await, made);

    // Never committed: after a few seconds an identical retry takes over.
    app.db().conn().execute_raw(dead(6, false)).await.unwrap();
    let retried = post().await;
    assert_eq!(retried.0.status(), 201, "taken over: the retry runs");
    assert!(retried.0.headers().get("idempotency-replayed").is_none());
    assert_eq!(tokens().await, made + 1);
    let replayed = post().await;
    assert_eq!(
        replayed.0.headers().get("idempotency-replayed").unwrap(),
        "true",
        "and its answer is kept again"
    );
}

#[tokio::test]
async fn an_attempt_that_was_taken_over_commits_nothing() {
    let app = spawn().await;
    let db = app.db();
    let now = cogov::clock::Clock::now(&app.clock);
    let (holder, loser) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    entity::idempotency_keys::ActiveModel {
        key_hash: sea_orm::ActiveValue::Set("k".repeat(64)),
        request_hash: sea_orm::ActiveValue::Set("r".repeat(64)),
        status: sea_orm::ActiveValue::Set(0),
        content_type: sea_orm::ActiveValue::Set(None),
        body: sea_orm::ActiveValue::Set(None),
        created_at: sea_orm::ActiveValue::Set(now),
        attempt: sea_orm::ActiveValue::Set(Some(holder)),
        committed: sea_orm::ActiveValue::Set(false),
    }
    .insert(db.conn())
    .await
    .unwrap();
    let write = |attempt| {
        let db = db.clone();
        cogov::db::FENCE.scope(cogov::db::Fence::new("k".repeat(64), attempt), async move {
            let tx = db.begin().await.unwrap();
            cogov::audit::append(
                &*tx,
                &cogov::audit::Who::system(),
                cogov::audit::Change::new::<(), ()>("test.write", "test", 1, None, None),
                now,
            )
            .await
            .unwrap();
            tx.commit().await
        })
    };
    let err = cogov::Error::from(write(loser).await.unwrap_err());
    assert!(err.is_superseded(), "{err}");
    let entries = || async {
        entity::audit_entries::Entity::find()
            .filter(entity::audit_entries::Column::Action.eq("test.write"))
            .count(db.conn())
            .await
            .unwrap()
    };
    assert_eq!(entries().await, 0, "nothing of the loser was written");
    write(holder).await.unwrap();
    assert_eq!(entries().await, 1);
    let key = entity::idempotency_keys::Entity::find()
        .one(db.conn())
        .await
        .unwrap()
        .unwrap();
    assert!(
        key.committed,
        "the write and its key's state commit together"
    );
}

#[tokio::test]
async fn budgets_and_dates_no_one_meant_are_refused_naming_the_field() {
    let app = spawn().await;
    let w = crate::common::procurement::world(&app).await;
    let (_, project) = json(
        app.get(&format!("/api/v1/projects/{}", w.project), Some(&w.buyer))
            .await,
    )
    .await;
    let draft = |change: serde_json::Value| {
        let mut body = json!({
            "title": "范围测试项目", "description": "", "category_id": project["category_id"],
            "region_code": "420102", "budget_fen": 100_000, "method": "public_tender",
            "service_start": "2026-04-01", "service_end": "2027-03-31",
            "eligibility": [], "criteria": [{"name": "价格", "weight": 30, "is_price": true}],
            "bid_deadline": "2026-03-20T02:00:00Z",
        });
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (change, field) in [
        (json!({"budget_fen": 0}), "budget_fen"),
        (json!({"budget_fen": i64::MAX}), "budget_fen"),
        (json!({"service_start": "0000-01-01"}), "service_start"),
        (json!({"service_end": "9999-12-31"}), "service_end"),
        (
            json!({"bid_deadline": "9999-12-31T23:59:59.999999999-23:59"}),
            "bid_deadline",
        ),
    ] {
        let (s, body) = json(
            app.post_json("/api/v1/projects", Some(&w.buyer), draft(change.clone()))
                .await,
        )
        .await;
        assert!(s == 400 || s == 422, "{change}: {s} {body}");
        assert!(
            problem_fields(&body).contains(&field.to_owned()),
            "{change}: {body}"
        );
    }
    let (s, body) = json(
        app.post_json("/api/v1/projects", Some(&w.buyer), draft(json!({})))
            .await,
    )
    .await;
    assert_eq!(s, 201, "a draft people mean is kept: {body}");

    let (s, body) = json(
        app.put_json(
            "/api/v1/calendar/days/1999-12-31",
            Some(&w.admin),
            json!({"kind": "holiday", "name": "千禧"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_fields(&body)),
        (422, vec!["day".to_owned()]),
        "{body}"
    );
}

#[tokio::test]
async fn a_body_with_a_field_the_operation_does_not_take_is_refused_naming_it() {
    let app = spawn().await;
    let (_, token) = app.user_with_token("typo@input.cn", Role::OrgMember).await;
    let tokens = || async {
        entity::api_tokens::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap()
    };
    let before = tokens().await;
    let (s, body) = json(
        app.post_json(
            "/api/v1/me/tokens",
            Some(&token),
            json!({"name": "laptop", "scopes": ["read"], "expires": "never"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert_eq!(problem_fields(&body), ["expires"], "{body}");
    assert_eq!(tokens().await, before, "nothing was made");
}
