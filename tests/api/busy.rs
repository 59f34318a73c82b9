//! A write that cannot get the database answers 503 with `Retry-After`,
//! changes nothing, and the same request succeeds once the database is free.
//! (SQLite: another process holds the write lock past the busy timeout. On
//! PostgreSQL row locks wait instead, and the same mapping covers its
//! serialization and lock-timeout errors.)

use crate::common::json;
use cogov::auth::Role;
use sea_orm::{ConnectionTrait as _, EntityTrait as _, PaginatorTrait as _};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_write_that_cannot_get_the_database_is_503_and_changes_nothing() {
    let app = crate::common::spawn().await;
    if app.db().backend() != sea_orm::DbBackend::Sqlite {
        return;
    }
    // An instance that waits 200 ms for the write lock, not 10 s.
    let impatient = cogov::db::Db::connect_waiting(&app.url, Duration::from_millis(200))
        .await
        .unwrap();
    let client = app.instance_on(impatient);
    let (_, token) = app.user_with_token("busy@cogov.cn", Role::OrgMember).await;
    let entries = || async {
        entity::audit_entries::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap()
    };
    let before = entries().await;

    // Another process takes the write lock and keeps it.
    let other = sea_orm::Database::connect(app.url.clone()).await.unwrap();
    let held = sea_orm::TransactionTrait::begin(&other).await.unwrap();
    held.execute_unprepared("UPDATE audit_head SET last_seq = last_seq WHERE id = 1")
        .await
        .unwrap();

    let post = || {
        client
            .post("/api/v1/me/tokens")
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", "busy-1")
            .body_json(&json!({"name": "laptop", "scopes": ["read"]}))
            .send()
    };
    let resp = post().await;
    let retry_after = resp
        .0
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let (s, body) = json(resp).await;
    assert_eq!(s, 503, "{body}");
    assert_eq!(body["type"], "/problems/busy", "{body}");
    assert!(retry_after.is_some(), "Retry-After says when to come back");
    assert_eq!(entries().await, before, "nothing was written");

    held.rollback().await.unwrap();
    let (s, body) = json(post().await).await;
    assert_eq!(s, 201, "the same request, retried, goes through: {body}");
    assert!(entries().await > before);
}
