//! Grants through the pages: the winner accepts and reports, the purchaser
//! pays and reviews, the public reads the grant.

use crate::common::procurement::awarded;
use crate::common::{PASSWORD, spawn};
use cogov::clock::Clock as _;

#[tokio::test]
async fn a_grant_is_accepted_paid_and_reported_on_through_the_pages() {
    let app = spawn().await;
    let (_e, g) = awarded(&app).await;
    let id = g["id"].as_str().unwrap().to_owned();
    let url = format!("/grants/{id}");

    let mut public = app.browser();
    let page = public.get("/grants").await;
    assert!(page.body.contains(&url), "{}", page.body);
    assert!(
        page.body.contains("承接机构") && page.body.contains("武汉市第3社区服务中心"),
        "the grantee's column"
    );
    let project = public
        .get(&format!("/projects/{}", g["project_id"].as_str().unwrap()))
        .await;
    let link = format!("/grants?project_id={}", g["project_id"].as_str().unwrap());
    assert!(project.body.contains(&link));
    assert!(public.get(&link).await.body.contains(&url));
    let page = public.get(&url).await;
    assert!(page.body.contains("待接受") && page.body.contains("285,000.00"));
    assert!(!page.body.contains("接受资助"), "no forms for the public");

    // The winner's org admin accepts.
    let mut winner = app.browser();
    assert_eq!(winner.login("admin3@org.cn", PASSWORD).await.status, 303);
    let mine = winner.get("/grants?mine=1").await;
    assert!(mine.body.contains(&url), "the organization's own grants");
    assert!(winner.get("/my").await.body.contains("/grants?mine=1"));
    let page = winner.get(&url).await;
    assert!(page.body.contains("接受资助"));
    let done = winner
        .post(&format!("{url}/accept"), &[("csrf_token", &page.csrf())])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);

    // The purchaser records a payment: too much is refused with the reason.
    let mut buyer = app.browser();
    assert_eq!(buyer.login("buyer@gov.cn", PASSWORD).await.status, 303);
    let page = buyer.get(&url).await;
    assert!(page.body.contains("登记拨付"));
    let installment = page
        .body
        .split("name=\"installment_id\"><option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let csrf = page.csrf();
    let pay = |amount: &'static str| {
        [
            ("csrf_token", csrf.clone()),
            ("installment_id", installment.clone()),
            ("amount_yuan", amount.to_owned()),
            ("paid_on", "2026-03-20".to_owned()),
            ("reference", "GK-2026-0318".to_owned()),
        ]
    };
    let form = pay("285000.01");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = buyer.post(&format!("{url}/disbursements"), &pairs).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("金额超过该批次当前可拨付金额"));
    let form = pay("285000.00");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let paid = buyer.post(&format!("{url}/disbursements"), &pairs).await;
    assert_eq!(paid.status, 303, "{}", paid.body);

    // The winner submits the first report due with a file; the purchaser accepts it.
    let page = winner.get(&url).await;
    let report = page
        .body
        .split("action=\"/grant-reports/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let sent = winner
        .post_multipart(
            &format!("/grant-reports/{report}/submit"),
            &[
                ("csrf_token", &page.csrf()),
                ("body", "第一季度入户评估 120 户。"),
                ("people_served", "120"),
                ("spending_yuan", "50000"),
            ],
            ("file", "台账.pdf", b"%PDF-1.7\n%ledger\n"),
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let page = buyer.get(&url).await;
    assert!(page.body.contains("第一季度入户评估") && page.body.contains("提交审核意见"));
    let early = buyer
        .post(
            &format!("/grant-reports/{report}/review"),
            &[("csrf_token", &page.csrf()), ("decision", "accept")],
        )
        .await;
    assert_eq!(early.status, 409, "{}", early.body);
    assert!(
        early.body.contains("服务期开始后"),
        "the refusal says why, in the reader's language"
    );
    // The service period begins on 1 April 2026.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-04-02T01:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    let mut buyer = app.browser();
    assert_eq!(buyer.login("buyer@gov.cn", PASSWORD).await.status, 303);
    let page = buyer.get(&url).await;
    let reviewed = buyer
        .post(
            &format!("/grant-reports/{report}/review"),
            &[("csrf_token", &page.csrf()), ("decision", "accept")],
        )
        .await;
    assert_eq!(reviewed.status, 303, "{}", reviewed.body);

    // The public sees the totals and the accepted report.
    let page = public.get(&url).await;
    assert!(page.body.contains("执行中") && page.body.contains("GK-2026-0318"));
    assert!(page.body.contains("第一季度入户评估"));
    let en = public.get_with(&url, ("accept-language", "en")).await;
    assert!(en.body.contains("Payments") && en.body.contains("Accepted"));

    // The public rates the service; the purchaser publishes it.
    let page = public.get(&url).await;
    let sent = public
        .post(
            &format!("{url}/feedback"),
            &[
                ("csrf_token", &page.csrf()),
                ("rating", "4"),
                ("text", "护理员耐心细致"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(
        !public.get(&url).await.body.contains("护理员耐心细致"),
        "not before moderation"
    );
    let page = buyer.get(&url).await;
    assert!(page.body.contains("护理员耐心细致") && page.body.contains("待审核"));
    let feedback_id = page
        .body
        .split("action=\"/grant-feedback/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let moderated = buyer
        .post(
            &format!("/grant-feedback/{feedback_id}/moderate"),
            &[
                ("csrf_token", &page.csrf()),
                ("grant_id", &id),
                ("decision", "publish"),
            ],
        )
        .await;
    assert_eq!(moderated.status, 303, "{}", moderated.body);
    assert!(
        public.get(&url).await.body.contains("护理员耐心细致"),
        "published"
    );
}

#[tokio::test]
async fn a_grant_page_shows_feedback_a_page_at_a_time_newest_first() {
    let app = spawn().await;
    let (e, g) = awarded(&app).await;
    let id = g["id"].as_str().unwrap().to_owned();
    let (s, _) = crate::common::json(
        app.post_json(
            &format!("/api/v1/grants/{id}/accept"),
            Some(&e.bidders[2].token),
            serde_json::json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let grant = id.parse().unwrap();
    for n in 0..51 {
        cogov::grants::feedback::leave(
            app.db(),
            None,
            &format!("resident-{n}"),
            grant,
            4,
            &format!("第{n}条评价"),
            app.clock.now(),
        )
        .await
        .unwrap();
    }

    let mut buyer = app.browser();
    assert_eq!(buyer.login("buyer@gov.cn", PASSWORD).await.status, 303);
    let first = buyer.get(&format!("/grants/{id}")).await;
    assert!(first.body.contains("第50条评价") && first.body.contains("第1条评价"));
    assert!(
        !first.body.contains("第0条评价"),
        "the oldest is on the next page"
    );
    let more = first
        .body
        .split("href=\"")
        .find(|s| s.contains("#feedback"))
        .and_then(|s| s.split('"').next())
        .expect("a link to older feedback")
        .replace("&#x3D;", "=");
    let older = buyer.get(&more).await;
    assert_eq!(older.status, 200);
    assert!(older.body.contains("第0条评价") && !older.body.contains("第1条评价"));
    assert!(!older.body.contains("更早的评价"), "nothing older");
}

#[tokio::test]
async fn terminating_a_grant_in_the_pages_asks_first_and_only_its_purchaser_may() {
    let app = spawn().await;
    let (_e, g) = awarded(&app).await;
    let id = g["id"].as_str().unwrap().to_owned();
    let url = format!("/grants/{id}");
    let status = async || {
        let (_, g) =
            crate::common::json(app.get(&format!("/api/v1/grants/{id}"), None).await).await;
        g["status"].as_str().unwrap().to_owned()
    };

    let mut buyer = app.browser();
    assert_eq!(buyer.login("buyer@gov.cn", PASSWORD).await.status, 303);
    let csrf = buyer.get(&url).await.csrf();
    let terminate = format!("{url}/terminate");
    // No reason: refused on the grant's page, no question asked.
    let refused = buyer
        .post(&terminate, &[("csrf_token", &csrf), ("text", " ")])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    // With a reason: asked first, with what was paid and what will not be.
    let asked = buyer
        .post(
            &terminate,
            &[("csrf_token", &csrf), ("text", "财政资金未到位")],
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked.body.contains("确认终止这项资助")
            && asked.body.contains("财政资金未到位")
            && asked.body.contains("未拨付（元）")
            && asked.body.contains("name=\"confirmed\""),
        "{}",
        asked.body
    );
    assert_eq!(
        status().await,
        "pending_acceptance",
        "nothing changed before confirming"
    );

    // The grantee's admin is neither asked nor obeyed.
    let mut winner = app.browser();
    winner.login("admin3@org.cn", PASSWORD).await;
    let theirs = winner.get(&url).await.csrf();
    for confirmed in ["", "1"] {
        let r = winner
            .post(
                &terminate,
                &[
                    ("csrf_token", &theirs),
                    ("text", "不做了"),
                    ("confirmed", confirmed),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
    }

    let done = buyer
        .post(
            &terminate,
            &[
                ("csrf_token", &csrf),
                ("text", "财政资金未到位"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(status().await, "terminated");
}
