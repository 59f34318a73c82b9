//! Award notices, challenges and the award job, through the API, on both databases.

use crate::common::procurement::{Evaluated, evaluated, upload};
use crate::common::{TestApp, json, problem_codes, spawn};
use chrono::{TimeZone, Utc};
use cogov::auth::Role;
use cogov::clock::Clock;
use serde_json::{Value, json};

async fn project_status(app: &TestApp, project: &str) -> String {
    let (_, p) = json(app.get(&format!("/api/v1/projects/{project}"), None).await).await;
    p["status"].as_str().unwrap().to_owned()
}

async fn propose(app: &TestApp, e: &Evaluated, body: Value) -> (u16, Value) {
    json(
        app.post_json(
            &format!("/api/v1/projects/{}/award", e.world.project),
            Some(&e.world.buyer),
            body,
        )
        .await,
    )
    .await
}

async fn actions(app: &TestApp, auditor: &str, entity: &str, id: &str) -> Vec<String> {
    let (s, page) = json(
        app.get(
            &format!("/api/v1/audit?entity_type={entity}&entity_id={id}&limit=100"),
            Some(auditor),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|i| i["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn run_job(app: &TestApp, holder: &str) -> usize {
    cogov::procurement::award::award_due(app.db(), holder, app.clock.now())
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_project_goes_from_scoring_through_notice_and_a_dismissed_challenge_to_awarded() {
    let app = spawn().await;
    let e = evaluated(&app).await;
    let p = e.world.project.clone();
    let [a, b, c] = [&e.bidders[0], &e.bidders[1], &e.bidders[2]];

    // Refusals first: another department, an unranked bid, rank 2 without a reason.
    let other = cogov::departments::create(
        app.db(),
        None,
        cogov::departments::DepartmentInput {
            code: "WH-HK".into(),
            name: "江汉区民政局".into(),
            division_code: "420103".into(),
            uscc: None,
            active: true,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let stranger = app
        .user_in("other@gov.cn", Role::Purchaser, Some(other.id), None)
        .await;
    let stranger = app.token(&stranger, true).await;
    let award = format!("/api/v1/projects/{p}/award");
    let (s, _) = json(
        app.post_json(&award, Some(&stranger), json!({"bid_id": c.bid_id}))
            .await,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = json(
        app.post_json(&award, Some(&a.token), json!({"bid_id": a.bid_id}))
            .await,
    )
    .await;
    assert_eq!(s, 403, "bidders do not award");
    let (s, err) = propose(&app, &e, json!({"bid_id": uuid::Uuid::now_v7()})).await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["not_ranked".to_owned()])
    );
    let (s, err) = propose(&app, &e, json!({"bid_id": a.bid_id})).await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["reason_required".to_owned()]),
        "A is ranked 2"
    );
    assert_eq!(status(&app, &award, None).await, 404, "no notice yet");
    let my_scores = format!("/api/v1/projects/{p}/my-scores");
    assert_eq!(status(&app, &my_scores, Some(&a.token)).await, 404);

    // Rank 1 (C, 93.42) is awarded; the notice is public.
    let (s, n) = propose(&app, &e, json!({"bid_id": c.bid_id})).await;
    assert_eq!(s, 201, "{n}");
    assert_eq!(project_status(&app, &p).await, "notice");
    let (s, n) = json(app.get(&award, None).await).await;
    assert_eq!(s, 200);
    assert_eq!(n["organization_name"], "武汉市第3社区服务中心");
    assert_eq!(n["amount_fen"], 95_000_000);
    assert!(n["uscc"].as_str().unwrap().len() == 18);
    assert_eq!(n["rank"], 1);
    // 5 March 2026 + 7 working days: 6, 9, 10, 11, 12, 13, 16 March.
    assert_eq!(n["challenge_until"], "2026-03-16");
    let totals: Vec<_> = n["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["total"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(totals, ["93.42", "87.00", "85.00"]);
    assert_eq!(n["panel"].as_array().unwrap().len(), 5);
    let (s, _) = propose(&app, &e, json!({"bid_id": c.bid_id})).await;
    assert_eq!(s, 409, "one notice");

    // Each bidder sees its own scores, and only its own.
    let (s, mine) = json(app.get(&my_scores, Some(&a.token)).await).await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["line"]["total"], "87.00");
    let marks = mine["criteria"][0]["marks"].as_array().unwrap();
    assert_eq!(marks.len(), 5);
    assert!(marks.iter().all(|m| m["points"] == "60.00"));
    assert!(
        !mine.to_string().contains("pool.cn") && !mine.to_string().contains("expert_id"),
        "experts stay unnamed: {mine}"
    );
    let (s, _) = json(app.get(&my_scores, Some(&e.world.buyer)).await).await;
    assert_eq!(s, 403);

    // B challenges; strangers cannot; nothing but reasons is needed.
    let challenges = format!("/api/v1/projects/{p}/challenges");
    let (_, outsider) = crate::common::procurement::bidder(&app, 9).await;
    let (s, _) = json(
        app.post_json(&challenges, Some(&outsider), json!({"reasons": "不公"}))
            .await,
    )
    .await;
    assert_eq!(s, 403, "only bidders challenge");
    let (s, err) = json(
        app.post_json(&challenges, Some(&b.token), json!({"reasons": "  "}))
            .await,
    )
    .await;
    assert_eq!((s, problem_codes(&err)), (422, vec!["length".to_owned()]));
    let (s, _) = json(
        app.post_json(
            &challenges,
            Some(&c.token),
            json!({"reasons": "自己质疑自己"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403, "the winner does not challenge its own award");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 6, 2, 0, 0).unwrap());
    let (s, ch) = json(
        app.post_json(
            &challenges,
            Some(&b.token),
            json!({"reasons": "中标人团队人数不足招标文件要求"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{ch}");
    assert_eq!(ch["reply_due"], "2026-03-17");
    let challenge = ch["id"].as_str().unwrap().to_owned();
    let (s, err) = json(
        app.post_json(&challenges, Some(&b.token), json!({"reasons": "再次质疑"}))
            .await,
    )
    .await;
    assert_eq!(
        (s, err["type"].as_str()),
        (409, Some("/problems/already_challenged"))
    );

    // The public sees the challenge's dates and status, not who or why.
    let (_, public) = json(app.get(&challenges, None).await).await;
    assert_eq!(public["items"][0]["status"], "open");
    assert!(
        public["items"][0]["reasons"].is_null()
            && public["items"][0]["organization_name"].is_null()
    );
    let (_, seen) = json(app.get(&challenges, Some(&e.world.buyer)).await).await;
    assert_eq!(
        seen["items"][0]["reasons"],
        "中标人团队人数不足招标文件要求"
    );
    assert_eq!(
        seen["items"][0]["organization_name"],
        "武汉市第2社区服务中心"
    );
    let (_, other_bidder) = json(app.get(&challenges, Some(&a.token)).await).await;
    assert!(other_bidder["items"][0]["reasons"].is_null());
    assert_eq!(
        status(
            &app,
            &format!("/api/v1/challenges/{challenge}"),
            Some(&a.token)
        )
        .await,
        404
    );

    // The window closes on 16 March, but an open challenge holds the award.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 17, 1, 0, 0).unwrap());
    assert_eq!(run_job(&app, "job-1").await, 0);
    assert_eq!(project_status(&app, &p).await, "notice");
    let (s, err) = json(
        app.post_json(
            &challenges,
            Some(&a.token),
            json!({"reasons": "迟到的质疑"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, err["type"].as_str()),
        (409, Some("/problems/window_closed"))
    );
    // A reply after 17 March is overdue, and flagged.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 18, 1, 0, 0).unwrap());
    let (_, public) = json(app.get(&challenges, None).await).await;
    assert_eq!(public["items"][0]["overdue"], true);

    let reply = format!("/api/v1/challenges/{challenge}/reply");
    let (s, _) = json(
        app.post_json(
            &reply,
            Some(&stranger),
            json!({"decision": "dismissed", "reasons": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    let (s, r) = json(
        app.post_json(
            &reply,
            Some(&e.world.buyer),
            json!({"decision": "dismissed", "reasons": "中标人投标文件载明社工 6 人，符合要求"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["overdue"].as_bool()),
        (Some("dismissed"), Some(false))
    );
    let (s, _) = json(
        app.post_json(
            &reply,
            Some(&e.world.buyer),
            json!({"decision": "upheld_fail", "reasons": "改判"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409, "answered once");

    // The job awards once, however often it runs and from however many holders.
    let (first, second) = tokio::join!(run_job(&app, "job-1"), run_job(&app, "job-2"));
    assert_eq!(first + second, 1);
    assert_eq!(run_job(&app, "job-1").await, 0);
    assert_eq!(project_status(&app, &p).await, "awarded");
    let (_, n) = json(app.get(&award, None).await).await;
    assert_eq!(n["status"], "final");
    assert_eq!(n["challenges"][0]["status"], "dismissed");

    let project_actions = actions(&app, &e.world.auditor, "project", &p).await;
    // Every step is in the chain, in order.
    let first = |name: &str| project_actions.iter().position(|a| a == name).unwrap();
    assert!(first("project.publish") < first("panel.assign"));
    assert!(first("panel.assign") < first("project.open_bids"));
    assert!(first("project.open_bids") < first("panel.declare"));
    assert!(first("panel.declare") < first("score.set"));
    assert_eq!(
        &project_actions[project_actions.len() - 3..],
        ["score.submit_sheet", "award.propose", "project.award"],
        "{project_actions:?}"
    );
    assert!(project_actions.iter().any(|a| a == "score.submit_sheet"));
    assert_eq!(
        actions(&app, &e.world.auditor, "challenge", &challenge).await,
        ["challenge.file", "challenge.reply"]
    );
    assert_eq!(
        cogov::audit::verify(app.db().conn()).await.unwrap().broken,
        None
    );
    app.assert_history_agrees().await;
}

async fn status(app: &TestApp, path: &str, token: Option<&str>) -> u16 {
    app.get(path, token).await.0.status().as_u16()
}

#[tokio::test]
async fn an_upheld_challenge_sends_the_project_back_to_the_panel_or_fails_it() {
    let app = spawn().await;
    let e = evaluated(&app).await;
    let p = e.world.project.clone();
    // Rank 2 with a reason.
    let (s, n) = propose(
        &app,
        &e,
        json!({"bid_id": e.bidders[0].bid_id, "reason": "排名第一的机构书面放弃"}),
    )
    .await;
    assert_eq!(s, 201, "{n}");
    assert_eq!(
        (n["rank"].as_i64(), n["reason"].as_str()),
        (Some(2), Some("排名第一的机构书面放弃"))
    );
    let challenges = format!("/api/v1/projects/{p}/challenges");
    let file = upload(&app, &e.bidders[2].token, b"%PDF-1.7\n%evidence\n").await;
    let (s, ch) = json(
        app.post_json(
            &challenges,
            Some(&e.bidders[2].token),
            json!({"reasons": "第一名并未放弃", "file_ids": [file]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{ch}");
    assert_eq!(ch["files"].as_array().unwrap().len(), 1);
    let (s, second) = json(
        app.post_json(
            &challenges,
            Some(&e.bidders[1].token),
            json!({"reasons": "评分不公"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    let file_url = format!("/api/v1/files/{file}");
    assert_eq!(status(&app, &file_url, Some(&e.world.buyer)).await, 200);
    assert_eq!(
        status(&app, &file_url, Some(&e.bidders[0].token)).await,
        404
    );

    let (s, r) = json(
        app.post_json(
            &format!("/api/v1/challenges/{}/reply", ch["id"].as_str().unwrap()),
            Some(&e.world.buyer),
            json!({"decision": "upheld_reevaluate", "reasons": "放弃声明不成立，重新评审"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(project_status(&app, &p).await, "evaluating");
    assert_eq!(
        status(&app, &format!("/api/v1/projects/{p}/award"), None).await,
        404,
        "the notice is withdrawn"
    );
    let (_, list) = json(app.get(&challenges, Some(&e.world.buyer)).await).await;
    let moot = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == second["id"])
        .unwrap();
    assert_eq!(moot["status"], "closed");
    // Every sheet is open again: no ranking until the panel resubmits.
    let (_, state) = json(
        app.get(
            &format!("/api/v1/projects/{p}/evaluation"),
            Some(&e.world.buyer),
        )
        .await,
    )
    .await;
    assert!(state["ranking"].is_null());
    assert!(
        state["progress"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["submitted"] == false)
    );
    for (_, t) in &e.experts {
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
    let (s, n) = propose(&app, &e, json!({"bid_id": e.bidders[2].bid_id})).await;
    assert_eq!(s, 201, "{n}");

    // This time B's challenge is upheld and the project fails.
    let (s, ch) = json(
        app.post_json(
            &challenges,
            Some(&e.bidders[1].token),
            json!({"reasons": "评分不公"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "a new notice takes a new challenge: {ch}");
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/challenges/{}/reply", ch["id"].as_str().unwrap()),
            Some(&e.world.buyer),
            json!({"decision": "upheld_fail", "reasons": "评分标准有误，项目废标"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(project_status(&app, &p).await, "failed");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap());
    assert_eq!(run_job(&app, "job").await, 0);
    assert_eq!(project_status(&app, &p).await, "failed");
    let project_actions = actions(&app, &e.world.auditor, "project", &p).await;
    for a in ["award.withdraw", "project.challenge_upheld"] {
        assert_eq!(project_actions.iter().filter(|x| *x == a).count(), 2, "{a}");
    }
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn no_award_before_every_sheet_is_in() {
    let app = spawn().await;
    let e = evaluated(&app).await;
    let p = e.world.project.clone();
    // Two more experts join: their sheets are missing.
    let mut ids = Vec::new();
    for n in 6..=7 {
        let (u, _) = app
            .user_with_token(&format!("late{n}@pool.cn"), Role::Expert)
            .await;
        ids.push(u.id.to_string());
    }
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/panel"),
            Some(&e.world.buyer),
            json!({ "expert_ids": ids }),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (s, err) = propose(&app, &e, json!({"bid_id": e.bidders[2].bid_id})).await;
    assert_eq!(
        (s, err["type"].as_str()),
        (409, Some("/problems/sheets_missing"))
    );
    assert_eq!(project_status(&app, &p).await, "evaluating");
}

#[tokio::test]
async fn cancelling_a_project_in_notice_withdraws_the_notice() {
    let app = spawn().await;
    let e = evaluated(&app).await;
    let p = e.world.project.clone();
    let (s, _) = propose(&app, &e, json!({"bid_id": e.bidders[2].bid_id})).await;
    assert_eq!(s, 201);
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/cancel"),
            Some(&e.world.buyer),
            json!({"reason": "预算调整"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        status(&app, &format!("/api/v1/projects/{p}/award"), None).await,
        404
    );
    let (s, err) = json(
        app.post_json(
            &format!("/api/v1/projects/{p}/challenges"),
            Some(&e.bidders[0].token),
            json!({"reasons": "质疑"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, err["type"].as_str()),
        (409, Some("/problems/no_notice"))
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap());
    assert_eq!(run_job(&app, "job").await, 0);
    assert_eq!(project_status(&app, &p).await, "cancelled");
    app.assert_history_agrees().await;
}
