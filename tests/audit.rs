//! The audit chain: entries in the same transaction, tamper detection, no forks.

mod common;

use cogov::audit;
use cogov::auth::Role;
use cogov::clock::Clock as _;
use common::{json, spawn};
use sea_orm::ConnectionTrait;
use serde_json::json;

fn department(code: &str) -> serde_json::Value {
    json!({"code": code, "name": format!("{code} 民政局"), "division_code": "110000"})
}

#[tokio::test]
async fn every_change_is_in_the_chain_and_auditors_read_it_by_entity() {
    let app = spawn().await;
    let (_, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    let (_, auditor) = app
        .user_with_token("auditor@example.cn", Role::Auditor)
        .await;
    let (_, body) = json(
        app.post_json("/api/v1/departments", Some(&admin), department("BJ-MCA"))
            .await,
    )
    .await;
    let id = body["id"].as_str().unwrap().to_owned();
    let mut edit = department("BJ-MCA");
    edit["name"] = json!("北京市民政局");
    let (status, _) = json(
        app.put_json(&format!("/api/v1/departments/{id}"), Some(&admin), edit)
            .await,
    )
    .await;
    assert_eq!(status, 200);

    let (status, page) = json(
        app.get(
            &format!("/api/v1/audit?entity_type=department&entity_id={id}"),
            Some(&auditor),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "department.update");
    assert_eq!(items[0]["actor_role"], "admin");
    assert_eq!(items[0]["before"]["name"], "BJ-MCA 民政局");
    assert_eq!(items[0]["after"]["name"], "北京市民政局");
    assert_eq!(items[1]["action"], "department.create");
    assert_eq!(items[0]["prev_hash"], items[1]["hash"]);

    let report = audit::verify(app.db().conn()).await.unwrap();
    assert_eq!(report.broken, None);
    assert!(
        report.checked >= 6,
        "users, tokens and departments were all recorded"
    );
}

#[tokio::test]
async fn only_auditors_and_admins_read_the_chain() {
    let app = spawn().await;
    let (_, purchaser) = app.user_with_token("p@example.cn", Role::Registrar).await;
    let (status, body) = json(app.get("/api/v1/audit", Some(&purchaser)).await).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = json(app.get("/api/v1/audit", None).await).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn verify_names_the_first_entry_that_was_changed() {
    let app = spawn().await;
    for i in 0..3 {
        app.user(&format!("u{i}@example.cn"), Role::Expert).await;
    }
    assert_eq!(audit::verify(app.db().conn()).await.unwrap().broken, None);
    app.db()
        .conn()
        .execute_unprepared("UPDATE audit_entries SET after = '{\"role\":\"admin\"}' WHERE seq = 2")
        .await
        .unwrap();
    let report = audit::verify(app.db().conn()).await.unwrap();
    let broken = report.broken.expect("tampering is detected");
    assert_eq!(broken.seq, 2);
    assert!(broken.reason.contains("changed"), "{}", broken.reason);
    assert_eq!(report.checked, 1);
}

#[tokio::test]
async fn verify_notices_deleted_entries_in_the_middle_and_at_the_end() {
    let app = spawn().await;
    for i in 0..4 {
        app.user(&format!("u{i}@example.cn"), Role::Expert).await;
    }
    let conn = app.db().conn();
    conn.execute_unprepared("DELETE FROM audit_entries WHERE seq = 4")
        .await
        .unwrap();
    let report = audit::verify(conn).await.unwrap();
    assert_eq!(
        report.broken.map(|b| b.seq),
        Some(4),
        "the last entry is missing"
    );

    conn.execute_unprepared("DELETE FROM audit_entries WHERE seq = 2")
        .await
        .unwrap();
    let broken = audit::verify(conn).await.unwrap().broken.unwrap();
    assert_eq!(broken.seq, 2);
    assert!(broken.reason.contains("missing"), "{}", broken.reason);
}

#[tokio::test]
async fn concurrent_changes_append_to_one_unbroken_chain() {
    let app = spawn().await;
    let (_, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    let before = audit::verify(app.db().conn()).await.unwrap().checked;
    let requests = (0..24).map(|i| {
        app.post_json(
            "/api/v1/departments",
            Some(&admin),
            department(&format!("D-{i}")),
        )
    });
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.0.status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let report = audit::verify(app.db().conn()).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.checked, before + 24);
}

#[tokio::test]
async fn concurrent_appends_from_many_tasks_do_not_fork_the_chain() {
    let app = spawn().await;
    let db = app.db().clone();
    let now = app.clock.now();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let tx = db.begin().await.unwrap();
                let change = audit::Change::new::<(), _>(
                    "test.append",
                    "test",
                    i,
                    None,
                    Some(&json!({"i": i})),
                );
                audit::append(&*tx, &audit::Who::system(), change, now)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let report = audit::verify(db.conn()).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.checked, 16);
}
