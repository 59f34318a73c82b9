//! The registry search through its text index: every length of query, the
//! substring semantics and escaping it always had, codes, regions, paging,
//! renames, and the figures and export that read the registry whole.

use crate::common::{TestApp, json, spawn};
use cogov::clock::Clock as _;
use cogov::registry::uscc::{Category, Uscc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

const NAMES: [(&str, &str); 10] = [
    ("阳光养老院", "420102"),
    ("武汉市院协会", "420102"),
    ("北京市养老服务中心", "110101"),
    ("50%公益促进会", "420102"),
    ("a_b科技协会", "330106"),
    ("ab科技协会", "330106"),
    ("ABC公益协会", "330106"),
    ("湖北省老年协会", "420000"),
    ("乡村😀振兴会", "420102"),
    ("会", "110101"),
];

fn code(i: usize) -> String {
    Uscc::generate(Category::SocialGroup, NAMES[i].1, 100 + i as u32)
        .unwrap()
        .as_str()
        .to_owned()
}

async fn registry(app: &TestApp) {
    let mut csv = String::from(
        "uscc,name,org_type,public_offering,division_code,field,supervising_unit,address,legal_representative,business_scope,funds_yuan,registered_on,status,grade,grade_awarded_on\n",
    );
    for (i, (name, division)) in NAMES.iter().enumerate() {
        csv.push_str(&format!(
            "{},{name},social_group,,{division},community_service,,某地,张三,服务,1000.00,2019-0{}-01,active,,\n",
            code(i),
            1 + i % 9
        ));
    }
    let report = cogov::registry::import::import_csv(
        app.db(),
        std::io::Cursor::new(csv.clone().into_bytes()),
        app.clock.now(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.created, NAMES.len() as u64, "{:?}", report.rejected);
}

async fn names(app: &TestApp, query: &str) -> Vec<String> {
    let (status, body) = json(
        app.get(&format!("/api/v1/organizations?{query}"), None)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{query}: {body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

fn q(s: &str) -> String {
    format!("q={}", urlencoding::encode(s))
}

#[tokio::test]
async fn every_length_of_query_finds_exactly_the_names_that_contain_it() {
    let app = spawn().await;
    registry(&app).await;
    // One character, two (a word such as 养老), three, and more.
    assert_eq!(
        names(&app, &q("养")).await,
        ["阳光养老院", "北京市养老服务中心"]
    );
    assert_eq!(
        names(&app, &q("养老")).await,
        ["阳光养老院", "北京市养老服务中心"]
    );
    assert_eq!(names(&app, &q("老院")).await, ["阳光养老院"]);
    assert_eq!(
        names(&app, &q("养老服务中心")).await,
        ["北京市养老服务中心"]
    );
    // Every bigram of 养老院协会 is in some name, but no name holds it whole.
    assert!(names(&app, &q("养老院协会")).await.is_empty());
    assert!(names(&app, &q("量子")).await.is_empty());
    // The whole name of one character.
    assert_eq!(names(&app, &q("会")).await.len(), 8);
    // Wildcards are literal; ASCII letters fold; other scripts are characters.
    assert_eq!(names(&app, &q("50%")).await, ["50%公益促进会"]);
    assert!(names(&app, &q("%")).await == ["50%公益促进会"]);
    assert_eq!(names(&app, &q("a_b")).await, ["a_b科技协会"]);
    assert_eq!(names(&app, &q("_")).await, ["a_b科技协会"]);
    assert_eq!(names(&app, &q("abc")).await, ["ABC公益协会"]);
    assert_eq!(names(&app, &q("AB")).await, ["ab科技协会", "ABC公益协会"]);
    assert_eq!(names(&app, &q("😀振")).await, ["乡村😀振兴会"]);
    // A code typed into the box finds its organization.
    assert_eq!(names(&app, &q(&code(2))).await, ["北京市养老服务中心"]);
    // Regions, alone and with text: a province covers its cities and counties.
    assert_eq!(
        names(&app, "region=420000").await,
        [
            "阳光养老院",
            "武汉市院协会",
            "50%公益促进会",
            "湖北省老年协会",
            "乡村😀振兴会"
        ]
    );
    assert_eq!(
        names(&app, &format!("region=420100&{}", q("会"))).await,
        ["武汉市院协会", "50%公益促进会", "乡村😀振兴会"]
    );
    assert!(
        names(&app, &format!("region=330000&{}", q("养老")))
            .await
            .is_empty()
    );
    // A long query is answered, not refused or scanned.
    let long = "养".repeat(100);
    assert!(names(&app, &q(&long)).await.is_empty());
}

#[tokio::test]
async fn pages_of_a_search_cover_every_match_once_in_registration_order() {
    let app = spawn().await;
    registry(&app).await;
    let all = names(&app, &format!("limit=100&{}", q("会"))).await;
    let mut paged = Vec::new();
    let mut cursor = None::<String>;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/organizations?limit=2&{}&cursor={c}", q("会")),
            None => format!("/api/v1/organizations?limit=2&{}", q("会")),
        };
        let (_, body) = json(app.get(&path, None).await).await;
        for o in body["items"].as_array().unwrap() {
            paged.push(o["name"].as_str().unwrap().to_owned());
        }
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, all);
    let expected: Vec<&str> = NAMES
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.contains('会'))
        .collect();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_renamed_organization_is_found_by_its_new_name_only() {
    let app = spawn().await;
    registry(&app).await;
    let (_, found) = json(
        app.get(&format!("/api/v1/organizations?{}", q("阳光养老院")), None)
            .await,
    )
    .await;
    let id: uuid::Uuid = found["items"][0]["id"].as_str().unwrap().parse().unwrap();
    let before = cogov::registry::organizations::get(app.db().conn(), id)
        .await
        .unwrap();
    let after = entity::organizations::Model {
        name: "晨曦敬老院".into(),
        ..before.clone()
    };
    let tx = app.db().begin().await.unwrap();
    cogov::registry::organizations::save(
        &*tx,
        &cogov::audit::Who::system(),
        &before,
        &after,
        "organization.change",
        cogov::open::Event::OrganizationChanged(id),
        app.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(names(&app, &q("敬老")).await, ["晨曦敬老院"]);
    assert_eq!(names(&app, &q("养老")).await, ["北京市养老服务中心"]);
}

#[tokio::test]
async fn the_figures_count_what_was_imported_and_the_export_streams_it_all() {
    let app = spawn().await;
    let (_, before) = json(app.get("/api/v1/stats", None).await).await;
    let count = |stats: &Value, key: &str| -> i64 {
        stats["organizations_by_region"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map_or(0, |c| c["value"].as_i64().unwrap())
    };
    registry(&app).await;
    let (_, after) = json(app.get("/api/v1/stats", None).await).await;
    assert_eq!(count(&after, "420000") - count(&before, "420000"), 5);
    assert_eq!(count(&after, "330000") - count(&before, "330000"), 3);
    let by_type = |stats: &Value| -> i64 {
        stats["organizations_by_type"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "social_group")
            .map_or(0, |c| c["value"].as_i64().unwrap())
    };
    assert_eq!(by_type(&after) - by_type(&before), 10);
    // The import is one audit entry for its batch, and history agrees.
    let batches = entity::audit_entries::Entity::find()
        .filter(entity::audit_entries::Column::Action.eq("registry.import"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(batches, 1);
    app.assert_history_agrees().await;
    let response = app.get("/api/v1/organizations/export.csv", None).await;
    response.assert_status_is_ok();
    let text = response.0.into_body().into_string().await.unwrap();
    for (name, _) in NAMES {
        assert!(text.contains(name), "{name} missing from the export");
    }
    assert!(text.starts_with("uscc,name,"));
}

/// On PostgreSQL a text search reads a window of 2,000 organizations in
/// order before it asks the grams index for the rest: matches on both sides
/// of the window's edge, paged a few at a time, come back all, once each,
/// in registration order (SQLite reads its text index throughout; the same
/// answers hold).
#[tokio::test]
async fn paging_across_the_search_window_finds_every_match_once_in_order() {
    let app = spawn().await;
    let window = cogov::registry::search::WINDOW as usize;
    let total = window + 600;
    let matching: Vec<usize> = (window - 5..window + 5).chain([total - 10]).collect();
    let mut csv = String::from(
        "uscc,name,org_type,public_offering,division_code,field,supervising_unit,address,legal_representative,business_scope,funds_yuan,registered_on,status,grade,grade_awarded_on\n",
    );
    for i in 0..total {
        let name = if matching.contains(&i) {
            format!("稀见养老互助会{i}")
        } else {
            format!("普通社区协会{i}")
        };
        let code = Uscc::generate(Category::SocialGroup, "420102", 1_000 + i as u32).unwrap();
        csv.push_str(&format!(
            "{},{name},social_group,,420102,community_service,,某地,张三,服务,1000.00,2019-01-01,active,,\n",
            code.as_str()
        ));
    }
    let report = cogov::registry::import::import_csv(
        app.db(),
        std::io::Cursor::new(csv.clone().into_bytes()),
        app.clock.now(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.created, total as u64, "{:?}", report.rejected);
    let expected: Vec<String> = matching
        .iter()
        .map(|i| format!("稀见养老互助会{i}"))
        .collect();

    assert_eq!(
        names(&app, &format!("{}&limit=100", q("稀见"))).await,
        expected
    );
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let query = match &cursor {
            Some(c) => format!("{}&limit=3&cursor={c}", q("稀见")),
            None => format!("{}&limit=3", q("稀见")),
        };
        let (status, body) = json(
            app.get(&format!("/api/v1/organizations?{query}"), None)
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        seen.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_owned()),
        );
        cursor = body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(
        seen, expected,
        "every match once, in order, across the window"
    );

    // Common text with a filter (on PostgreSQL, once its statistics say the
    // text is common, read in order through the filter): pages in order.
    let common = format!("{}&region=420102&limit=4", q("社区协会"));
    let (_, first) = json(
        app.get(&format!("/api/v1/organizations?{common}"), None)
            .await,
    )
    .await;
    let page: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        page,
        [
            "普通社区协会0",
            "普通社区协会1",
            "普通社区协会2",
            "普通社区协会3"
        ]
    );
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_eq!(
        names(&app, &format!("{common}&cursor={cursor}")).await,
        [
            "普通社区协会4",
            "普通社区协会5",
            "普通社区协会6",
            "普通社区协会7"
        ]
    );
}

/// Odd and oversized questions get an answer or a 4xx naming the field,
/// never a 500: a 1,000-character text, wildcards and quotes, emoji, a
/// huge limit, a cursor that is not one.
#[tokio::test]
async fn odd_questions_get_an_answer_or_a_4xx() {
    let app = spawn().await;
    registry(&app).await;
    let long = "养老服务中心".repeat(167);
    for query in [
        q(&long),
        q("%%%%"),
        q("_"),
        q("'\"; DROP TABLE organizations; --"),
        q("😀😀"),
        q("\u{3000}"),
        format!("{}&region=42", q("会")),
        "limit=1000000".to_owned(),
        "limit=-1".to_owned(),
        "cursor=not-a-cursor".to_owned(),
        format!("cursor={}", "A".repeat(2_000)),
    ] {
        let (status, body) = json(
            app.get(&format!("/api/v1/organizations?{query}"), None)
                .await,
        )
        .await;
        assert!(
            status == 200 || (400..500).contains(&status),
            "{query}: {status} {body}"
        );
        if status != 200 {
            assert!(
                body["title"].is_string() || body["detail"].is_string(),
                "{query}: {body}"
            );
        }
    }
    // A text longer than the document's 100 characters is refused by name.
    let (status, body) = json(
        app.get(&format!("/api/v1/organizations?{}", q(&long)), None)
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["field"], "q");
    assert_eq!(names(&app, &q("%%%%")).await, Vec::<String>::new());
    assert_eq!(names(&app, &q("😀😀")).await, Vec::<String>::new());
}

/// The lists of people take `%`, `_` and `\` as themselves too.
#[tokio::test]
async fn people_searches_take_wildcards_literally() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let (_, admin) = app
        .user_with_token("wild@search.test", cogov::auth::Role::Admin)
        .await;
    let count = |path: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let (status, body) = json(app.get(&path, Some(&admin)).await).await;
            assert_eq!(status, 200, "{path}: {body}");
            body["items"].as_array().unwrap().len()
        }
    };
    assert!(count("/api/v1/users?q=demo".into()).await > 0);
    assert!(count("/api/v1/experts?q=".into()).await > 0);
    for wild in ["%25", "_", "%5C"] {
        assert_eq!(count(format!("/api/v1/users?q={wild}")).await, 0, "{wild}");
        assert_eq!(
            count(format!("/api/v1/experts?q={wild}")).await,
            0,
            "{wild}"
        );
    }
}

/// Spreads the rows of a table numbered by `seq` far apart, so that
/// PostgreSQL's window before the grams index holds one at most and every
/// page of a search reaches beyond it.
async fn spread_apart<E: sea_orm::EntityTrait>(app: &TestApp, id: E::Column, seq: E::Column) {
    use sea_orm::{QueryOrder, QuerySelect};
    let rows: Vec<(uuid::Uuid, i64)> = E::find()
        .select_only()
        .column(id)
        .column(seq)
        .order_by_desc(seq)
        .into_tuple()
        .all(app.db().conn())
        .await
        .unwrap();
    let n = rows.len() as i64;
    for (i, (row, at)) in rows.into_iter().enumerate() {
        let moved = at + (n - i as i64) * 3 * cogov::grams::WINDOW;
        E::update_many()
            .col_expr(seq, sea_orm::sea_query::Expr::value(moved))
            .filter(id.eq(row))
            .exec(app.db().conn())
            .await
            .unwrap();
    }
}

/// A cursor naming no row of the list is refused by name, not answered.
async fn refuses_a_cursor_it_did_not_issue(app: &TestApp, path: &str, token: &str) {
    let stranger = cogov::pagination::encode(uuid::Uuid::now_v7());
    let (s, body) = json(
        app.get(&format!("{path}&cursor={stranger}"), Some(token))
            .await,
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert_eq!(body["errors"][0]["field"], "cursor", "{body}");
}

/// The ids of every item of a list, following its cursors from `path`.
async fn every_page(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let at = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let (s, page) = json(app.get(&at, Some(token)).await).await;
        assert_eq!(s, 200, "{at}: {page}");
        for item in page["items"].as_array().unwrap() {
            found.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return found,
        }
    }
}

/// Project titles through their text index (migration 000055): every
/// length of query, ASCII folding, wildcards literal, an exact number, page
/// by page in creation order, and a renamed draft found by its new title
/// only. What the list answers is compared with every title tested in Rust.
#[tokio::test]
async fn project_titles_are_found_by_every_substring_page_by_page() {
    use entity::projects;
    use sea_orm::QueryOrder;
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let buyer = entity::users::Entity::find()
        .filter(entity::users::Column::Email.eq("purchaser@demo.cogov.cn"))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let token = app.token(&buyer, true).await;
    let (_, catalog) = json(app.get("/api/v1/catalog", None).await).await;
    let category = catalog["items"][0]["id"].as_str().unwrap().to_owned();
    let deadline = (app.clock.now() + chrono::Duration::days(90)).to_rfc3339();
    let draft = |title: &str| {
        serde_json::json!({
            "title": title,
            "description": "检索测试项目。",
            "category_id": category,
            "region_code": "110105",
            "budget_fen": 1_000_000,
            "method": "public_tender",
            "service_start": "2027-04-01",
            "service_end": "2028-03-31",
            "eligibility": [],
            "criteria": [{"name": "服务方案", "weight": 100}],
            "bid_deadline": deadline,
        })
    };
    // A published project's number, and a draft whose title holds it: a
    // search for the number finds both, in order.
    let first_published = projects::Entity::find()
        .filter(projects::Column::Status.ne("draft"))
        .order_by_asc(projects::Column::Seq)
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let follow_up = format!("续：{}", first_published.number);
    let mut ids = Vec::new();
    for title in [
        follow_up.as_str(),
        "社区养老服务",
        "养老院护理",
        "青少年50%_活动",
        "ABC社工站",
        "abc培训",
        "会",
        "乡村😀振兴",
    ] {
        let (s, body) = json(
            app.post_json("/api/v1/projects", Some(&token), draft(title))
                .await,
        )
        .await;
        assert_eq!(s, 201, "{body}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }

    // Every query, public and the department's own (drafts too), against
    // the substring test on every row: with the projects numbered one after
    // another, then spread apart so that PostgreSQL's window before the
    // grams index holds one at most and every page reaches beyond it.
    for spread in [false, true] {
        if spread {
            spread_apart::<projects::Entity>(&app, projects::Column::Id, projects::Column::Seq)
                .await;
        }
        let rows = projects::Entity::find()
            .order_by_asc(projects::Column::Seq)
            .all(app.db().conn())
            .await
            .unwrap();
        let published = rows
            .iter()
            .find(|p| p.status != entity::projects::Status::Draft)
            .unwrap();
        let mut queries: Vec<String> = [
            "养",
            "养老",
            "老院",
            "养老服务",
            "养老院协会",
            "50%",
            "%",
            "_",
            "%_",
            "abc",
            "ABC",
            "社工",
            "会",
            "😀振",
            "量子",
            "CG-",
            "",
        ]
        .map(str::to_owned)
        .to_vec();
        queries.push(published.number.clone());
        queries.push(published.title.chars().skip(1).take(3).collect());
        for q in &queries {
            for mine in [false, true] {
                let fold = |s: &str| s.to_ascii_lowercase();
                let expected: Vec<String> = rows
                    .iter()
                    .filter(|p| {
                        if mine {
                            p.department_id == buyer.department_id.unwrap()
                        } else {
                            p.status != entity::projects::Status::Draft
                        }
                    })
                    .filter(|p| fold(&p.title).contains(&fold(q)) || p.number == *q)
                    .map(|p| p.id.to_string())
                    .collect();
                let mut path = format!("/api/v1/projects?limit=2&{}", self::q(q));
                if mine {
                    path.push_str("&mine=true");
                }
                let found = every_page(&app, &path, &token).await;
                assert_eq!(found, expected, "q={q} mine={mine} spread={spread}");
            }
        }
    }

    let path = format!(
        "/api/v1/projects?mine=true&limit=1&{}",
        q(&first_published.number)
    );
    assert_eq!(
        every_page(&app, &path, &token).await.len(),
        2,
        "the number's project and the title holding it"
    );

    refuses_a_cursor_it_did_not_issue(&app, "/api/v1/projects?limit=2", &token).await;
    refuses_a_cursor_it_did_not_issue(&app, "/api/v1/projects?limit=2&q=%E5%85%BB", &token).await;

    // A renamed draft is found by its new title, not its old one.
    let mut renamed = draft("青少年心理辅导");
    renamed["title"] = "青少年心理辅导".into();
    let (s, body) = json(
        app.put_json(
            &format!("/api/v1/projects/{}", ids[1]),
            Some(&token),
            renamed,
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let titles = |q: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let (_, page) = json(
                app.get(
                    &format!("/api/v1/projects?mine=true&{}", self::q(q)),
                    Some(&token),
                )
                .await,
            )
            .await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(titles("心理辅导").await, ["青少年心理辅导"]);
    assert_eq!(titles("社区养老").await, Vec::<String>::new());
}

/// Accounts through their text index (migration 000056): the e-mail or the
/// name holds the query, never the two run together; page by page in
/// creation order, spread apart as in the projects' test; a renamed
/// account is found by its new name only.
#[tokio::test]
async fn accounts_are_found_by_email_or_name_page_by_page() {
    use entity::users;
    use sea_orm::QueryOrder;
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let (_, admin) = app
        .user_with_token("search-admin@search.test", cogov::auth::Role::Admin)
        .await;
    let queries = [
        "demo",
        "DEMO",
        "bidder",
        "@",
        "cn",
        ".cogov.cn",
        "管理",
        "采购",
        "量子",
        "%",
        "_",
        "n管",
        "cn管理",
        "search-admin",
    ];
    for spread in [false, true] {
        if spread {
            spread_apart::<users::Entity>(&app, users::Column::Id, users::Column::Seq).await;
        }
        let rows = users::Entity::find()
            .order_by_asc(users::Column::Seq)
            .all(app.db().conn())
            .await
            .unwrap();
        for q in queries {
            let fold = |s: &str| s.to_ascii_lowercase();
            let expected: Vec<String> = rows
                .iter()
                .filter(|u| {
                    fold(&u.email).contains(&fold(q)) || fold(&u.display_name).contains(&fold(q))
                })
                .map(|u| u.id.to_string())
                .collect();
            let path = format!("/api/v1/users?limit=3&{}", self::q(q));
            let found = every_page(&app, &path, &admin).await;
            assert_eq!(found, expected, "q={q} spread={spread}");
            if ["demo", "管理", "采购"].contains(&q) {
                assert!(!found.is_empty(), "{q}");
            }
        }
    }

    refuses_a_cursor_it_did_not_issue(&app, "/api/v1/users?limit=3&q=demo", &admin).await;

    // A renamed account is found by its new name, not its old one.
    let someone = users::Entity::find()
        .filter(users::Column::Email.eq("search-admin@search.test"))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let rename = |name: &'static str| {
        let app = &app;
        async move {
            users::Entity::update_many()
                .col_expr(
                    users::Column::DisplayName,
                    sea_orm::sea_query::Expr::value(name),
                )
                .filter(users::Column::Id.eq(someone.id))
                .exec(app.db().conn())
                .await
                .unwrap();
        }
    };
    let count = |q: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let (_, page) = json(
                app.get(&format!("/api/v1/users?{}", self::q(q)), Some(&admin))
                    .await,
            )
            .await;
            page["items"].as_array().unwrap().len()
        }
    };
    rename("量子检索员").await;
    assert_eq!(count("量子检索").await, 1);
    rename("星河").await;
    assert_eq!(count("量子检索").await, 0);
    assert_eq!(count("星河").await, 1);
}
