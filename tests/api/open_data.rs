//! The change feed and OCDS on both databases: a tender from publication to
//! a paid grant, each public change once and in order, bids only after the
//! opening, and the record's compiled release the latest snapshot.

use crate::common::procurement::awarded;
use crate::common::{json, spawn};
use serde_json::{Value, json};

async fn all_events(app: &crate::common::TestApp, query: &str) -> Vec<Value> {
    let mut cursor = String::new();
    let mut out = Vec::new();
    loop {
        let (s, page) = json(
            app.get(
                &format!("/api/v1/events?limit=7&cursor={cursor}{query}"),
                None,
            )
            .await,
        )
        .await;
        assert_eq!(s, 200, "{page}");
        let items = page["items"].as_array().unwrap().clone();
        let next = page["next_cursor"].as_str().unwrap().to_owned();
        if items.is_empty() {
            if !cursor.is_empty() {
                assert_eq!(next, cursor, "an empty page keeps the cursor");
            }
            return out;
        }
        out.extend(items);
        cursor = next;
    }
}

#[tokio::test]
async fn public_changes_reach_the_feed_and_ocds_in_order_with_bids_only_after_the_opening() {
    let app = spawn().await;
    let (e, g) = awarded(&app).await;
    let grant = g["id"].as_str().unwrap().to_owned();
    let project = e.world.project.clone();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/accept"),
            Some(&e.bidders[2].token),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (_, g) = json(app.get(&format!("/api/v1/grants/{grant}"), None).await).await;
    let signing = g["installments"][0]["id"].as_str().unwrap().to_owned();
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/disbursements"),
            Some(&e.world.buyer),
            json!({"installment_id": signing, "amount_fen": 28_500_000, "paid_on": "2026-03-20", "reference": "CY-2026-0001"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");

    // The feed: public events only, in commit order, each once.
    let events = all_events(&app, "").await;
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    let of_project: Vec<&str> = events
        .iter()
        .filter(|e| e["project_id"] == project.as_str())
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        of_project,
        [
            "project.published",
            "project.bids_opened",
            "project.award_notice",
            "grant.created",
            "project.awarded",
            "grant.accepted",
            "grant.disbursed",
        ],
        "{types:?}"
    );
    let cursors: Vec<i64> = events
        .iter()
        .map(|e| e["cursor"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        cursors.windows(2).all(|w| w[0] < w[1]),
        "in order, no repeats"
    );
    assert!(
        types.iter().all(|t| !t.starts_with("bid.")),
        "bids are never events of their own"
    );
    let paid = events
        .iter()
        .find(|e| e["event_type"] == "grant.disbursed")
        .unwrap();
    assert_eq!(paid["data"]["paid_fen"], 28_500_000);
    assert_eq!(paid["data"]["grant_id"], grant.as_str());
    let only = all_events(&app, "&event_type=grant.accepted").await;
    assert_eq!(only.len(), 1);
    let (s, _) = json(app.get("/api/v1/events?cursor=nonsense", None).await).await;
    assert_eq!(s, 400);
    let third = events[2]["cursor"].as_str().unwrap();
    let (_, by_cursor) = json(
        app.get(&format!("/api/v1/events?cursor={third}"), None)
            .await,
    )
    .await;
    let (s, by_after) = json(
        app.get(&format!("/api/v1/events?after={third}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        by_after["items"], by_cursor["items"],
        "after is cursor's other name"
    );
    assert_eq!(by_after["items"][0]["cursor"], events[3]["cursor"]);
    let (s, both) = json(app.get("/api/v1/events?after=1&cursor=2", None).await).await;
    assert_eq!((s, &both["errors"][0]["field"]), (400, &json!("after")));

    // OCDS releases: one per project event, each a snapshot.
    let (s, pkg) = json(app.get("/api/v1/open/ocds/releases?limit=100", None).await).await;
    assert_eq!(s, 200, "{pkg}");
    assert_eq!(pkg["version"], "1.1");
    let releases = pkg["releases"].as_array().unwrap();
    let tags: Vec<&str> = releases
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "tender",
            "tenderUpdate",
            "award",
            "awardUpdate",
            "contract",
            "implementation"
        ]
    );
    let ocid = releases[0]["ocid"].as_str().unwrap().to_owned();
    assert!(ocid.starts_with("ocds-cogov0-CG-"), "{ocid}");
    assert!(
        releases[0].get("bids").is_none(),
        "no bids before the opening"
    );
    let opened = &releases[1];
    assert_eq!(opened["bids"]["details"].as_array().unwrap().len(), 3);
    assert_eq!(opened["tender"]["numberOfTenderers"], 3);
    let tenderer = &opened["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["roles"] == json!(["tenderer"]))
        .unwrap()["identifier"];
    assert_eq!(tenderer["scheme"], "CN-USCI");
    // The department is named by its credit code too: buyer, procuring
    // entity, and payer once it has paid.
    let buyer_id = "CN-USCI-11420102000020300H";
    assert_eq!(releases[0]["buyer"]["id"], buyer_id);
    assert_eq!(releases[0]["tender"]["procuringEntity"]["id"], buyer_id);
    let roles_of_buyer = |r: &Value| {
        let party = r["parties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == buyer_id)
            .unwrap()
            .clone();
        assert_eq!(
            party["identifier"],
            json!({"scheme": "CN-USCI", "id": "11420102000020300H", "legalName": "江岸区民政局"})
        );
        party["roles"].clone()
    };
    assert_eq!(
        roles_of_buyer(&releases[0]),
        json!(["buyer", "procuringEntity"])
    );
    assert_eq!(
        roles_of_buyer(&releases[5]),
        json!(["buyer", "procuringEntity", "payer"])
    );
    let award = &releases[2]["awards"][0];
    assert_eq!(
        (award["status"].as_str(), &award["value"]),
        (
            Some("pending"),
            &json!({"amount": 950_000.0, "currency": "CNY"})
        )
    );
    assert_eq!(releases[3]["awards"][0]["status"], "active");
    assert_eq!(releases[3]["tender"]["status"], "complete");
    assert_eq!(releases[4]["contracts"][0]["status"], "active");
    assert!(releases[4]["contracts"][0]["dateSigned"].is_string());
    let tx = &releases[5]["contracts"][0]["implementation"]["transactions"][0];
    assert_eq!(tx["value"]["amount"], 285_000.0);
    let supplier = releases[5]["awards"][0]["suppliers"][0]["id"].clone();
    assert_eq!(tx["payee"]["id"], supplier);

    // Paging and `since`.
    let (_, first) = json(app.get("/api/v1/open/ocds/releases?limit=4", None).await).await;
    assert_eq!(first["releases"].as_array().unwrap().len(), 4);
    let next = first["links"]["next"].as_str().unwrap();
    let path = next
        .split_once("/api/v1")
        .map(|(_, p)| format!("/api/v1{p}"))
        .unwrap();
    let (_, second) = json(app.get(&path, None).await).await;
    assert_eq!(second["releases"].as_array().unwrap().len(), 2);
    let since = releases[3]["date"].as_str().unwrap();
    let expected = releases
        .iter()
        .filter(|r| {
            chrono::DateTime::parse_from_rfc3339(r["date"].as_str().unwrap()).unwrap()
                >= chrono::DateTime::parse_from_rfc3339(since).unwrap()
        })
        .count();
    assert!(expected < releases.len());
    let (_, recent) = json(
        app.get(
            &format!(
                "/api/v1/open/ocds/releases?since={}",
                urlencoding::encode(since)
            ),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(recent["releases"].as_array().unwrap().len(), expected);

    // The record: every release of the ocid and the compiled latest snapshot.
    let (s, rec) = json(
        app.get(&format!("/api/v1/open/ocds/records/{ocid}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200, "{rec}");
    let record = &rec["records"][0];
    assert_eq!(record["ocid"], ocid.as_str());
    assert_eq!(record["releases"].as_array().unwrap().len(), 6);
    assert_eq!(record["compiledRelease"]["tag"], json!(["compiled"]));
    assert_eq!(
        record["compiledRelease"]["contracts"],
        releases[5]["contracts"]
    );
    // Grants as 360Giving-shaped CSV and JSON.
    let resp = app.get("/api/v1/open/grants.csv", None).await;
    assert_eq!(resp.0.status(), 200);
    let csv = resp.0.into_body().into_string().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("Identifier,Title,Description,Currency,Amount Awarded,Award Date")
    );
    assert!(
        lines[1].starts_with(&format!("360G-cogov-{grant},")),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(",CNY,950000.00,2026-03-17,2026-04-01,")
            && lines[1].contains(",active,285000.00,,CG-"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(&supplier.as_str().unwrap().to_owned()));
    let (s, open) = json(app.get("/api/v1/open/grants.json", None).await).await;
    assert_eq!(s, 200);
    let one = &open["grants"][0];
    assert_eq!(one["amountAwarded"], 950_000.0);
    assert_eq!(one["amountDisbursed"], 285_000.0);
    assert_eq!(one["recipientOrganization"][0]["id"], supplier);
    assert_eq!(one["fundingOrganization"][0]["id"], buyer_id);
    assert_eq!(one["plannedDates"][0]["startDate"], "2026-04-01");

    // The staff sheet: the purchaser's department's grants as XLSX.
    let sheet = app
        .get("/api/v1/grants/export.xlsx", Some(&e.world.buyer))
        .await;
    assert_eq!(sheet.0.status(), 200);
    assert!(
        sheet.0.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(
        sheet.0.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let bytes = sheet.0.into_body().into_bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut cells = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut cells,
    )
    .unwrap();
    assert!(cells.contains(g["title"].as_str().unwrap()), "{cells}");
    assert!(
        cells.contains("<v>950000</v>") && cells.contains("<v>285000</v>"),
        "amount and paid as numbers"
    );
    assert_eq!(
        app.get("/api/v1/grants/export.xlsx", Some(&e.bidders[2].token))
            .await
            .0
            .status(),
        403
    );
    assert_eq!(
        app.get("/api/v1/grants/export.xlsx", None).await.0.status(),
        401
    );

    for missing in ["ocds-cogov0-CG-2099-999999", "elsewhere-CG-1", "x"] {
        let (s, _) = json(
            app.get(&format!("/api/v1/open/ocds/records/{missing}"), None)
                .await,
        )
        .await;
        assert_eq!(s, 404, "{missing}");
    }
}

#[tokio::test]
async fn the_account_list_comes_as_xlsx_for_admins_and_auditors_only() {
    let app = crate::common::spawn().await;
    let (_, admin) = app
        .user_with_token("ops@cogov.cn", cogov::auth::Role::Admin)
        .await;
    let (_, member) = app
        .user_with_token("someone@org.cn", cogov::auth::Role::OrgMember)
        .await;
    let sheet = app.get("/api/v1/users/export.xlsx", Some(&admin)).await;
    assert_eq!(sheet.0.status(), 200);
    let bytes = sheet.0.into_body().into_bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(strings.contains("ops@cogov.cn") && strings.contains("someone@org.cn"));
    assert_eq!(
        app.get("/api/v1/users/export.xlsx", Some(&member))
            .await
            .0
            .status(),
        403
    );
}
