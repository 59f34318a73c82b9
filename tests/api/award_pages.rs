//! Evaluation and award through the pages: an expert declares and scores,
//! the purchaser awards and answers a challenge, a bidder reads its scores
//! and challenges, and the public reads the notice until it is final.

use crate::common::procurement::{declare_and_score, opened};
use crate::common::{PASSWORD, TestApp, json, spawn};
use chrono::{TimeZone, Utc};
use cogov::clock::Clock;

#[tokio::test]
async fn an_award_goes_from_score_sheets_through_a_challenge_to_final_in_the_pages() {
    let app = spawn().await;
    let e = opened(&app).await;
    let p = e.world.project.clone();
    let evaluation = format!("/projects/{p}/evaluation");
    for (_, t) in &e.experts[1..] {
        declare_and_score(&app, &e, t).await;
    }

    // The first expert: my panels, the declaration form, then the sheet.
    let mut expert = app.browser();
    assert_eq!(expert.login("expert1@pool.cn", PASSWORD).await.status, 303);
    let panels = expert.get("/panels").await;
    assert!(panels.body.contains(&evaluation), "{}", panels.body);
    let page = expert.get(&evaluation).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("利益冲突声明"));
    assert!(
        !page.body.contains("分片包干"),
        "no bid content before the declarations"
    );
    assert!(
        !page.body.contains("checked"),
        "no choice is made for the expert: a declaration is theirs to make"
    );
    let csrf = page.csrf();
    // One bidder left undecided: refused, and nothing is saved.
    let partial: Vec<(String, String)> = std::iter::once(("csrf_token".to_owned(), csrf.clone()))
        .chain(
            e.bidders[..2]
                .iter()
                .map(|b| (format!("d-{}", b.organization_id), "none".to_owned())),
        )
        .collect();
    let pairs: Vec<(&str, &str)> = partial
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = expert
        .post(&format!("/projects/{p}/declarations"), &pairs)
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("逐一选择"), "{}", refused.body);
    assert_eq!(
        refused
            .body
            .matches("value=\"none\" required checked")
            .count(),
        2,
        "the two choices made are kept, the third is still open"
    );
    let page = expert.get(&evaluation).await;
    assert!(
        !page.body.contains("分片包干") && page.body.contains("利益冲突声明"),
        "nothing was declared"
    );
    let mut form: Vec<(String, String)> = vec![("csrf_token".into(), csrf.clone())];
    for b in &e.bidders {
        form.push((format!("d-{}", b.organization_id), "none".into()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let done = expert
        .post(&format!("/projects/{p}/declarations"), &pairs)
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = expert.get(&evaluation).await;
    assert!(page.body.contains("分片包干"), "the bids after declaring");
    assert!(page.body.contains("我的评分表"));

    // A bad number keeps what was typed and says why.
    let cell = |b: usize, what: &str| format!("{what}-{}-0", e.bidders[b].bid_id);
    let bad = expert
        .post(
            &format!("/projects/{p}/scores"),
            &[
                ("csrf_token", &csrf),
                (&cell(0, "p"), "60"),
                (&cell(0, "c"), "服务方案完整"),
                (&cell(1, "p"), "55.555"),
                (&cell(1, "c"), "一般"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("55.555") && bad.body.contains("请输入分数"));
    let submit_without_all = expert
        .post(
            &format!("/projects/{p}/scores"),
            &[
                ("csrf_token", &csrf),
                (&cell(1, "p"), "55"),
                (&cell(1, "c"), "一般"),
                ("submit", "1"),
            ],
        )
        .await;
    assert_eq!(submit_without_all.status, 422, "C has no score yet");
    let ok = expert
        .post(
            &format!("/projects/{p}/scores"),
            &[
                ("csrf_token", &csrf),
                (&cell(2, "p"), "65"),
                (&cell(2, "c"), "团队经验丰富"),
                ("submit", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = expert.get(&evaluation).await;
    assert!(page.body.contains("您的评分表已提交"));
    assert!(page.body.contains("93.42"), "the ranking once all are in");

    // The purchaser proposes the award from the ranking.
    let mut buyer = app.browser();
    assert_eq!(buyer.login("buyer@gov.cn", PASSWORD).await.status, 303);
    let page = buyer.get(&evaluation).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("确定中标人并发布中标公告"));
    let csrf = page.csrf();
    let refused = buyer
        .post(
            &format!("/projects/{p}/award"),
            &[("csrf_token", &csrf), ("bid_id", &e.bidders[0].bid_id)],
        )
        .await;
    assert_eq!(refused.status, 422, "rank 2 needs a reason");
    assert!(refused.body.contains("请填写理由"), "{}", refused.body);
    // A published notice cannot be taken back: the purchaser is asked
    // first, with the winner and price, and nothing is published yet.
    let asked = buyer
        .post(
            &format!("/projects/{p}/award"),
            &[
                ("csrf_token", &csrf),
                ("bid_id", &e.bidders[2].bid_id),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked.body.contains("确认确定该中标人并发布公告")
            && asked.body.contains("武汉市第3社区服务中心")
            && asked.body.contains("950,000.00"),
        "{}",
        asked.body
    );
    assert!(
        !public_notice(&app, &p).await,
        "nothing is published before the purchaser confirms"
    );
    let awarded = buyer
        .post(
            &format!("/projects/{p}/award"),
            &[
                ("csrf_token", &csrf),
                ("confirmed", "1"),
                ("bid_id", &e.bidders[2].bid_id),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(awarded.status, 303, "{}", awarded.body);
    assert!(public_notice(&app, &p).await);

    // The public reads the notice.
    let mut public = app.browser();
    let detail = public.get(&format!("/projects/{p}")).await;
    assert!(detail.body.contains("中标公告") && detail.body.contains("武汉市第3社区服务中心"));
    assert!(detail.body.contains("950,000.00"), "{}", detail.body);
    assert!(detail.body.contains("2026-03-16"));
    assert!(!detail.body.contains("提出质疑"), "only bidders challenge");

    // Bidder B reads its own scores and challenges with a file.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 6, 2, 0, 0).unwrap());
    let mut bidder = app.browser();
    assert_eq!(bidder.login("admin2@org.cn", PASSWORD).await.status, 303);
    let detail = bidder.get(&format!("/projects/{p}")).await;
    assert!(detail.body.contains("本机构得分") && detail.body.contains("85.00"));
    assert!(detail.body.contains("专家 1"));
    let csrf = detail.csrf();
    let filed = bidder
        .post_multipart(
            &format!("/projects/{p}/challenges"),
            &[("csrf_token", &csrf), ("reasons", "中标人团队人数不足")],
            ("file", "证据.pdf", b"%PDF-1.7\n%evidence\n"),
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let detail = bidder.get(&format!("/projects/{p}")).await;
    assert!(detail.body.contains("待答复") && detail.body.contains("中标人团队人数不足"));
    let public_view = public.get(&format!("/projects/{p}")).await;
    assert!(public_view.body.contains("待答复"));
    assert!(
        !public_view.body.contains("中标人团队人数不足"),
        "reasons are not public"
    );

    // The purchaser (signed in again a day later) replies from the evaluation page.
    let mut buyer = app.browser();
    assert_eq!(buyer.login("buyer@gov.cn", PASSWORD).await.status, 303);
    let page = buyer.get(&evaluation).await;
    assert!(page.body.contains("中标人团队人数不足") && page.body.contains("证据.pdf"));
    let reply_path = page
        .body
        .split("action=\"/challenges/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let replied = buyer
        .post(
            &format!("/challenges/{reply_path}"),
            &[
                ("csrf_token", &page.csrf()),
                ("decision", "dismissed"),
                ("reasons", "投标文件载明社工 6 人"),
            ],
        )
        .await;
    assert_eq!(replied.status, 303, "{}", replied.body);

    // After the window the job makes it final, and the page says so.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 17, 1, 0, 0).unwrap());
    cogov::procurement::award::award_due(app.db(), "job", app.clock.now())
        .await
        .unwrap();
    let detail = public.get(&format!("/projects/{p}")).await;
    assert!(detail.body.contains("已确定：中标") && detail.body.contains("质疑不成立"));
    let en = public
        .get_with(&format!("/projects/{p}"), ("accept-language", "en"))
        .await;
    assert!(en.body.contains("Final: awarded") && en.body.contains("Dismissed"));
    let outsider = public.get(&evaluation).await;
    assert_eq!(outsider.status, 303, "sign in first");
}

/// Whether the project's award notice is public.
async fn public_notice(app: &TestApp, project: &str) -> bool {
    let (s, _) = json(
        app.get(&format!("/api/v1/projects/{project}/award"), None)
            .await,
    )
    .await;
    s == 200
}
