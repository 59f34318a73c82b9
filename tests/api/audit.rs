//! The audit chain: entries in the same transaction, tamper detection, no forks.

use crate::common::{json, spawn};
use cogov::auth::Role;
use cogov::clock::Clock as _;
use cogov::{audit, checkpoints};
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

/// Rewrites the chain as someone with database access could: entry `from`
/// gets `after`, every later entry is re-hashed and the head moved along.
async fn rewrite(db: &cogov::db::Db, from: i64, after: &str) {
    use entity::audit_entries;
    use sea_orm::{
        ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, IntoActiveModel as _,
    };
    use sea_orm::{QueryFilter as _, QueryOrder as _};
    let entries = audit_entries::Entity::find()
        .filter(audit_entries::Column::Seq.gte(from - 1))
        .order_by_asc(audit_entries::Column::Seq)
        .all(db.conn())
        .await
        .unwrap();
    let mut prev = entries[0].hash.clone();
    for mut e in entries.into_iter().skip(1) {
        if e.seq == from {
            e.after = Some(after.to_owned());
        }
        e.prev_hash = prev;
        e.hash = audit::entry_hash(&e);
        prev = e.hash.clone();
        e.into_active_model()
            .reset_all()
            .update(db.conn())
            .await
            .unwrap();
    }
    db.conn()
        .execute_unprepared(&format!(
            "UPDATE audit_head SET last_hash = '{prev}' WHERE id = 1"
        ))
        .await
        .unwrap();
}

/// Drops the newest entries after `keep` and moves the head back to it.
async fn truncate(db: &cogov::db::Db, keep: i64) {
    let conn = db.conn();
    conn.execute_unprepared(&format!("DELETE FROM audit_entries WHERE seq > {keep}"))
        .await
        .unwrap();
    conn.execute_unprepared(&format!(
        "UPDATE audit_head SET last_seq = {keep}, \
         last_hash = (SELECT hash FROM audit_entries WHERE seq = {keep}) WHERE id = 1"
    ))
    .await
    .unwrap();
}

/// The checkpoints anyone can read in the public feed.
async fn published(app: &crate::common::TestApp) -> Vec<checkpoints::Checkpoint> {
    let (status, page) = json(
        app.get("/api/v1/events?event_type=audit.checkpoint&limit=100", None)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_value(e["data"].clone()).unwrap())
        .collect()
}

#[tokio::test]
async fn a_signed_checkpoint_is_published_once_per_move_of_the_chain() {
    let app = spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("checkpoints.jsonl");
    let db = app.db();
    app.user("u0@example.cn", Role::Expert).await;
    let first = checkpoints::run(db, "t", app.clock.now(), &log)
        .await
        .unwrap()
        .expect("the chain moved");
    assert_eq!(first.seq, 1, "the one entry so far: {first:?}");
    let key = db.keys().unwrap().checkpoint_signer().verifying_key();
    assert_eq!(first.check(&key), Ok(()));
    assert_eq!(
        checkpoints::run(db, "t", app.clock.now(), &log)
            .await
            .unwrap(),
        None,
        "nothing new but the checkpoint itself"
    );
    app.user("u1@example.cn", Role::Expert).await;
    let second = checkpoints::run(db, "t", app.clock.now(), &log)
        .await
        .unwrap()
        .unwrap();
    assert!(second.seq > first.seq + 1);

    // Published in the feed (anonymously), in the log, in the OCDS packages.
    assert_eq!(published(&app).await, vec![first.clone(), second.clone()]);
    assert_eq!(
        checkpoints::read_file(&log).unwrap(),
        vec![first, second.clone()]
    );
    let (status, package) = json(app.get("/api/v1/open/ocds/releases", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(package["auditCheckpoint"]["seq"], second.seq);
    assert_eq!(package["auditCheckpoint"]["signature"], second.signature);

    let report = checkpoints::verify(db, vec![]).await.unwrap();
    assert_eq!(report.problems, vec![]);
    assert_eq!(report.checked, 2);
    assert_eq!(report.anchored_to, Some(second.seq));
    assert_eq!(audit::verify(db.conn()).await.unwrap().broken, None);
}

#[tokio::test]
async fn checkpoints_catch_a_rewritten_chain_that_verifies_as_intact() {
    let app = spawn().await;
    let db = app.db();
    for i in 0..3 {
        app.user(&format!("u{i}@example.cn"), Role::Expert).await;
    }
    let checkpoint = checkpoints::make(db, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    app.user("late@example.cn", Role::Expert).await;

    rewrite(db, 2, r#"{"role":"admin"}"#).await;
    assert_eq!(
        audit::verify(db.conn()).await.unwrap().broken,
        None,
        "re-hashed whole, the chain alone looks intact"
    );
    let report = checkpoints::verify(db, vec![]).await.unwrap();
    let problem = report.problems.first().expect("the checkpoint disagrees");
    assert_eq!(problem.seq, checkpoint.seq);
    assert!(problem.reason.contains("rewritten"), "{}", problem.reason);
    assert!(problem.reason.contains("the start"), "{}", problem.reason);
    assert_eq!(report.anchored_to, None);
}

#[tokio::test]
async fn an_outside_copy_of_the_checkpoints_catches_a_truncation_that_removed_them() {
    let app = spawn().await;
    let db = app.db();
    app.user("u0@example.cn", Role::Expert).await;
    let early = checkpoints::make(db, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    for i in 1..4 {
        app.user(&format!("u{i}@example.cn"), Role::Expert).await;
    }
    let late = checkpoints::make(db, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    let kept_outside = published(&app).await;
    assert_eq!(kept_outside.len(), 2);

    // The newest users and the late checkpoint's own entry go, the head moves back.
    truncate(db, early.seq + 1).await;
    assert_eq!(audit::verify(db.conn()).await.unwrap().broken, None);
    assert_eq!(
        checkpoints::verify(db, vec![]).await.unwrap().problems,
        vec![],
        "the database alone no longer knows"
    );
    let report = checkpoints::verify(db, kept_outside).await.unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].seq, late.seq);
    assert!(
        report.problems[0].reason.contains("gone")
            && report.problems[0]
                .reason
                .contains(&format!("entry {}", early.seq)),
        "{}",
        report.problems[0].reason
    );
    assert_eq!(report.anchored_to, Some(early.seq));
}

#[tokio::test]
async fn a_checkpoint_signed_by_another_key_or_edited_is_named() {
    let app = spawn().await;
    let db = app.db();
    app.user("u0@example.cn", Role::Expert).await;
    let real = checkpoints::make(db, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let forged = checkpoints::Checkpoint::sign(&stranger, real.seq, &real.hash, app.clock.now());
    let mut edited = real.clone();
    edited.hash = "0".repeat(64);
    let report = checkpoints::verify(db, vec![forged, edited, real.clone()])
        .await
        .unwrap();
    assert_eq!(report.checked, 3, "the copy of the real one counts once");
    let reasons: Vec<&str> = report.problems.iter().map(|p| p.reason.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("another key")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("forged")), "{reasons:?}");
    assert_eq!(report.anchored_to, Some(real.seq));
}
