//! Procurement through the pages: the public list and detail, the
//! purchaser's workspace and forms, and an organization's bid with receipts.

use crate::common::{Page, spawn};
use cogov::clock::Clock;
use cogov::demo::DEMO_PASSWORD;

/// The first link under `prefix` to a thing (not to `new`).
fn first_link(p: &Page, prefix: &str) -> String {
    p.body
        .split(&format!("href=\"{prefix}"))
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .find(|target| target != "new")
        .unwrap_or_else(|| panic!("no link {prefix} in {}", p.body))
}

#[tokio::test]
async fn the_public_reads_projects_and_opening_records_in_both_languages() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let mut b = app.browser();
    let list = b.get("/projects").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("朝阳区居家养老上门服务项目"));
    assert!(!list.body.contains("（草稿）"), "drafts are not public");
    let evaluating = b.get("/projects?status=evaluating").await;
    let id = first_link(&evaluating, "/projects/");
    let detail = b.get(&format!("/projects/{id}")).await;
    assert_eq!(detail.status, 200);
    assert!(
        detail.body.contains("开标记录") && detail.body.contains("回执摘要"),
        "{}",
        detail.body
    );
    let en = b
        .get_with(&format!("/projects/{id}"), ("accept-language", "en"))
        .await;
    assert!(en.body.contains("Bid opening record") && en.body.contains("Public tender"));
    let bad = b.get("/projects?budget_min=1.234").await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn a_purchaser_drafts_fixes_and_publishes_through_the_pages() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let mut buyer = app.browser();
    assert_eq!(
        buyer
            .login("purchaser@demo.cogov.cn", DEMO_PASSWORD)
            .await
            .status,
        303
    );
    let work = buyer.get("/purchaser").await;
    assert_eq!(work.status, 200);
    assert!(
        work.body.contains("（草稿）"),
        "the department sees its drafts"
    );
    let form = buyer.get("/projects/new").await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    let category = form
        .body
        .split("<option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let fields = |deadline: &'static str, price: &'static str| {
        vec![
            ("title", "朝阳区法律援助进社区项目"),
            ("description", "每月在 20 个社区开展法律咨询。"),
            (
                "category_id",
                Box::leak(category.clone().into_boxed_str()) as &str,
            ),
            ("region_code", "110105"),
            ("budget_yuan", "300000"),
            ("method", "competitive_consultation"),
            ("bid_deadline", deadline),
            ("service_start", "2026-05-01"),
            ("service_end", "2027-04-30"),
            ("min_grade", ""),
            ("min_years", ""),
            ("only_type", ""),
            ("only_region", ""),
            ("c1_name", "服务方案"),
            ("c1_weight", "60"),
            ("c2_name", "团队"),
            ("c2_weight", "10"),
            ("c3_name", ""),
            ("c3_weight", ""),
            ("price_weight", price),
        ]
    };
    let mut body = vec![("csrf_token", csrf.as_str())];
    body.extend(fields("2026-02-16T10:00", "40"));
    let created = buyer.post("/projects", &body).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let id = created
        .location
        .clone()
        .unwrap()
        .trim_start_matches("/projects/")
        .to_owned();
    let refused = buyer
        .post(&format!("/projects/{id}/publish"), &[("csrf_token", &csrf)])
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("价格权重超出该采购方式允许的范围"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("投标截止时间不满足该采购方式的最短期限")
    );
    let mut fixed = vec![("csrf_token", csrf.as_str())];
    fixed.extend(fields("2026-02-27T10:00", "30"));
    assert_eq!(
        buyer
            .post(&format!("/projects/{id}/edit"), &fixed)
            .await
            .status,
        303
    );
    assert_eq!(
        buyer
            .post(&format!("/projects/{id}/publish"), &[("csrf_token", &csrf)])
            .await
            .status,
        303
    );
    let mut public = app.browser();
    let page = public.get(&format!("/projects/{id}")).await;
    assert!(page.body.contains("征集中") && page.body.contains("竞争性磋商"));
}

#[tokio::test]
async fn an_organization_checks_eligibility_bids_and_keeps_its_receipts_while_nobody_else_sees_the_bid()
 {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let mut org = app.browser();
    assert_eq!(
        org.login("bidder-4@demo.cogov.cn", DEMO_PASSWORD)
            .await
            .status,
        303
    );
    let open = org.get("/projects?status=open").await;
    let id = first_link(&open, "/projects/");
    let page = org.get(&format!("/projects/{id}")).await;
    assert!(
        page.body.contains("本组织资格自查") && page.body.contains("提交投标"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let bad = org
        .post(
            &format!("/projects/{id}/bids"),
            &[
                ("csrf_token", &csrf),
                ("price_yuan", "99999999"),
                ("technical_proposal", "方案"),
                ("team", "团队"),
                ("plan", "计划"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("报价必须大于 0 且不超过预算上限"));
    // "Check your answers" refuses the same, and shows a good bid back
    // before anything is sealed; "change" brings the form back filled in.
    let answers = |price: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("price_yuan", price.to_owned()),
            ("technical_proposal", "分片包干".to_owned()),
            ("team", "社工 5 人".to_owned()),
            ("plan", "四月启动".to_owned()),
        ]
    };
    let check = format!("/projects/{id}/bids/check");
    let refused = org.post(&check, &refs(&answers("99999999"))).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("报价必须大于 0 且不超过预算上限"));
    let asked = org.post(&check, &refs(&answers("1000000.00"))).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked.body.contains("提交前请核对投标内容")
            && asked.body.contains("1,000,000.00")
            && asked.body.contains("分片包干")
            && asked
                .body
                .contains(&format!("action=\"/projects/{id}/bids\"")),
        "{}",
        asked.body
    );
    assert!(
        !org.get(&format!("/projects/{id}"))
            .await
            .body
            .contains("投标回执"),
        "nothing sealed before the bidder sends it"
    );
    let mut change = answers("1000000.00");
    change.push(("change", "1".to_owned()));
    let back = org.post(&check, &refs(&change)).await;
    assert_eq!(back.status, 200);
    assert!(
        back.body.contains(">分片包干</textarea>") && back.body.contains("value=\"1000000.00\""),
        "{}",
        back.body
    );
    let sent = org
        .post(
            &format!("/projects/{id}/bids"),
            &[
                ("csrf_token", &csrf),
                ("price_yuan", "1000000.00"),
                ("technical_proposal", "分片包干"),
                ("team", "社工 5 人"),
                ("plan", "四月启动"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let mine = org.get(&format!("/projects/{id}")).await;
    assert!(mine.body.contains("投标回执") && mine.body.contains("更新投标"));
    assert!(mine.body.contains("1,000,000.00"));

    // The purchaser sees nothing of it before the deadline.
    let mut buyer = app.browser();
    buyer.login("purchaser@demo.cogov.cn", DEMO_PASSWORD).await;
    let theirs = buyer.get(&format!("/projects/{id}")).await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("1,000,000.00") && !theirs.body.contains("投标回执"));
    let mut other = app.browser();
    other.login("bidder-5@demo.cogov.cn", DEMO_PASSWORD).await;
    assert!(
        !other
            .get(&format!("/projects/{id}"))
            .await
            .body
            .contains("1,000,000.00")
    );

    // Withdraw: a new receipt line.
    let live = mine
        .body
        .split("name=\"replaces\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let w = org
        .post(
            &format!("/projects/{id}/bids/{live}/withdraw"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(w.status, 303);
    assert!(
        org.get(&format!("/projects/{id}"))
            .await
            .body
            .contains("已撤回")
    );
    let my = org.get("/my").await;
    assert!(
        my.body.contains("投标回执") && my.body.contains("已撤回"),
        "receipts on the portal"
    );
    let (_, project) =
        crate::common::json(app.get(&format!("/api/v1/projects/{id}"), None).await).await;
    let named = format!(
        "{} {}",
        project["number"].as_str().unwrap(),
        project["title"].as_str().unwrap()
    );
    assert!(
        my.body.contains(&named),
        "each receipt names its project: {named}"
    );
}

#[tokio::test]
async fn a_purchaser_adds_a_document_that_the_public_can_download() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let mut buyer = app.browser();
    buyer.login("purchaser@demo.cogov.cn", DEMO_PASSWORD).await;
    let open = buyer.get("/purchaser?status=open").await;
    let id = first_link(&open, "/projects/");
    let page = buyer.get(&format!("/projects/{id}")).await;
    assert!(page.body.contains("添加附件"));
    let pdf: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let sent = buyer
        .post_multipart(
            &format!("/projects/{id}/documents"),
            &[("csrf_token", &page.csrf()), ("label", "specification")],
            ("file", "服务需求.pdf", pdf),
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let mut public = app.browser();
    let detail = public.get(&format!("/projects/{id}")).await;
    assert!(detail.body.contains("服务需求.pdf"));
    let file = first_link(&detail, "/files/");
    let got = public.get(&format!("/files/{file}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.headers.get("content-type").unwrap(), "application/pdf");
}

#[tokio::test]
async fn admins_keep_the_catalog_through_the_pages_and_others_may_not() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let mut admin = app.browser();
    admin.login("admin@demo.cogov.cn", DEMO_PASSWORD).await;
    let page = admin.get("/admin/catalog").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("养老服务") && page.body.contains("Elderly care"));
    let csrf = page.csrf();
    let created = admin
        .post(
            "/admin/catalog",
            &[
                ("csrf_token", &csrf),
                ("code", "n01"),
                ("parent_id", ""),
                ("name_zh", "智慧养老"),
                ("name_en", "Smart elderly care"),
                ("position", "1"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let dup = admin
        .post(
            "/admin/catalog",
            &[
                ("csrf_token", &csrf),
                ("code", "N01"),
                ("parent_id", ""),
                ("name_zh", "x"),
                ("name_en", "x"),
            ],
        )
        .await;
    assert_eq!(dup.status, 422);
    assert!(admin.get("/admin/catalog").await.body.contains("智慧养老"));
    let mut buyer = app.browser();
    buyer.login("purchaser@demo.cogov.cn", DEMO_PASSWORD).await;
    assert_eq!(buyer.get("/admin/catalog").await.status, 403);
}

/// A form's fields as the browser posts them.
fn refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
