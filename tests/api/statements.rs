//! No query per row: every list of the API, found in the OpenAPI document
//! (a GET taking `limit`), answers a page of 100 rows with as many database
//! statements as a page of 1. A list added later is covered without anyone
//! remembering to.

use crate::common::{TestApp, json, spawn_with};
use cogov::auth::Role;
use cogov::clock::Clock as _;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

/// Every API list: (path template, whether it needs a signed-in reader).
fn lists() -> Vec<String> {
    let spec: Value = serde_json::from_str(&cogov::api::spec_json()).unwrap();
    let mut lists = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        let Some(get) = ops.get("get") else { continue };
        let takes_limit = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["in"] == "query" && p["name"] == "limit");
        if takes_limit {
            lists.push(path.clone());
        }
    }
    lists
}

async fn token_of(app: &TestApp, email: &str) -> String {
    let user = entity::users::Entity::find()
        .filter(entity::users::Column::Email.eq(email))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("demo user {email}"));
    app.token(&user, true).await
}

async fn admin_writer(app: &TestApp) -> String {
    app.user_with_token("hooks@gov.cn", Role::Admin).await.1
}

/// Statements and items of one read.
async fn cost(app: &TestApp, url: &str, token: &str) -> (u64, usize) {
    let before = app.db().statements();
    let (status, body) = json(app.get(url, Some(token)).await).await;
    let after = app.db().statements();
    assert_eq!(status, 200, "{url}: {body}");
    // Lists answer {items}; OCDS packages {releases}.
    let rows = body["items"].as_array().or(body["releases"].as_array());
    (after - before, rows.map_or(0, Vec::len))
}

#[tokio::test]
async fn a_page_of_100_rows_costs_the_statements_of_a_page_of_1() {
    let app = spawn_with(|s| s.webhooks_allow_private = true).await;
    // A webhook with deliveries (created first: it follows what comes
    // after it), to a receiver that takes everything.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0; 65536];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    let writer = admin_writer(&app).await;
    let (_, hook) = json(
        app.post_json(
            "/api/v1/webhooks",
            Some(&writer),
            serde_json::json!({"url": receiver, "event_types": []}),
        )
        .await,
    )
    .await;
    let hook_id = hook["webhook"]["id"].as_str().unwrap().to_owned();
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let admin = token_of(&app, "admin@demo.cogov.cn").await;
    cogov::webhooks::deliver(
        app.db(),
        &cogov::webhooks::client().unwrap(),
        "ocds-test00",
        "test",
        app.clock.now(),
    )
    .await
    .unwrap();
    // What the demo holds one of or none: a second department, two
    // submitted applications, a second notification.
    let (status, d) = json(
        app.post_json(
            "/api/v1/departments",
            Some(&writer),
            serde_json::json!({"code": "STATS", "name": "统计局", "division_code": "420000"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{d}");
    for n in 0..2 {
        let applicant = app
            .user_with_token(&format!("applicant-{n}@example.cn"), Role::OrgMember)
            .await
            .1;
        let (status, a) = json(
            app.post_json(
                "/api/v1/applications",
                Some(&applicant),
                serde_json::json!({
                    "kind": "registration", "name": format!("武汉市第{n}社会工作服务中心"),
                    "org_type": "social_service_agency", "division_code": "420100",
                    "field": "community_service", "address": "武汉市江岸区中山大道1号",
                    "legal_representative": "李华", "business_scope": "社会工作服务",
                    "funds_fen": 5_000_000,
                }),
            )
            .await,
        )
        .await;
        assert_eq!(status, 201, "{a}");
        crate::registry::attach_materials(&app, &applicant, a["id"].as_str().unwrap()).await;
        let submit = format!("/api/v1/applications/{}/submit", a["id"].as_str().unwrap());
        let (status, a) = json(
            app.post_json(&submit, Some(&applicant), serde_json::json!({}))
                .await,
        )
        .await;
        assert_eq!(status, 200, "{a}");
    }
    let bidder = entity::users::Entity::find()
        .filter(entity::users::Column::Email.eq("bidder-2@demo.cogov.cn"))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let tx = app.db().begin().await.unwrap();
    cogov::notifications::send(
        &*tx,
        &[bidder],
        &cogov::notifications::Notice {
            kind: cogov::notifications::Kind::ReportDueSoon,
            key: "statements-test".into(),
            link: "/portal".into(),
            params: cogov::notifications::Params {
                subject: "社区居家养老服务".into(),
                ..Default::default()
            },
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let feedback_grant = entity::grant_feedback::Entity::find()
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap()
        .grant_id;
    let mut dearer = Vec::new();
    let mut thin = Vec::new();
    for path in lists() {
        let reader = match path.as_str() {
            "/bids" => "bidder-1@demo.cogov.cn",
            "/panels" => "expert@demo.cogov.cn",
            "/me/notifications" => "bidder-2@demo.cogov.cn",
            "/annual-reports" | "/applications" => "registrar@demo.cogov.cn",
            _ => "admin@demo.cogov.cn",
        };
        let token = if reader == "admin@demo.cogov.cn" {
            admin.clone()
        } else {
            token_of(&app, reader).await
        };
        let concrete = path
            .replace("/grants/{id}/", &format!("/grants/{feedback_grant}/"))
            .replace("/webhooks/{id}/", &format!("/webhooks/{hook_id}/"));
        let url = |limit: u32| format!("/api/v1{concrete}?limit={limit}");
        // Once each first: a token's first use is noted, later ones are not.
        cost(&app, &url(1), &token).await;
        cost(&app, &url(100), &token).await;
        let (one, _) = cost(&app, &url(1), &token).await;
        let (hundred, items) = cost(&app, &url(100), &token).await;
        if items < 2 {
            thin.push(path.clone());
        }
        if one != hundred {
            dearer.push(format!(
                "{path}: {one} statements for 1 row, {hundred} for {items}"
            ));
        }
    }
    assert!(
        dearer.is_empty(),
        "lists that query per row:\n{}",
        dearer.join("\n")
    );
    // Every list had rows enough to tell; the demo holds them all.
    assert!(
        thin.is_empty(),
        "lists with fewer than 2 rows in the demo: {thin:?}"
    );
}

/// Links to rows (`href="/<area>/<uuid>"`) on a page.
fn row_links(html: &str, area: &str) -> usize {
    let prefix = format!("href=\"/{area}/");
    html.match_indices(&prefix)
        .filter(|(at, _)| {
            let rest = &html[at + prefix.len()..];
            rest.len() > 36
                && rest.as_bytes()[36] == b'"'
                && uuid::Uuid::parse_str(&rest[..36]).is_ok()
        })
        .count()
}

/// The public list pages, as a visitor sees them: a page showing many rows
/// costs no more statements than one showing one (the public cache is off here:
/// it would answer the second read without any).
#[tokio::test]
async fn a_list_page_of_many_rows_costs_no_more_statements_than_one_row() {
    let app = spawn_with(|s| s.cache_bytes = 0).await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let (_, orgs) = json(app.get("/api/v1/organizations?limit=1", None).await).await;
    let name = orgs["items"][0]["name"].as_str().unwrap();
    let (_, grants) = json(app.get("/api/v1/grants?limit=1", None).await).await;
    let project = grants["items"][0]["project_id"].as_str().unwrap();
    let pages = [
        (
            "registry",
            format!("/registry?q={}", urlencoding::encode(name)),
            "/registry".to_owned(),
        ),
        (
            "projects",
            "/projects?status=cancelled".to_owned(),
            "/projects".to_owned(),
        ),
        (
            "grants",
            format!("/grants?project_id={project}"),
            "/grants".to_owned(),
        ),
    ];
    for (area, one, many) in pages {
        let mut costs = Vec::new();
        for url in [&one, &many] {
            let before = app.db().statements();
            let resp = app.client.get(url).send().await;
            let after = app.db().statements();
            resp.assert_status_is_ok();
            let html = resp.0.into_body().into_string().await.unwrap();
            costs.push((after - before, row_links(&html, area)));
        }
        let ((few_cost, few), (many_cost, rows)) = (costs[0], costs[1]);
        assert!(few >= 1 && rows > few, "{area}: {few} and {rows} rows");
        // No more for many rows (a rare text on PostgreSQL may cost one
        // more for few: the search reads a window, then its index).
        assert!(
            many_cost <= few_cost,
            "{area}: {few} rows cost {few_cost} statements, {rows} rows {many_cost}"
        );
    }
}
