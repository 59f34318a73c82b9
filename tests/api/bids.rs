//! Sealed bids, receipts and the opening, through the API, on both databases.

use crate::common::procurement::{bid, bidder, upload, world};
use crate::common::{TestApp, json, problem_codes, problem_fields, spawn};
use chrono::{Duration, TimeZone, Utc};
use cogov::auth::Role;
use cogov::clock::Clock;
use serde_json::json;

async fn status(app: &TestApp, path: &str, token: Option<&str>) -> u16 {
    app.get(path, token).await.0.status().as_u16()
}

#[tokio::test]
async fn bids_are_sealed_until_the_deadline_and_the_opening_record_appears_once() {
    let app = spawn().await;
    let w = world(&app).await;
    let p = &w.project;
    let mut bidders = Vec::new();
    for n in 1..=3 {
        bidders.push(bidder(&app, n).await);
    }
    let (dishonest_org, dishonest) = bidder(&app, 4).await;
    let tx = app.db().begin().await.unwrap();
    cogov::registry::credit::list_in_tx(
        &*tx,
        &cogov::audit::Who::system(),
        cogov::registry::credit::Listing {
            organization_id: dishonest_org,
            kind: cogov::registry::credit::Kind::Dishonest,
            ground: "被处5万元以上罚款".into(),
            ground_key: None,
            started_on: "2026-01-10".parse().unwrap(),
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // The eligibility check before bidding shows each rule.
    let (s, v) = json(
        app.get(
            &format!("/api/v1/projects/{p}/eligibility"),
            Some(&dishonest),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["items"][1]["rule"], "not_dishonest");
    assert_eq!(v["items"][1]["passed"], false);

    // Three eligible bids with receipts; the dishonest one is refused naming the rule.
    let mut receipts = Vec::new();
    for (i, (_, token)) in bidders.iter().enumerate() {
        let (s, r) = json(
            app.post_json(
                &format!("/api/v1/projects/{p}/bids"),
                Some(token),
                bid(100_000_000 - i as i64 * 1_000_000),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201, "{r}");
        assert_eq!(r["receipt"]["content_hash"].as_str().unwrap().len(), 64);
        receipts.push(r["receipt"].clone());
    }
    let (s, e) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/bids"),
            Some(&dishonest),
            bid(90_000_000),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&e)),
        (422, vec!["ineligible_not_dishonest".to_owned()])
    );
    let (s, e) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/bids"),
            Some(&bidders[0].1),
            bid(99_000_000),
        )
        .await,
    )
    .await;
    assert_eq!((s, e["type"].as_str()), (409, Some("/problems/bid_exists")));
    let over = format!(
        "/api/v1/bids/{}/replace",
        receipts[1]["bid_id"].as_str().unwrap()
    );
    let (s, e) = json(
        app.post_json(&over, Some(&bidders[1].1), bid(130_000_000))
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&e)),
        (422, vec!["price_over_budget".to_owned()])
    );
    let (_, still) = json(
        app.get(&format!("/api/v1/projects/{p}/bids"), Some(&bidders[1].1))
            .await,
    )
    .await;
    assert_eq!(
        still["items"][0]["status"], "active",
        "a refused replacement leaves the bid as it was"
    );

    // Sealed: nobody but the bidder reads anything of a bid before the deadline.
    let first = receipts[0]["bid_id"].as_str().unwrap().to_owned();
    for t in [
        &w.buyer,
        &w.auditor,
        &w.admin,
        &w.expert,
        &bidders[1].1,
        &dishonest,
    ] {
        assert_eq!(
            status(&app, &format!("/api/v1/bids/{first}"), Some(t)).await,
            404
        );
    }
    for t in [&w.buyer, &w.auditor, &w.admin, &w.expert] {
        let (s, body) = json(
            app.get(&format!("/api/v1/projects/{p}/bids"), Some(t))
                .await,
        )
        .await;
        assert_eq!(s, 403);
        assert_eq!(
            body["detail"], "bids are sealed until they are opened at the deadline",
            "the same refusal whatever there is to refuse: {body}"
        );
    }
    let (_, theirs) = json(
        app.get(&format!("/api/v1/projects/{p}/bids"), Some(&bidders[1].1))
            .await,
    )
    .await;
    assert_eq!(
        theirs["items"].as_array().unwrap().len(),
        1,
        "an organization sees only its own"
    );
    assert_eq!(
        status(&app, &format!("/api/v1/bids/{first}"), Some(&bidders[0].1)).await,
        200
    );
    assert_eq!(
        status(&app, &format!("/api/v1/projects/{p}/opening"), None).await,
        404
    );
    let (_, project) = json(app.get(&format!("/api/v1/projects/{p}"), None).await).await;
    assert!(
        !project.to_string().contains("武汉市第"),
        "no bidder names on the project"
    );
    let (_, audit) = json(app.get("/api/v1/audit?limit=100", Some(&w.auditor)).await).await;
    let audit_text = audit.to_string();
    assert!(
        !audit_text.contains("sealed_bid") && !audit_text.contains(&first),
        "no bid events in the audit listing"
    );

    // Replace (new receipt; the old version is superseded) and a refused foreign withdrawal.
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/bids/{first}/replace"),
            Some(&bidders[0].1),
            bid(95_000_000),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let old_receipt = receipts[0].clone();
    receipts[0] = r["receipt"].clone();
    assert_ne!(old_receipt["content_hash"], receipts[0]["content_hash"]);
    // The organization's own list: both versions, newest first, paged.
    let (s, mine) = json(app.get("/api/v1/bids?limit=1", Some(&bidders[0].1)).await).await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["items"][0]["id"], receipts[0]["bid_id"]);
    assert_eq!(mine["items"][0]["status"], "active");
    let cursor = mine["next_cursor"].as_str().unwrap();
    let (_, older) = json(
        app.get(
            &format!("/api/v1/bids?limit=1&cursor={cursor}"),
            Some(&bidders[0].1),
        )
        .await,
    )
    .await;
    assert_eq!(older["items"][0]["id"], first.as_str());
    assert_eq!(older["items"][0]["status"], "replaced");
    assert!(older.get("next_cursor").is_none());
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/bids/{first}/replace"),
            Some(&bidders[0].1),
            bid(94_000_000),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409, "a replaced version is no longer live");
    let second = receipts[1]["bid_id"].as_str().unwrap().to_owned();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/bids/{second}/withdraw"),
            Some(&bidders[0].1),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 404);

    // The deadline passes: no more bids; the opening happens once.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap());
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/bids"),
            Some(&dishonest),
            bid(1),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409);
    let opened = cogov::procurement::bids::open_due(app.db(), "a", app.clock.now())
        .await
        .unwrap();
    assert_eq!(opened.len(), 1);
    let again = cogov::procurement::bids::open_due(app.db(), "b", app.clock.now())
        .await
        .unwrap();
    assert!(again.is_empty(), "opened exactly once");
    let (s, record) = json(
        app.get(&format!("/api/v1/projects/{p}/opening"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(record["outcome"], "evaluating");
    assert_eq!(record["entries"].as_array().unwrap().len(), 3);
    assert!(record.to_string().contains("武汉市第1社区服务中心"));
    let (_, project) = json(app.get(&format!("/api/v1/projects/{p}"), None).await).await;
    assert_eq!(project["status"], "evaluating");

    // Anyone can check a receipt; a superseded one does not match.
    for r in &receipts {
        let (_, v) = json(
            app.post_json(
                &format!("/api/v1/projects/{p}/opening/verify"),
                None,
                json!({"bid_id": r["bid_id"], "content_hash": r["content_hash"]}),
            )
            .await,
        )
        .await;
        assert_eq!(v["matches"], true, "{v}");
    }
    let (_, v) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/opening/verify"),
            None,
            json!({"bid_id": old_receipt["bid_id"], "content_hash": old_receipt["content_hash"]}),
        )
        .await,
    )
    .await;
    assert_eq!(v["matches"], false);

    // Now the department and auditors read the bids, and the audit listing shows their events.
    let (s, all) = json(
        app.get(&format!("/api/v1/projects/{p}/bids"), Some(&w.buyer))
            .await,
    )
    .await;
    assert_eq!((s, all["items"].as_array().unwrap().len()), (200, 3));
    assert_eq!(
        status(&app, &format!("/api/v1/bids/{second}"), Some(&w.auditor)).await,
        200
    );
    let (_, audit) = json(
        app.get(
            "/api/v1/audit?entity_type=sealed_bid&limit=100",
            Some(&w.auditor),
        )
        .await,
    )
    .await;
    assert_eq!(
        audit["items"].as_array().unwrap().len(),
        4,
        "three submissions and a replacement"
    );
}

#[tokio::test]
async fn too_few_eligible_bids_fail_the_project_and_eligibility_is_checked_again_at_opening() {
    let app = spawn().await;
    let w = world(&app).await;
    let p = &w.project;
    let mut bidders = Vec::new();
    for n in 1..=3 {
        bidders.push(bidder(&app, n).await);
    }
    for (_, token) in &bidders {
        let (s, _) = json(
            app.post_json(
                &format!("/api/v1/projects/{p}/bids"),
                Some(token),
                bid(100_000_000),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201);
    }
    // One bidder is struck off before the deadline.
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/organizations/{}/revoke", bidders[2].0),
            Some(&registrar),
            json!({"reason": "虚假登记"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 1).unwrap());
    // Two instances open at once (separate tasks and connections): one opens, one finds nothing to do.
    let now = app.clock.now();
    let project_id: uuid::Uuid = p.parse().unwrap();
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let db = app.state.db.clone();
            tokio::spawn(async move {
                cogov::procurement::bids::open_project(&db, project_id, now)
                    .await
                    .unwrap()
                    .is_some()
            })
        })
        .collect();
    let mut opened = 0;
    for r in racers {
        opened += usize::from(r.await.unwrap());
    }
    assert_eq!(opened, 1, "exactly one opening");
    let (_, record) = json(
        app.get(&format!("/api/v1/projects/{p}/opening"), None)
            .await,
    )
    .await;
    assert_eq!(record["outcome"], "failed");
    assert_eq!(record["eligible_count"], 2);
    let struck = record["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["eligible"] == false)
        .unwrap();
    assert_eq!(struck["failed_rule"], "active");
    let (_, project) = json(app.get(&format!("/api/v1/projects/{p}"), None).await).await;
    assert_eq!(project["status"], "failed");
    assert!(
        project["status_reason"]
            .as_str()
            .unwrap()
            .contains("at least 3")
    );
}

#[tokio::test]
async fn every_acknowledged_bid_is_in_the_opening_record_and_none_is_accepted_after_the_deadline() {
    let app = spawn().await;
    let w = world(&app).await;
    let p = w.project.clone();
    let mut bidders = Vec::new();
    for n in 1..=16 {
        bidders.push(bidder(&app, n).await);
    }
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 1, 59, 59).unwrap());
    let deadline = Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap();
    // All bids and the opener run interleaved on this task: every await is a
    // point where another request can take its turn.
    let app = &app;
    let submissions = bidders.iter().enumerate().map(|(i, (_, token))| {
        let path = format!("/api/v1/projects/{p}/bids");
        async move {
            for _ in 0..i % 4 {
                tokio::task::yield_now().await;
            }
            json(
                app.post_json(&path, Some(token), bid(100_000_000 - i as i64))
                    .await,
            )
            .await
        }
    });
    let opener = async {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        app.clock.set(deadline);
        cogov::procurement::bids::open_due(app.db(), "racer", app.clock.now())
            .await
            .unwrap()
    };
    let (results, _) = tokio::join!(futures_util::future::join_all(submissions), opener);
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for (s, body) in results {
        match s {
            201 => acknowledged.push(body["receipt"]["bid_id"].as_str().unwrap().to_owned()),
            409 => refused += 1,
            other => panic!("unexpected {other}: {body}"),
        }
    }
    // Whatever the race, opening again is harmless and the record is final.
    cogov::procurement::bids::open_due(app.db(), "again", app.clock.now() + Duration::seconds(1))
        .await
        .unwrap();
    let (s, record) = json(
        app.get(&format!("/api/v1/projects/{p}/opening"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200, "{record}");
    let in_record: Vec<String> = record["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["bid_id"].as_str().unwrap().to_owned())
        .collect();
    let mut a = acknowledged.clone();
    a.sort();
    let mut r = in_record.clone();
    r.sort();
    assert_eq!(
        a, r,
        "every acknowledged bid and nothing else is in the record"
    );
    assert_eq!(acknowledged.len() + refused, 16);
    let late = cogov::procurement::bids::list_for_project(
        app.db(),
        &cogov::auth::Actor::from_user(
            &entity::users::Entity::find_by_email_for_test(app.db(), "buyer@gov.cn").await,
            cogov::auth::Via::Session,
        )
        .unwrap(),
        p.parse().unwrap(),
    )
    .await
    .unwrap();
    assert!(
        late.iter().all(|b| b.submitted_at < deadline),
        "none accepted at or after the deadline"
    );
    let _ = w.buyer;
}

trait FindUser {
    async fn find_by_email_for_test(db: &cogov::db::Db, email: &str) -> entity::users::Model;
}

impl FindUser for entity::users::Entity {
    async fn find_by_email_for_test(db: &cogov::db::Db, email: &str) -> entity::users::Model {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::users::Entity::find()
            .filter(entity::users::Column::Email.eq(email))
            .one(db.conn())
            .await
            .unwrap()
            .unwrap()
    }
}

#[tokio::test]
async fn project_documents_are_public_with_the_project_and_bid_files_sealed_with_the_bid() {
    let app = spawn().await;
    let w = world(&app).await;
    let p = &w.project;
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    // The project is open: a document added now is published as an amendment.
    let doc = upload(&app, &w.buyer, PDF).await;
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/documents"),
            Some(&w.buyer),
            json!({"file_id": doc, "label": "specification"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        status(&app, &format!("/api/v1/files/{doc}"), None).await,
        200,
        "public with the project"
    );
    let (_, amendments) = json(
        app.get(&format!("/api/v1/projects/{p}/amendments"), None)
            .await,
    )
    .await;
    assert!(
        amendments["items"][0]["text"]
            .as_str()
            .unwrap()
            .contains("doc.pdf")
    );

    let (_, bidder_token) = bidder(&app, 1).await;
    // A bid's files are uploaded for the bid, sealed with it; an ordinary
    // upload does not attach to a bid.
    let plain = upload(&app, &bidder_token, PDF).await;
    let mut b = bid(90_000_000);
    b["file_ids"] = json!([plain]);
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/bids"),
            Some(&bidder_token),
            b,
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_fields(&r)),
        (422, vec!["file_ids[0]".to_owned()]),
        "{r}"
    );
    let (s, r) = crate::common::procurement::upload_as(&app, &w.buyer, "x.pdf", PDF, Some(p)).await;
    assert_eq!(s, 403, "only bidders upload for a bid: {r}");
    let file =
        crate::common::procurement::upload_for_bid(&app, &bidder_token, p, "方案附件.pdf", PDF)
            .await;
    let mut b = bid(90_000_000);
    b["file_ids"] = json!([file]);
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/bids"),
            Some(&bidder_token),
            b,
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["files"][0]["id"], file.as_str());
    assert_eq!(r["files"][0]["file_name"], "方案附件.pdf");
    assert_eq!(
        status(&app, &format!("/api/v1/files/{file}"), Some(&bidder_token)).await,
        200
    );
    for t in [&w.buyer, &w.auditor, &w.admin, &w.expert] {
        assert_eq!(
            status(&app, &format!("/api/v1/files/{file}"), Some(t)).await,
            404
        );
    }
    assert_eq!(
        status(&app, &format!("/api/v1/files/{file}"), None).await,
        401
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap());
    cogov::procurement::bids::open_due(app.db(), "a", app.clock.now())
        .await
        .unwrap();
    assert_eq!(
        status(&app, &format!("/api/v1/files/{file}"), Some(&w.buyer)).await,
        200,
        "readable by the department after opening"
    );
}

#[tokio::test]
async fn experts_sit_on_panels_declare_conflicts_and_read_bids_only_after_declaring() {
    let app = spawn().await;
    let w = world(&app).await;
    let p = &w.project;
    let mut experts = Vec::new();
    for n in 1..=6 {
        experts.push(
            app.user_with_token(&format!("expert{n}@pool.cn"), Role::Expert)
                .await,
        );
    }
    let ids: Vec<String> = experts.iter().map(|(u, _)| u.id.to_string()).collect();
    let panel = format!("/api/v1/projects/{p}/panel");
    let (s, e) = json(
        app.post_json(&panel, Some(&w.buyer), json!({"expert_ids": &ids[..3]}))
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&e)),
        (422, vec!["panel_size".to_owned()]),
        "a public tender needs 5"
    );
    let (s, _) = json(
        app.post_json(
            &panel,
            Some(&experts[0].1),
            json!({"expert_ids": &ids[..5]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    let (org_id, org_token) = bidder(&app, 9).await;
    let _ = org_id;
    let (_, org_user) = {
        let (s, me) = json(app.get("/api/v1/me", Some(&org_token)).await).await;
        (s, me["id"].as_str().unwrap().to_owned())
    };
    let mut with_org = ids[..4].to_vec();
    with_org.push(org_user);
    let (s, e) = json(
        app.post_json(&panel, Some(&w.buyer), json!({"expert_ids": with_org}))
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&e)),
        (422, vec!["not_an_expert".to_owned()])
    );
    let (s, seats) = json(
        app.post_json(&panel, Some(&w.buyer), json!({"expert_ids": &ids[..5]}))
            .await,
    )
    .await;
    assert_eq!((s, seats["items"].as_array().unwrap().len()), (200, 5));

    let mut bidders = Vec::new();
    for n in 1..=3 {
        let b = bidder(&app, n).await;
        let (s, _) = json(
            app.post_json(
                &format!("/api/v1/projects/{p}/bids"),
                Some(&b.1),
                bid(100_000_000),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201);
        bidders.push(b);
    }
    let (_, panels) = json(app.get("/api/v1/panels", Some(&experts[0].1)).await).await;
    assert_eq!(panels["items"][0]["id"], p.as_str());
    let declare = format!("/api/v1/projects/{p}/declarations");
    let (s, _) = json(
        app.post_json(
            &declare,
            Some(&experts[0].1),
            json!({"organization_id": bidders[0].0, "conflict": false}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409, "no declarations before the opening");

    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap());
    cogov::procurement::bids::open_due(app.db(), "a", app.clock.now())
        .await
        .unwrap();
    let (_, record) = json(
        app.get(&format!("/api/v1/projects/{p}/opening"), None)
            .await,
    )
    .await;
    let a_bid = record["entries"][0]["bid_id"].as_str().unwrap().to_owned();
    let bid_path = format!("/api/v1/bids/{a_bid}");

    // No bid content before every bidder is declared about.
    let e1 = &experts[0].1;
    assert_eq!(status(&app, &bid_path, Some(e1)).await, 404);
    for (org, _) in &bidders[..2] {
        let (s, _) = json(
            app.post_json(
                &declare,
                Some(e1),
                json!({"organization_id": org, "conflict": false}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201);
    }
    assert_eq!(
        status(&app, &bid_path, Some(e1)).await,
        404,
        "one bidder still undeclared"
    );
    let (s, _) = json(
        app.post_json(
            &declare,
            Some(e1),
            json!({"organization_id": bidders[0].0, "conflict": false}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409, "declared once");
    let (s, e) = json(
        app.post_json(
            &declare,
            Some(e1),
            json!({"organization_id": org_id, "conflict": false}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&e)),
        (422, vec!["not_a_bidder".to_owned()])
    );
    let (s, _) = json(
        app.post_json(
            &declare,
            Some(e1),
            json!({"organization_id": bidders[2].0, "conflict": false}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(status(&app, &bid_path, Some(e1)).await, 200);
    let (s, list) = json(
        app.get(&format!("/api/v1/projects/{p}/bids"), Some(e1))
            .await,
    )
    .await;
    assert_eq!((s, list["items"].as_array().unwrap().len()), (200, 3));

    // A conflict needs a reason and excludes the expert.
    let e2 = &experts[1].1;
    let (s, e) = json(
        app.post_json(
            &declare,
            Some(e2),
            json!({"organization_id": bidders[1].0, "conflict": true}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&e)),
        (422, vec!["reason_required".to_owned()])
    );
    let (s, _) = json(
        app.post_json(
            &declare,
            Some(e2),
            json!({"organization_id": bidders[1].0, "conflict": true, "reason": "曾在该机构任职"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    let (_, seats) = json(app.get(&panel, Some(&w.buyer)).await).await;
    assert!(
        seats["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["status"] == "excluded" && m["exclusion_reason"] == "曾在该机构任职")
    );
    assert_eq!(status(&app, &bid_path, Some(e2)).await, 404);
    let (_, panels) = json(app.get("/api/v1/panels", Some(e2)).await).await;
    assert!(
        panels["items"].as_array().unwrap().is_empty(),
        "an excluded expert no longer sits on it"
    );

    // Experts outside the panel see nothing of it.
    let outsider = &experts[5].1;
    assert_eq!(status(&app, &bid_path, Some(outsider)).await, 404);
    assert_eq!(status(&app, &panel, Some(outsider)).await, 404);
    let (s, _) = json(
        app.post_json(
            &declare,
            Some(outsider),
            json!({"organization_id": bidders[0].0, "conflict": false}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn experts_score_submit_sheets_and_the_ranking_appears_only_when_all_are_in() {
    let app = spawn().await;
    let w = world(&app).await;
    let p = &w.project;
    let mut experts = Vec::new();
    for n in 1..=7 {
        experts.push(
            app.user_with_token(&format!("expert{n}@pool.cn"), Role::Expert)
                .await,
        );
    }
    let ids: Vec<String> = experts.iter().map(|(u, _)| u.id.to_string()).collect();
    let panel = format!("/api/v1/projects/{p}/panel");
    let (s, _) = json(
        app.post_json(&panel, Some(&w.buyer), json!({"expert_ids": &ids[..5]}))
            .await,
    )
    .await;
    assert_eq!(s, 200);
    let mut bids_by_org = Vec::new();
    for (n, price) in [(1, 100_000_000), (2, 90_000_000), (3, 95_000_000)] {
        let b = bidder(&app, n).await;
        let (s, r) = json(
            app.post_json(
                &format!("/api/v1/projects/{p}/bids"),
                Some(&b.1),
                bid(price),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201);
        bids_by_org.push((b.0, r["receipt"]["bid_id"].as_str().unwrap().to_owned()));
    }
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap());
    cogov::procurement::bids::open_due(app.db(), "a", app.clock.now())
        .await
        .unwrap();
    let declare = format!("/api/v1/projects/{p}/declarations");
    let declare_all = |token: String| {
        let declare = declare.clone();
        let orgs: Vec<_> = bids_by_org.iter().map(|(o, _)| *o).collect();
        let app = &app;
        async move {
            for o in orgs {
                let (s, _) = json(
                    app.post_json(
                        &declare,
                        Some(&token),
                        json!({"organization_id": o, "conflict": false}),
                    )
                    .await,
                )
                .await;
                assert_eq!(s, 201);
            }
        }
    };
    for (_, t) in &experts[..4] {
        declare_all(t.clone()).await;
    }
    // The fifth declares a conflict: the panel drops to 4, below a public tender's 5.
    let (s, _) = json(app.post_json(&declare, Some(&experts[4].1), json!({"organization_id": bids_by_org[0].0, "conflict": true, "reason": "亲属在该机构任职"})).await).await;
    assert_eq!(s, 201);
    let scores = format!("/api/v1/projects/{p}/scores");
    let give = |bid: &str, points: i64| json!({"bid_id": bid, "criterion_index": 0, "points_hundredths": points, "comment": "方案完整"});
    let (s, e) = json(
        app.put_json(&scores, Some(&experts[0].1), give(&bids_by_org[0].1, 6000))
            .await,
    )
    .await;
    assert_eq!(
        (s, e["type"].as_str()),
        (409, Some("/problems/panel_incomplete"))
    );
    let (s, _) = json(
        app.post_json(
            &panel,
            Some(&w.buyer),
            json!({"expert_ids": [ids[5].clone()]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    declare_all(experts[5].1.clone()).await;

    let scorers: Vec<String> = [0, 1, 2, 3, 5]
        .iter()
        .map(|i| experts[*i].1.clone())
        .collect();
    // Range and criterion checks.
    let (s, e) = json(
        app.put_json(&scores, Some(&scorers[0]), give(&bids_by_org[0].1, 7001))
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&e)),
        (422, vec!["points_range".to_owned()])
    );
    let mut price_criterion = give(&bids_by_org[0].1, 100);
    price_criterion["criterion_index"] = json!(1);
    let (s, e) = json(
        app.put_json(&scores, Some(&scorers[0]), price_criterion)
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&e)),
        (422, vec!["unknown_criterion".to_owned()])
    );
    // Each score says why.
    let mut silent = give(&bids_by_org[0].1, 100);
    silent["comment"] = json!("  ");
    let (s, e) = json(app.put_json(&scores, Some(&scorers[0]), silent).await).await;
    assert_eq!(
        (s, problem_codes(&e)),
        (422, vec!["comment_required".to_owned()])
    );
    // Missing scores block the sheet.
    let submit = format!("/api/v1/projects/{p}/scores/submit");
    let (s, e) = json(app.post_json(&submit, Some(&scorers[0]), json!({})).await).await;
    assert_eq!((s, problem_codes(&e).len()), (422, 3));

    // Every expert gives A 60.00, B 55.00, C 65.00 (first a draft value, then the final one).
    let evaluation = format!("/api/v1/projects/{p}/evaluation");
    for (k, t) in scorers.iter().enumerate() {
        for ((_, bid_id), points) in bids_by_org.iter().zip([6000, 5500, 6500]) {
            let (s, _) = json(
                app.put_json(&scores, Some(t), give(bid_id, points - 100))
                    .await,
            )
            .await;
            assert_eq!(s, 200);
            let (s, _) = json(app.put_json(&scores, Some(t), give(bid_id, points)).await).await;
            assert_eq!(s, 200);
        }
        let (s, state) = json(app.post_json(&submit, Some(t), json!({})).await).await;
        assert_eq!(s, 200, "{state}");
        if k < scorers.len() - 1 {
            assert!(
                state["ranking"].is_null(),
                "no peeking before every sheet is in"
            );
            let (_, seen) = json(app.get(&evaluation, Some(&scorers[k + 1])).await).await;
            assert!(seen["ranking"].is_null());
        }
        let (s, _) = json(
            app.put_json(&scores, Some(t), give(&bids_by_org[0].1, 100))
                .await,
        )
        .await;
        assert_eq!(s, 409, "a submitted sheet does not change");
    }
    let (s, state) = json(app.get(&evaluation, Some(&w.buyer)).await).await;
    assert_eq!(s, 200);
    let ranking = state["ranking"].as_array().unwrap();
    // A: 60.00 + 90/100 x 30 = 87.00; B: 55.00 + 30.00 = 85.00; C: 65.00 + 90/95 x 30 = 93.42
    let order: Vec<_> = ranking
        .iter()
        .map(|r| {
            (
                r["bid_id"].as_str().unwrap().to_owned(),
                r["total"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            (bids_by_org[2].1.clone(), "93.42".to_owned()),
            (bids_by_org[0].1.clone(), "87.00".to_owned()),
            (bids_by_org[1].1.clone(), "85.00".to_owned()),
        ]
    );
    assert_eq!(
        status(&app, &evaluation, Some(&experts[6].1)).await,
        404,
        "experts off the panel see nothing"
    );
}

#[tokio::test]
async fn a_bid_changed_behind_the_applications_back_is_never_served_as_genuine() {
    use sea_orm::ConnectionTrait as _;
    let app = spawn().await;
    let w = world(&app).await;
    let p = &w.project;
    const PDF: &[u8] = b"%PDF-1.7\n%first\n%%EOF\n";
    const PDF2: &[u8] = b"%PDF-1.7\n%second\n%%EOF\n";
    let (_, a) = bidder(&app, 1).await;
    let (_, b) = bidder(&app, 2).await;
    // Files listed in another order than uploaded: the receipt keeps the listed one.
    let f1 = crate::common::procurement::upload_for_bid(&app, &a, p, "1.pdf", PDF).await;
    let f2 = crate::common::procurement::upload_for_bid(&app, &a, p, "2.pdf", PDF2).await;
    let mut body = bid(90_000_000);
    body["file_ids"] = json!([f2, f1]);
    let (s, r) = json(
        app.post_json(&format!("/api/v1/projects/{p}/bids"), Some(&a), body)
            .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let tampered = r["receipt"]["bid_id"].as_str().unwrap().to_owned();
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/bids"),
            Some(&b),
            bid(95_000_000),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let honest = r["receipt"]["bid_id"].as_str().unwrap().to_owned();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap());
    cogov::procurement::bids::open_due(app.db(), "t", app.clock.now())
        .await
        .unwrap();
    let (s, genuine) = json(
        app.get(&format!("/api/v1/bids/{tampered}"), Some(&w.buyer))
            .await,
    )
    .await;
    assert_eq!(
        s, 200,
        "files in their receipt's order check out: {genuine}"
    );

    app.db()
        .conn()
        .execute_unprepared(&format!(
            "UPDATE bids SET price_fen = price_fen / 2 WHERE id = {}",
            match app.db().backend() {
                sea_orm::DbBackend::Postgres => format!("'{tampered}'"),
                _ => format!("x'{}'", tampered.replace('-', "")),
            }
        ))
        .await
        .unwrap();
    for (url, token) in [
        (format!("/api/v1/bids/{tampered}"), &w.buyer),
        (format!("/api/v1/projects/{p}/bids"), &w.buyer),
        ("/api/v1/bids".to_owned(), &a),
    ] {
        let (s, body) = json(app.get(&url, Some(token)).await).await;
        assert_eq!(
            (s, body["type"].as_str()),
            (409, Some("/problems/integrity_mismatch")),
            "{url}: {body}"
        );
        assert!(
            !body.to_string().contains("45000000"),
            "the edited price is not shown"
        );
    }
    let (s, _) = json(
        app.get(&format!("/api/v1/bids/{honest}"), Some(&w.buyer))
            .await,
    )
    .await;
    assert_eq!(s, 200, "the others are served");
    assert_eq!(
        cogov::procurement::bids::verify_all(app.db())
            .await
            .unwrap(),
        vec![tampered.parse::<uuid::Uuid>().unwrap()],
        "audit verify names the edited bid, and only it"
    );
}
