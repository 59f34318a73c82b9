//! Procurement fixtures: bidders, a published public tender, and a tender
//! evaluated by a full panel.

use chrono::{TimeZone, Utc};
use cogov::auth::Role;
use cogov::clock::Clock;
use cogov::registry::import::{Record, import_one};
use cogov::registry::organizations::NewOrganization;
use cogov::registry::rules::{Field, OrgType};
use cogov::registry::uscc::{Category, Uscc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{TestApp, json};

/// An active 4A organization (registered 2019) and a write token of its org admin.
pub async fn bidder(app: &TestApp, n: u32) -> (uuid::Uuid, String) {
    let record = Record {
        new: NewOrganization {
            name: format!("武汉市第{n}社区服务中心"),
            org_type: OrgType::SocialServiceAgency,
            division_code: "420100".into(),
            field: Field::CommunityService,
            supervising_unit: None,
            address: "武汉市".into(),
            legal_representative: "张三".into(),
            business_scope: "社区服务".into(),
            funds_fen: 5_000_000,
            registered_on: "2019-03-01".parse().unwrap(),
            uscc: Uscc::generate(Category::SocialServiceAgency, "420100", 500 + n)
                .unwrap()
                .as_str()
                .into(),
            uscc_legacy_reason: None,
        },
        status: entity::organizations::Status::Active,
        grade: Some((4, "2023-06-01".parse().unwrap())),
    };
    import_one(app.db(), record.clone(), app.clock.now())
        .await
        .unwrap();
    let org = cogov::registry::organizations::search(
        app.db(),
        &cogov::registry::organizations::Search {
            uscc: Some(record.new.uscc.clone()),
            ..Default::default()
        },
        &cogov::pagination::PageRequest::parse(None, None).unwrap(),
        cogov::clock::china_date(app.clock.now()),
    )
    .await
    .unwrap()
    .0
    .remove(0);
    let user = app
        .user_in(
            &format!("admin{n}@org.cn"),
            Role::OrgAdmin,
            None,
            Some(org.id),
        )
        .await;
    (org.id, app.token(&user, true).await)
}

pub struct World {
    pub project: String,
    pub buyer: String,
    pub auditor: String,
    pub admin: String,
    pub expert: String,
}

/// A published public tender (deadline 5 March 2026, 10:00 Beijing) needing 3A.
pub async fn world(app: &TestApp) -> World {
    world_at(app, "2026-03-05T02:00:00Z", "2026-04-01", "2027-03-31").await
}

/// The same tender with its own bid deadline (RFC 3339) and service period.
pub async fn world_at(
    app: &TestApp,
    deadline: &str,
    service_start: &str,
    service_end: &str,
) -> World {
    let dept = cogov::departments::create(
        app.db(),
        None,
        cogov::departments::DepartmentInput {
            code: "WH-JA".into(),
            name: "江岸区民政局".into(),
            division_code: "420102".into(),
            uscc: Some("11420102000020300H".into()),
            active: true,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let buyer = app
        .user_in("buyer@gov.cn", Role::Purchaser, Some(dept.id), None)
        .await;
    let buyer = app.token(&buyer, true).await;
    let (_, auditor) = app.user_with_token("auditor@gov.cn", Role::Auditor).await;
    let (_, admin) = app.user_with_token("root@gov.cn", Role::Admin).await;
    let (_, expert) = app.user_with_token("expert@gov.cn", Role::Expert).await;
    cogov::procurement::catalog::ensure_seeded(app.db(), app.clock.now())
        .await
        .unwrap();
    let (_, cats) = json(app.get("/api/v1/catalog", None).await).await;
    let cat = cats["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "A01")
        .unwrap()["id"]
        .clone();
    let body = json!({
        "title": "江岸区居家养老上门服务项目", "description": "每周两次上门照护。",
        "category_id": cat, "region_code": "420102", "budget_fen": 120_000_000,
        "method": "public_tender", "service_start": service_start, "service_end": service_end,
        "eligibility": [{"rule": "min_grade", "grade": 3}],
        "criteria": [{"name": "方案", "weight": 70}, {"name": "价格", "weight": 30, "is_price": true}],
        "bid_deadline": deadline,
    });
    let (s, p) = json(app.post_json("/api/v1/projects", Some(&buyer), body).await).await;
    assert_eq!(s, 201, "{p}");
    let project = p["id"].as_str().unwrap().to_owned();
    let (s, p) = json(
        app.post_json(
            &format!("/api/v1/projects/{project}/publish"),
            Some(&buyer),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{p}");
    World {
        project,
        buyer,
        auditor,
        admin,
        expert,
    }
}

pub fn bid(price: i64) -> Value {
    json!({"price_fen": price, "technical_proposal": "分片包干、上门评估、个案管理", "team": "社工 6 人", "plan": "四月启动"})
}

/// A bidder of an evaluated project.
pub struct Bidder {
    pub organization_id: Uuid,
    pub token: String,
    pub bid_id: String,
}

/// A public tender opened with three bids, five experts who declared and
/// submitted their sheets: C 93.42, A 87.00, B 85.00 (bidders in A, B, C order).
pub struct Evaluated {
    pub world: World,
    pub bidders: Vec<Bidder>,
    pub experts: Vec<(entity::users::Model, String)>,
}

/// The same tender opened (panel of five, three bids), nothing declared yet.
pub async fn opened(app: &TestApp) -> Evaluated {
    let w = world(app).await;
    let p = w.project.clone();
    let mut experts = Vec::new();
    for n in 1..=5 {
        experts.push(
            app.user_with_token(&format!("expert{n}@pool.cn"), Role::Expert)
                .await,
        );
    }
    let ids: Vec<String> = experts.iter().map(|(u, _)| u.id.to_string()).collect();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/panel"),
            Some(&w.buyer),
            json!({ "expert_ids": ids }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let mut bidders = Vec::new();
    for (n, price) in [(1, 100_000_000), (2, 90_000_000), (3, 95_000_000)] {
        let (organization_id, token) = bidder(app, n).await;
        let (s, r) = json(
            app.post_json(
                &format!("/api/v1/projects/{p}/bids"),
                Some(&token),
                bid(price),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201);
        bidders.push(Bidder {
            organization_id,
            token,
            bid_id: r["receipt"]["bid_id"].as_str().unwrap().to_owned(),
        });
    }
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap());
    cogov::procurement::bids::open_due(app.db(), "fixture", app.clock.now())
        .await
        .unwrap();
    Evaluated {
        world: w,
        bidders,
        experts,
    }
}

/// Expert `t` declares no conflict about every bidder and scores A 60, B 55,
/// C 65, then submits.
pub async fn declare_and_score(app: &TestApp, e: &Evaluated, t: &str) {
    let p = &e.world.project;
    let bidders = &e.bidders;
    for b in bidders {
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
    for (b, points) in bidders.iter().zip([6000, 5500, 6500]) {
        let (s, _) = json(
            app.put_json(
                &format!("/api/v1/projects/{p}/scores"),
                Some(t),
                json!({"bid_id": b.bid_id, "criterion_index": 0, "points_hundredths": points, "comment": "方案完整"}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 200);
    }
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/scores/submit"),
            Some(t),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
}

/// The tender with every expert's sheet in.
pub async fn evaluated(app: &TestApp) -> Evaluated {
    let e = opened(app).await;
    for (_, t) in &e.experts {
        declare_and_score(app, &e, t).await;
    }
    e
}

/// Uploads a PDF-looking file and returns its id.
pub async fn upload(app: &TestApp, token: &str, bytes: &[u8]) -> String {
    let (s, f) = upload_as(app, token, "doc.pdf", bytes, None).await;
    assert_eq!(s, 201, "{f}");
    f["id"].as_str().unwrap().to_owned()
}

/// Uploads a file for a bid on `project` (sealed with the bid); returns its id.
pub async fn upload_for_bid(
    app: &TestApp,
    token: &str,
    project: &str,
    name: &str,
    bytes: &[u8],
) -> String {
    let (s, f) = upload_as(app, token, name, bytes, Some(project)).await;
    assert_eq!(s, 201, "{f}");
    f["id"].as_str().unwrap().to_owned()
}

/// `POST /files` with a name, and a project when the file is for a bid.
pub async fn upload_as(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: &[u8],
    project: Option<&str>,
) -> (u16, Value) {
    let boundary = "b0undary";
    let mut body = Vec::new();
    if let Some(p) = project {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"project_id\"\r\n\r\n{p}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = app
        .client
        .post("/api/v1/files")
        .header("authorization", format!("Bearer {token}"))
        .content_type(format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await;
    json(resp).await
}

/// The evaluated tender awarded to C (95 000.00 yuan), its window closed and
/// the award job run: returns the grant.
pub async fn awarded(app: &TestApp) -> (Evaluated, Value) {
    let e = evaluated(app).await;
    let p = &e.world.project;
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
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 17, 1, 0, 0).unwrap());
    let awarded = cogov::procurement::award::award_due(app.db(), "job", app.clock.now())
        .await
        .unwrap();
    assert_eq!(awarded.len(), 1);
    let (s, page) = json(
        app.get(&format!("/api/v1/grants?project_id={p}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one grant per award");
    (e, items[0].clone())
}
