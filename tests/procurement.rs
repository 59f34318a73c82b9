//! Procurement through the API: the purchase catalog.

mod common;

use cogov::auth::Role;
use cogov::clock::Clock;
use common::{json, problem_codes, problem_fields, spawn};
use serde_json::json;

#[tokio::test]
async fn the_catalog_is_seeded_public_and_kept_by_admins() {
    let app = spawn().await;
    let added = cogov::procurement::catalog::ensure_seeded(app.db(), app.clock.now())
        .await
        .unwrap();
    assert_eq!(added, cogov::procurement::catalog::SEED.len());
    assert_eq!(
        cogov::procurement::catalog::ensure_seeded(app.db(), app.clock.now())
            .await
            .unwrap(),
        0,
        "seeding an existing catalog adds nothing"
    );
    let (s, list) = json(app.get("/api/v1/catalog", None).await).await;
    assert_eq!(s, 200);
    let items = list.as_array().unwrap();
    let elderly = items.iter().find(|c| c["code"] == "A").unwrap();
    assert_eq!(elderly["name_zh"], "养老服务");
    assert!(
        items
            .iter()
            .any(|c| c["parent_id"] == elderly["id"] && c["code"] == "A01")
    );

    let (_, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    let (_, purchaser) = app.user_with_token("buyer@example.cn", Role::Expert).await;
    let body = json!({"code": "a05", "parent_id": elderly["id"], "name_zh": "智慧养老", "name_en": "Smart elderly care"});
    let (s, _) = json(
        app.post_json("/api/v1/catalog", Some(&purchaser), body.clone())
            .await,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = json(app.post_json("/api/v1/catalog", None, body.clone()).await).await;
    assert_eq!(s, 401);
    let (s, created) = json(
        app.post_json("/api/v1/catalog", Some(&admin), body.clone())
            .await,
    )
    .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["code"], "A05");
    let (s, p) = json(app.post_json("/api/v1/catalog", Some(&admin), body).await).await;
    assert_eq!((s, problem_codes(&p)), (422, vec!["code_taken".to_owned()]));

    // A category cannot move under its own subcategory.
    let id = elderly["id"].as_str().unwrap();
    let moved = json!({"code": "A", "parent_id": created["id"], "name_zh": "养老服务", "name_en": "Elderly care"});
    let (s, p) = json(
        app.put_json(&format!("/api/v1/catalog/{id}"), Some(&admin), moved)
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["parent_cycle".to_owned()])
    );
    // Retired categories drop out of the active list.
    let retire = json!({"code": "A05", "parent_id": elderly["id"], "name_zh": "智慧养老", "name_en": "Smart elderly care", "active": false});
    let cid = created["id"].as_str().unwrap();
    let (s, _) = json(
        app.put_json(&format!("/api/v1/catalog/{cid}"), Some(&admin), retire)
            .await,
    )
    .await;
    assert_eq!(s, 200);
    let (_, active) = json(app.get("/api/v1/catalog?active=true", None).await).await;
    assert!(
        !active
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "A05")
    );
    let (s, p) = json(
        app.post_json(
            "/api/v1/catalog",
            Some(&admin),
            json!({"code": "", "name_zh": "", "name_en": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_fields(&p)),
        (422, vec!["code".to_owned(), "name_zh".to_owned()])
    );
}
