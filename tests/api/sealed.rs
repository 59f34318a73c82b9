//! Bid secrecy on every path: a marked bid (unique price, texts, file name
//! and content) and a replaced earlier version with markers of its own are
//! planted; then every GET operation of the OpenAPI document (each path
//! parameter tried with every id the test knows) and every page reachable
//! from "/" are fetched as every identity. Before the opening no marker
//! shows anywhere but to the bidder itself, and none is in a copy of the
//! database or the data directory; after it, the replaced version's
//! markers still show only to its bidder. Operations and pages added later
//! are walked without anyone listing them.

use std::collections::{BTreeSet, VecDeque};

use crate::common::procurement::{bid, bidder, upload_for_bid, world};
use crate::common::{PASSWORD, TestApp, json, spawn_with};
use chrono::{TimeZone, Utc};
use cogov::auth::Role;
use cogov::clock::Clock;
use serde_json::json;

/// What the live version says; `price` in fen.
struct Marks {
    tag: &'static str,
    price: i64,
}

const LIVE: Marks = Marks {
    tag: "LIVEMARK",
    price: 87_654_321,
};
const OLD: Marks = Marks {
    tag: "OLDMARK",
    price: 76_543_219,
};

impl Marks {
    fn body(&self) -> serde_json::Value {
        json!({
            "price_fen": self.price,
            "technical_proposal": format!("{}-proposal 入户评估", self.tag),
            "team": format!("{}-team", self.tag),
            "plan": format!("{}-plan", self.tag),
        })
    }

    fn file_name(&self) -> String {
        format!("{}-annex.pdf", self.tag)
    }

    fn file_content(&self) -> Vec<u8> {
        format!(
            "%PDF-1.7\n%{}-content\n1 0 obj<<>>endobj\n%%EOF\n",
            self.tag
        )
        .into_bytes()
    }

    /// Every way the marks could show: the tag (texts, file name and
    /// content), and the price in fen and in yuan as pages and exports
    /// write it.
    fn found_in(&self, text: &str) -> Option<String> {
        let fen = self.price.to_string();
        let yuan = format!("{}.{:02}", self.price / 100, self.price % 100);
        let grouped = format!(
            "{},{:03}.{:02}",
            self.price / 100 / 1000,
            self.price / 100 % 1000,
            self.price % 100
        );
        [self.tag.to_owned(), fen, yuan, grouped]
            .into_iter()
            .find(|m| text.contains(m.as_str()))
    }
}

struct Planted {
    project: String,
    ids: Vec<String>,
    marked_token: String,
    old_bid: String,
    live_bid: String,
}

/// A published tender with a full panel, the marked organization's bid
/// (first `OLD`, replaced by `LIVE`, each with its file) and a competitor's.
async fn plant(app: &TestApp) -> (crate::common::procurement::World, Planted, String) {
    let w = world(app).await;
    let p = w.project.clone();
    let mut ids = vec![p.clone()];
    let mut experts = Vec::new();
    for n in 1..=4 {
        let (u, _) = app
            .user_with_token(&format!("panel{n}@pool.cn"), Role::Expert)
            .await;
        experts.push(u.id.to_string());
    }
    let (_, me) = json(app.get("/api/v1/me", Some(&w.expert)).await).await;
    experts.push(me["id"].as_str().unwrap().to_owned());
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/panel"),
            Some(&w.buyer),
            json!({ "expert_ids": experts }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    ids.extend(experts);

    let (marked_org, marked_token) = bidder(app, 1).await;
    let (competitor_org, competitor) = bidder(app, 2).await;
    ids.push(marked_org.to_string());
    ids.push(competitor_org.to_string());

    let old_file = upload_for_bid(
        app,
        &marked_token,
        &p,
        &OLD.file_name(),
        &OLD.file_content(),
    )
    .await;
    let mut body = OLD.body();
    body["file_ids"] = json!([old_file]);
    let resp = app
        .client
        .post(format!("/api/v1/projects/{p}/bids"))
        .header("authorization", format!("Bearer {marked_token}"))
        .header("idempotency-key", "marked-bid-1")
        .body_json(&body)
        .send()
        .await;
    let (s, r) = json(resp).await;
    assert_eq!(s, 201, "{r}");
    let old_bid = r["receipt"]["bid_id"].as_str().unwrap().to_owned();

    let live_file = upload_for_bid(
        app,
        &marked_token,
        &p,
        &LIVE.file_name(),
        &LIVE.file_content(),
    )
    .await;
    let mut body = LIVE.body();
    body["file_ids"] = json!([live_file]);
    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/bids/{old_bid}/replace"),
            Some(&marked_token),
            body,
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let live_bid = r["receipt"]["bid_id"].as_str().unwrap().to_owned();
    assert_eq!(
        r["bid"]["price_fen"], LIVE.price,
        "the bidder reads its own bid"
    );

    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/bids"),
            Some(&competitor),
            bid(99_000_000),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    ids.push(r["receipt"]["bid_id"].as_str().unwrap().to_owned());
    let (_, project) = json(app.get(&format!("/api/v1/projects/{p}"), None).await).await;
    ids.push(format!(
        "ocds-cogov0-{}",
        project["number"].as_str().unwrap()
    ));
    ids.extend([old_bid.clone(), live_bid.clone(), old_file, live_file]);
    (
        w,
        Planted {
            project: p,
            ids,
            marked_token,
            old_bid,
            live_bid,
        },
        competitor,
    )
}

/// Every GET of the document, each path parameter filled with each known
/// id, lists asked for their longest page; plus the audit listing filtered
/// by the project and by sealed entries.
fn every_read(ids: &[String], project: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(&cogov::api::spec_json()).unwrap();
    let mut urls = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        if path.contains('{') {
            for id in ids {
                let filled: Vec<String> = path
                    .split('/')
                    .map(|seg| {
                        if seg.starts_with('{') {
                            id.clone()
                        } else {
                            seg.to_owned()
                        }
                    })
                    .collect();
                urls.insert(format!("/api/v1{}?limit=100", filled.join("/")));
            }
        } else {
            urls.insert(format!("/api/v1{path}?limit=100"));
        }
    }
    urls.insert(format!("/api/v1/audit?limit=100&entity_id={project}"));
    urls.insert("/api/v1/audit?limit=100&entity_type=sealed_bid".into());
    urls.insert("/api/v1/audit?limit=100&entity_type=file".into());
    urls.into_iter().collect()
}

/// Fetches every read as `token` and returns the first marker of `marks`
/// seen, with where.
async fn api_leak(
    app: &TestApp,
    urls: &[String],
    token: Option<&str>,
    marks: &Marks,
) -> Option<String> {
    for url in urls {
        let resp = app.get(url, token).await;
        let status = resp.0.status().as_u16();
        let bytes = resp.0.into_body().into_bytes().await.unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(status < 500, "{url}: {status} {text}");
        if let Some(m) = marks.found_in(&text) {
            return Some(format!("{m} in {url} ({status})"));
        }
    }
    None
}

/// Every page reachable from "/" (same-site links, breadth first, up to a
/// bound) as `who` (signed in when an e-mail is given); the first marker
/// seen, with where.
async fn page_leak(
    app: &TestApp,
    who: Option<&str>,
    extra: &[String],
    marks: &Marks,
) -> Option<String> {
    let mut browser = app.browser();
    if let Some(email) = who {
        assert_eq!(browser.login(email, PASSWORD).await.status, 303, "{email}");
    }
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = std::iter::once("/".to_owned())
        .chain(extra.iter().cloned())
        .collect();
    while let Some(url) = queue.pop_front() {
        if seen.len() >= 250 || !seen.insert(url.clone()) {
            continue;
        }
        let page = browser.get(&url).await;
        assert!(page.status < 500, "{url}: {}", page.status);
        if let Some(m) = marks.found_in(&page.body) {
            return Some(format!("{m} on {url} ({})", page.status));
        }
        for part in page.body.split("href=\"").skip(1) {
            let link = part
                .split('"')
                .next()
                .unwrap_or_default()
                .replace("&amp;", "&");
            let link = link.split('#').next().unwrap_or_default().to_owned();
            if link.starts_with('/')
                && !link.starts_with("//")
                && !link.starts_with("/logout")
                && !link.starts_with("/static")
                && !link.starts_with("/api/docs")
                && !seen.contains(&link)
            {
                queue.push_back(link);
            }
        }
    }
    None
}

/// The bytes of every file under `dir`.
fn every_file(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            every_file(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path.display().to_string(), bytes));
        }
    }
}

/// What a copy of the database holds, as text: the SQLite file, its WAL
/// and the files directory; on PostgreSQL every table's rows as JSON.
async fn at_rest(app: &TestApp) -> Vec<(String, String)> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    if app.db().backend() == DbBackend::Postgres {
        let conn = app.db().conn();
        let tables = conn
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public'",
            ))
            .await
            .unwrap();
        let mut out = Vec::new();
        for row in tables {
            let t: String = row.try_get("", "t").unwrap();
            let dump = conn
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("SELECT coalesce(json_agg(x)::text, '') AS j FROM \"{t}\" x"),
                ))
                .await
                .unwrap()
                .unwrap();
            out.push((t, dump.try_get::<String>("", "j").unwrap()));
        }
        let mut files = Vec::new();
        every_file(&app.state.settings.data_dir.join("files"), &mut files);
        out.extend(
            files
                .into_iter()
                .map(|(n, b)| (n, String::from_utf8_lossy(&b).into_owned())),
        );
        out
    } else {
        let mut files = Vec::new();
        every_file(&app.state.settings.data_dir, &mut files);
        files
            .into_iter()
            .map(|(n, b)| (n, String::from_utf8_lossy(&b).into_owned()))
            .collect()
    }
}

#[tokio::test]
async fn nobody_but_the_bidder_learns_anything_of_a_bid_before_the_opening_nor_of_a_replaced_version_after()
 {
    let app = spawn_with(|s| s.api_rate_per_minute = 0).await;
    let (w, planted, competitor) = plant(&app).await;
    let p = planted.project.clone();
    let (_, registrar) = app
        .user_with_token("registrar@mca.gov.cn", Role::Registrar)
        .await;
    let urls = every_read(&planted.ids, &p);
    let outsiders: Vec<(&str, Option<&str>)> = vec![
        ("anonymous", None),
        ("admin", Some(&w.admin)),
        ("auditor", Some(&w.auditor)),
        ("purchaser", Some(&w.buyer)),
        ("panel expert", Some(&w.expert)),
        ("competing bidder", Some(&competitor)),
        ("registrar", Some(&registrar)),
    ];
    let evaluation = format!("/projects/{p}/evaluation");
    let pages = vec![format!("/projects/{p}"), evaluation.clone()];
    let people = [
        ("anonymous", None),
        ("admin", Some("root@gov.cn")),
        ("auditor", Some("auditor@gov.cn")),
        ("purchaser", Some("buyer@gov.cn")),
        ("panel expert", Some("expert@gov.cn")),
        ("competing bidder", Some("admin2@org.cn")),
        ("registrar", Some("registrar@mca.gov.cn")),
    ];

    // Before the opening: nothing of either version, anywhere.
    for marks in [&LIVE, &OLD] {
        for (who, token) in &outsiders {
            let leak = api_leak(&app, &urls, *token, marks).await;
            assert!(leak.is_none(), "{who} learns of the bid: {leak:?}");
        }
        for (who, email) in &people {
            let leak = page_leak(&app, *email, &pages, marks).await;
            assert!(leak.is_none(), "{who} sees the bid on a page: {leak:?}");
        }
        for (name, text) in at_rest(&app).await {
            assert!(
                marks.found_in(&text).is_none(),
                "a copy of {name} holds the bid in clear"
            );
        }
    }
    // The walk can see a marker: the bidder's own reads show it.
    assert!(
        api_leak(&app, &urls, Some(&planted.marked_token), &LIVE)
            .await
            .is_some()
    );
    assert!(
        api_leak(&app, &urls, Some(&planted.marked_token), &OLD)
            .await
            .is_some()
    );
    assert!(
        page_leak(&app, Some("admin1@org.cn"), &pages, &LIVE)
            .await
            .is_some()
    );
    // The audit listing keeps every place in the chain and says which are sealed.
    let (_, audit) = json(app.get("/api/v1/audit?limit=100", Some(&w.auditor)).await).await;
    let items = audit["items"].as_array().unwrap();
    let sealed = items.iter().filter(|e| e["sealed"] == true).count();
    assert!(
        sealed >= 7,
        "uploads, submissions, replacement, attachments: {sealed}"
    );
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] == w[1] + 1),
        "no gaps: {seqs:?}"
    );

    // The opening.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap());
    cogov::procurement::bids::open_due(app.db(), "sealed", app.clock.now())
        .await
        .unwrap();
    let (_, opening) = json(
        app.get(&format!("/api/v1/projects/{p}/opening"), None)
            .await,
    )
    .await;
    assert_eq!(opening["entries"].as_array().unwrap().len(), 2, "{opening}");
    // The panel expert declares and may then read the live bids.
    for e in opening["entries"].as_array().unwrap() {
        let (s, r) = json(
            app.post_json(
                &format!("/api/v1/projects/{p}/declarations"),
                Some(&w.expert),
                json!({"organization_id": e["organization_id"], "conflict": false}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201, "{r}");
    }
    let (s, live) = json(
        app.get(
            &format!("/api/v1/bids/{}", planted.live_bid),
            Some(&w.buyer),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, live["bid"]["price_fen"].as_i64()),
        (200, Some(LIVE.price))
    );
    let (_, audit) = json(app.get("/api/v1/audit?limit=100", Some(&w.auditor)).await).await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("sealed").is_none()),
        "shown whole after the opening"
    );

    // After it: the replaced version stays its bidder's.
    for (who, token) in &outsiders {
        let leak = api_leak(&app, &urls, *token, &OLD).await;
        assert!(leak.is_none(), "{who} reads the replaced version: {leak:?}");
    }
    for (who, email) in &people {
        let leak = page_leak(&app, *email, &pages, &OLD).await;
        assert!(leak.is_none(), "{who} sees the replaced version: {leak:?}");
    }
    let (s, old) = json(
        app.get(
            &format!("/api/v1/bids/{}", planted.old_bid),
            Some(&planted.marked_token),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, old["bid"]["price_fen"].as_i64()),
        (200, Some(OLD.price))
    );
    assert!(api_leak(&app, &urls, Some(&w.buyer), &LIVE).await.is_some());
    assert!(
        at_rest(&app)
            .await
            .iter()
            .any(|(_, text)| LIVE.found_in(text).is_some()),
        "the copy is read for real: the opening wrote the live bid in clear"
    );
}
