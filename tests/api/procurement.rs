//! Procurement through the API: the purchase catalog.

use crate::common::{json, problem_codes, problem_fields, spawn};
use cogov::auth::Role;
use cogov::clock::Clock;
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
    let items = list["items"].as_array().unwrap();
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
        !active["items"]
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

/// A department and a purchaser in it with a write token.
async fn purchaser(app: &crate::common::TestApp, code: &str, email: &str) -> (uuid::Uuid, String) {
    let dept = cogov::departments::create(
        app.db(),
        None,
        cogov::departments::DepartmentInput {
            code: code.into(),
            name: format!("{code} 民政局"),
            division_code: "420100".into(),
            uscc: None,
            active: true,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let user = app
        .user_in(email, Role::Purchaser, Some(dept.id), None)
        .await;
    (dept.id, app.token(&user, true).await)
}

async fn category(app: &crate::common::TestApp, code: &str) -> String {
    cogov::procurement::catalog::ensure_seeded(app.db(), app.clock.now())
        .await
        .unwrap();
    let (_, list) = json(app.get("/api/v1/catalog", None).await).await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn project(category: &str, deadline: &str) -> serde_json::Value {
    json!({
        "title": "江岸区居家养老上门服务项目",
        "description": "为辖区 300 名失能、半失能老人提供每周两次上门照护服务。",
        "category_id": category,
        "region_code": "420102",
        "budget_fen": 120_000_000,
        "method": "public_tender",
        "service_start": "2026-04-01",
        "service_end": "2027-03-31",
        "eligibility": [{"rule": "not_abnormal"}, {"rule": "min_grade", "grade": 3}],
        "criteria": [
            {"name": "服务方案", "weight": 50},
            {"name": "团队与经验", "weight": 30},
            {"name": "价格", "weight": 20, "is_price": true}
        ],
        "bid_deadline": deadline,
    })
}

#[tokio::test]
async fn a_purchaser_drafts_publishes_amends_and_cancels_and_each_broken_rule_is_named() {
    let app = spawn().await;
    cogov::calendar::import_cn_2026(app.db(), &cogov::audit::Who::system(), app.clock.now())
        .await
        .unwrap();
    let (_, buyer) = purchaser(&app, "WH-JA", "buyer@jiangan.gov.cn").await;
    let (_, other) = purchaser(&app, "WH-JH", "buyer@jianghan.gov.cn").await;
    let (_, org) = app.user_with_token("org@example.cn", Role::OrgMember).await;
    let cat = category(&app, "A01").await;

    // Now is 13 Feb 2026 09:00 Beijing; a public tender needs 20 days.
    let mut body = project(&cat, "2026-03-01T02:00:00Z");
    body["criteria"][2]["weight"] = json!(5);
    let (s, p) = json(
        app.post_json("/api/v1/projects", Some(&org), body.clone())
            .await,
    )
    .await;
    assert_eq!(s, 403, "{p}");
    // A budget no one means is refused even in a draft.
    body["budget_fen"] = json!(0);
    let (s, p) = json(
        app.post_json("/api/v1/projects", Some(&buyer), body.clone())
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_fields(&p)),
        (422, vec!["budget_fen".to_owned()]),
        "{p}"
    );
    body["budget_fen"] = json!(120_000_000);
    let (s, draft) = json(
        app.post_json("/api/v1/projects", Some(&buyer), body.clone())
            .await,
    )
    .await;
    assert_eq!(s, 201, "{draft}");
    assert_eq!(draft["number"], "CG-2026-000001");
    assert_eq!(draft["status"], "draft");
    let id = draft["id"].as_str().unwrap().to_owned();

    // Drafts are the department's own.
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}"), None)
            .await
            .0
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}"), Some(&other))
            .await
            .0
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}"), Some(&buyer))
            .await
            .0
            .status()
            .as_u16(),
        200
    );
    let (_, public) = json(app.get("/api/v1/projects", None).await).await;
    assert!(public["items"].as_array().unwrap().is_empty());
    let (_, mine) = json(app.get("/api/v1/projects?mine=true", Some(&buyer)).await).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);

    // Publication checks every rule and names each one.
    let (s, p) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/publish"),
            Some(&buyer),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let mut codes = problem_codes(&p);
    codes.sort();
    assert_eq!(codes, ["deadline_too_soon", "price_weight", "weights_sum"]);
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/publish"),
            Some(&other),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 404);

    // Fixed: 20 days from 13 February is 5 March.
    let fixed = project(&cat, "2026-03-05T02:00:00Z");
    let (s, _) = json(
        app.put_json(&format!("/api/v1/projects/{id}"), Some(&buyer), fixed)
            .await,
    )
    .await;
    assert_eq!(s, 200);
    let (s, p) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/publish"),
            Some(&buyer),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "open");
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/publish"),
            Some(&buyer),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409, "published once");
    let (s, _) = json(
        app.put_json(
            &format!("/api/v1/projects/{id}"),
            Some(&buyer),
            project(&cat, "2026-03-06T02:00:00Z"),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409, "published projects change only by amendment");
    let (_, public) = json(
        app.get(
            "/api/v1/projects?region=420100&budget_min_fen=100000000",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(public["items"][0]["number"], "CG-2026-000001");
    assert_eq!(public["items"][0]["eligibility"][1]["grade"], 3);

    // Amendments: a clarification; an extension; a shortening below the minimum is refused.
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/amendments"),
            Some(&other),
            json!({"text": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    let (s, a) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/amendments"),
            Some(&buyer),
            json!({"text": "服务对象名单见附件"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{a}");
    let (s, p) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/amendments"),
            Some(&buyer),
            json!({"text": "提前截止", "new_deadline": "2026-03-04T02:00:00Z"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["deadline_too_soon".to_owned()])
    );
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/amendments"),
            Some(&buyer),
            json!({"text": "延长截止时间", "new_deadline": "2026-03-12T02:00:00Z"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    let (_, list) = json(
        app.get(&format!("/api/v1/projects/{id}/amendments"), None)
            .await,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        list["items"][1]["old_deadline"],
        "2026-03-05T02:00:00+00:00"
    );
    let (_, p) = json(app.get(&format!("/api/v1/projects/{id}"), None).await).await;
    assert_eq!(p["bid_deadline"], "2026-03-12T02:00:00+00:00");

    // Cancellation needs a reason and the department.
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/cancel"),
            Some(&other),
            json!({"reason": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    let (s, p) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/cancel"),
            Some(&buyer),
            json!({"reason": ""}),
        )
        .await,
    )
    .await;
    assert_eq!((s, problem_fields(&p)), (422, vec!["reason".to_owned()]));
    let (s, p) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/cancel"),
            Some(&buyer),
            json!({"reason": "预算调整"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("cancelled")));
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/cancel"),
            Some(&buyer),
            json!({"reason": "again"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409);
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn questions_are_asked_privately_and_answered_publicly() {
    let app = spawn().await;
    let (_, buyer) = purchaser(&app, "WH-JA", "buyer@jiangan.gov.cn").await;
    let (_, other) = purchaser(&app, "WH-JH", "buyer@jianghan.gov.cn").await;
    let (_, asker) = app
        .user_with_token("asker@example.cn", Role::OrgMember)
        .await;
    let (_, rival) = app
        .user_with_token("rival@example.cn", Role::OrgMember)
        .await;
    let cat = category(&app, "A01").await;
    let (_, p) = json(
        app.post_json(
            "/api/v1/projects",
            Some(&buyer),
            project(&cat, "2026-03-05T02:00:00Z"),
        )
        .await,
    )
    .await;
    let id = p["id"].as_str().unwrap().to_owned();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/questions"),
            Some(&asker),
            json!({"question": "?"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 404, "no questions on drafts");
    json(
        app.post_json(
            &format!("/api/v1/projects/{id}/publish"),
            Some(&buyer),
            json!({}),
        )
        .await,
    )
    .await;

    let (s, q) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/questions"),
            Some(&asker),
            json!({"question": "服务对象是否包括低保老人？"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{q}");
    let qid = q["id"].as_str().unwrap().to_owned();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/questions"),
            Some(&buyer),
            json!({"question": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403, "purchasers answer, they do not ask");
    let count = |v: &serde_json::Value| v["items"].as_array().unwrap().len();
    let (_, public) = json(
        app.get(&format!("/api/v1/projects/{id}/questions"), None)
            .await,
    )
    .await;
    assert_eq!(count(&public), 0, "unanswered questions are not public");
    let (_, theirs) = json(
        app.get(&format!("/api/v1/projects/{id}/questions"), Some(&rival))
            .await,
    )
    .await;
    assert_eq!(count(&theirs), 0);
    let (_, own) = json(
        app.get(&format!("/api/v1/projects/{id}/questions"), Some(&asker))
            .await,
    )
    .await;
    assert_eq!(
        (count(&own), own["items"][0]["mine"].as_bool()),
        (1, Some(true))
    );

    // Through another project's path the question does not exist, and nothing is answered.
    let elsewhere = format!(
        "/api/v1/projects/{}/questions/{qid}/answer",
        uuid::Uuid::now_v7()
    );
    let (s, _) = json(
        app.post_json(&elsewhere, Some(&buyer), json!({"answer": "x"}))
            .await,
    )
    .await;
    assert_eq!(s, 404);
    let (_, own) = json(
        app.get(&format!("/api/v1/projects/{id}/questions"), Some(&asker))
            .await,
    )
    .await;
    assert!(own["items"][0]["answer"].is_null());
    let path = format!("/api/v1/projects/{id}/questions/{qid}/answer");
    let (s, _) = json(
        app.post_json(&path, Some(&other), json!({"answer": "x"}))
            .await,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = json(
        app.post_json(&path, Some(&buyer), json!({"answer": "包括。"}))
            .await,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = json(
        app.post_json(&path, Some(&buyer), json!({"answer": "again"}))
            .await,
    )
    .await;
    assert_eq!(s, 409);
    let (_, public) = json(
        app.get(&format!("/api/v1/projects/{id}/questions"), None)
            .await,
    )
    .await;
    assert_eq!(public["items"][0]["answer"], "包括。");
    assert!(
        !public.to_string().contains("asker"),
        "the asker is not shown"
    );

    // After the deadline no more questions.
    app.clock.advance(chrono::Duration::days(30));
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/questions"),
            Some(&asker),
            json!({"question": "late"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409);
    // Nor amendments, even before the opening job has run.
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{id}/amendments"),
            Some(&buyer),
            json!({"text": "迟到的澄清"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409);
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn the_demo_has_projects_in_every_state_with_bids_panels_and_challenges_where_they_belong() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let (_, buyer) = {
        let u = <entity::users::Entity as sea_orm::EntityTrait>::find()
            .all(app.db().conn())
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.email == "purchaser@demo.cogov.cn")
            .unwrap();
        ((), app.token(&u, false).await)
    };
    let (_, mine) = json(
        app.get("/api/v1/projects?mine=true&limit=100", Some(&buyer))
            .await,
    )
    .await;
    let mut states: Vec<String> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap().to_owned())
        .collect();
    states.sort();
    states.dedup();
    assert_eq!(
        states,
        [
            "awarded",
            "cancelled",
            "draft",
            "evaluating",
            "failed",
            "notice",
            "open"
        ],
        "seeded once"
    );
    let find = |status: &str| {
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["status"] == status)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Grants in every state.
    let (_, grants) = json(app.get("/api/v1/grants?limit=100", None).await).await;
    let mut grant_states: Vec<&str> = grants["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["status"].as_str().unwrap())
        .collect();
    grant_states.sort_unstable();
    assert_eq!(
        grant_states,
        [
            "active",
            "completed",
            "declined",
            "pending_acceptance",
            "terminated"
        ]
    );
    let completed = grants["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["status"] == "completed")
        .unwrap();
    assert_eq!(
        (
            completed["remaining_fen"].as_i64(),
            completed["performance_score"].as_i64()
        ),
        (Some(0), Some(92))
    );
    let active = grants["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["status"] == "active")
        .unwrap();
    assert!(active["overdue_reports"].as_u64().unwrap() >= 1);
    assert!(active["paid_fen"].as_i64().unwrap() > 0);
    // Notice: a public notice with an open challenge; awarded: final, one dismissed.
    let (s, n) = json(
        app.get(&format!("/api/v1/projects/{}/award", find("notice")), None)
            .await,
    )
    .await;
    assert_eq!(s, 200, "{n}");
    assert_eq!(n["status"], "notice");
    assert_eq!(n["rank"], 1);
    assert_eq!(n["panel"].as_array().unwrap().len(), 5);
    assert_eq!(n["challenges"][0]["status"], "open");
    let (_, n) = json(
        app.get(&format!("/api/v1/projects/{}/award", find("awarded")), None)
            .await,
    )
    .await;
    assert_eq!(n["status"], "final");
    assert_eq!(n["challenges"][0]["status"], "dismissed");
    // Evaluating: the printed expert account still has to declare and score.
    let (_, expert) = {
        let u = <entity::users::Entity as sea_orm::EntityTrait>::find()
            .all(app.db().conn())
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.email == "expert@demo.cogov.cn")
            .unwrap();
        ((), app.token(&u, false).await)
    };
    let (s, state) = json(
        app.get(
            &format!("/api/v1/projects/{}/evaluation", find("evaluating")),
            Some(&expert),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{state}");
    let submitted: Vec<bool> = state["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["submitted"].as_bool().unwrap())
        .collect();
    assert_eq!(submitted, [false, true, true, true, true]);
    let evaluating = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["status"] == "evaluating")
        .unwrap();
    let (s, record) = json(
        app.get(
            &format!(
                "/api/v1/projects/{}/opening",
                evaluating["id"].as_str().unwrap()
            ),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    assert!(record["entries"].as_array().unwrap().len() >= 3);
    let open = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["status"] == "open")
        .unwrap();
    let (s, _) = json(
        app.get(
            &format!("/api/v1/projects/{}/bids", open["id"].as_str().unwrap()),
            Some(&buyer),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403, "the open project's demo bids are sealed");

    // The grantees have been told and reminded: of each grant offered and
    // of the overdue report, once each though the demo was seeded twice.
    let rows = <entity::notifications::Entity as sea_orm::EntityTrait>::find()
        .all(app.db().conn())
        .await
        .unwrap();
    let keys: std::collections::HashSet<&str> = rows.iter().map(|n| n.dedup_key.as_str()).collect();
    assert_eq!(keys.len(), rows.len(), "nothing told twice");
    let kinds: Vec<String> = rows.iter().map(|n| n.kind.clone()).collect();
    assert!(
        kinds.iter().any(|k| k == "grant_awaiting_acceptance"),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|k| k == "report_overdue"), "{kinds:?}");
}

#[tokio::test]
async fn purchasers_and_admins_find_active_experts_by_name_and_no_one_else_does() {
    let app = spawn().await;
    let w = crate::common::procurement::world(&app).await;
    for n in 1..=3 {
        app.user(&format!("pool{n}@experts.cn"), Role::Expert).await;
    }
    let (_, org) = crate::common::procurement::bidder(&app, 1).await;
    let (s, page) = json(app.get("/api/v1/experts?limit=2", Some(&w.buyer)).await).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let first = &page["items"][0];
    let mut keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["display_name", "id"], "ids and names only");
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest) = json(
        app.get(
            &format!("/api/v1/experts?limit=100&cursor={cursor}"),
            Some(&w.buyer),
        )
        .await,
    )
    .await;
    assert_eq!(
        rest["items"].as_array().unwrap().len(),
        2,
        "four experts in all"
    );
    assert!(rest.get("next_cursor").is_none());
    let (_, found) = json(app.get("/api/v1/experts?q=pool2", Some(&w.admin)).await).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["items"][0]["display_name"], "pool2");
    for (who, status) in [
        (Some(w.expert.as_str()), 403),
        (Some(w.auditor.as_str()), 403),
        (Some(org.as_str()), 403),
        (None, 401),
    ] {
        let (s, body) = json(app.get("/api/v1/experts", who).await).await;
        assert_eq!(s, status, "{body}");
    }
}
