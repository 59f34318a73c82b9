//! Grants through the API on both databases: from the award to completion,
//! with the money exact and every refusal named.

use crate::common::procurement::awarded;
use crate::common::{json, problem_codes, spawn};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

fn amounts(g: &Value) -> Vec<i64> {
    g["installments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["amount_fen"].as_i64().unwrap())
        .collect()
}

fn report_id(g: &Value, kind: &str) -> String {
    g["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn installment_id(g: &Value, trigger: &str) -> String {
    g["installments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["trigger"] == trigger)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_awarded_project_becomes_a_grant_that_is_accepted_reported_on_paid_and_completed() {
    let app = spawn().await;
    let (e, g) = awarded(&app).await;
    let id = g["id"].as_str().unwrap().to_owned();
    let url = format!("/api/v1/grants/{id}");
    let (buyer, winner, loser) = (&e.world.buyer, &e.bidders[2].token, &e.bidders[0].token);
    assert_eq!(g["status"], "pending_acceptance");
    assert_eq!(g["amount_fen"], 95_000_000);
    assert_eq!(amounts(&g), [28_500_000, 38_000_000, 28_500_000]);
    assert_eq!(g["service_start"], "2026-04-01");
    let kinds: Vec<&str> = g["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        // 1 July, 30 September (the middle), 1 October, 1 January; 15 and 30 days after the end.
        [
            "progress",
            "midterm",
            "progress",
            "progress",
            "final",
            "financial"
        ]
    );

    // The schedule: other departments and bad sums are refused; a remainder is kept exact.
    let schedule = format!("{url}/schedule");
    let (s, err) = json(
        app.put_json(
            &schedule,
            Some(buyer),
            json!({"installments": [
                {"trigger": "signing", "amount_fen": 31_666_666},
                {"trigger": "midterm", "amount_fen": 31_666_666},
                {"trigger": "final", "amount_fen": 31_666_666},
            ]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["sum_mismatch".to_owned()])
    );
    let (s, err) = json(
        app.put_json(
            &schedule,
            Some(winner),
            json!({"installments": [{"trigger": "signing", "amount_fen": 95_000_000}]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403, "{err}");
    let (s, g) = json(
        app.put_json(
            &schedule,
            Some(buyer),
            json!({"installments": [
                {"trigger": "signing", "amount_fen": 31_666_666},
                {"trigger": "midterm", "amount_fen": 31_666_666},
                {"trigger": "final", "amount_fen": 31_666_668},
            ]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(amounts(&g), [31_666_666, 31_666_666, 31_666_668]);

    // Only the winner's org admin accepts.
    let accept = format!("{url}/accept");
    let (s, _) = json(app.post_json(&accept, Some(loser), json!({})).await).await;
    assert_eq!(s, 403);
    let (s, _) = json(app.post_json(&accept, Some(buyer), json!({})).await).await;
    assert_eq!(s, 403);
    let (s, g) = json(app.post_json(&accept, Some(winner), json!({})).await).await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(
        (g["status"].as_str(), g["payable_fen"].as_i64()),
        (Some("active"), Some(31_666_666))
    );
    let (s, _) = json(app.post_json(&accept, Some(winner), json!({})).await).await;
    assert_eq!(s, 409, "accepted once");
    let (s, _) = json(
        app.put_json(
            &schedule,
            Some(buyer),
            json!({"installments": [{"trigger": "signing", "amount_fen": 95_000_000}]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409, "the schedule is fixed once accepted");

    // Payments: never more than payable, and in parts.
    let pay = format!("{url}/disbursements");
    let signing = installment_id(&g, "signing");
    let midterm = installment_id(&g, "midterm");
    let pay_body = |inst: &str, amount: i64| json!({"installment_id": inst, "amount_fen": amount, "paid_on": "2026-03-20", "reference": "GK-2026-0318"});
    let (s, err) = json(
        app.post_json(&pay, Some(buyer), pay_body(&midterm, 1))
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["over_payable".to_owned()])
    );
    let (s, err) = json(
        app.post_json(&pay, Some(buyer), pay_body(&signing, 31_666_667))
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["over_payable".to_owned()])
    );
    let (s, _) = json(
        app.post_json(&pay, Some(winner), pay_body(&signing, 100))
            .await,
    )
    .await;
    assert_eq!(s, 403);
    for part in [20_000_000, 11_666_666] {
        let (s, d) = json(
            app.post_json(&pay, Some(buyer), pay_body(&signing, part))
                .await,
        )
        .await;
        assert_eq!(s, 201, "{d}");
    }
    let (_, g) = json(app.get(&url, None).await).await;
    assert_eq!(
        (
            g["paid_fen"].as_i64(),
            g["remaining_fen"].as_i64(),
            g["payable_fen"].as_i64()
        ),
        (Some(31_666_666), Some(63_333_334), Some(0))
    );
    assert!(g["installments"][0]["paid_at"].is_string());

    // Reports: submitted by the grantee, hidden from the public until accepted.
    let midterm_report = report_id(&g, "midterm");
    let submit = format!("/api/v1/grant-reports/{midterm_report}/submit");
    let review = format!("/api/v1/grant-reports/{midterm_report}/review");
    let body = json!({"body": "已完成 320 户老人上门评估，开展服务 2 140 人次。", "people_served": 320, "spending_fen": 30_000_000});
    let (s, _) = json(app.post_json(&submit, Some(loser), body.clone()).await).await;
    assert_eq!(s, 403);
    let (s, err) = json(
        app.post_json(
            &submit,
            Some(winner),
            json!({"body": " ", "people_served": -1}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["length".to_owned(), "negative".to_owned()])
    );
    let (s, r) = json(app.post_json(&submit, Some(winner), body.clone()).await).await;
    assert_eq!((s, r["status"].as_str()), (200, Some("submitted")));
    let (_, public) = json(app.get(&url, None).await).await;
    let shown = public["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == midterm_report.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (shown["body"].as_str(), shown["people_served"].as_i64()),
        (Some(""), None)
    );
    assert_eq!(
        app.get(&format!("/api/v1/grant-reports/{midterm_report}"), None)
            .await
            .0
            .status(),
        404
    );
    let (s, err) = json(
        app.post_json(&review, Some(buyer), json!({"accept": false}))
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["reason_required".to_owned()])
    );
    let (s, r) = json(
        app.post_json(
            &review,
            Some(buyer),
            json!({"accept": false, "note": "请补充服务对象名单"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("returned")));
    let (s, _) = json(app.post_json(&submit, Some(winner), body.clone()).await).await;
    assert_eq!(s, 200, "a returned report is submitted again");
    // A report speaks of service delivered: the mid-term one is accepted
    // from the middle of the service period (2026-04-01 to 2027-03-31).
    let (s, err) = json(
        app.post_json(&review, Some(buyer), json!({"accept": true}))
            .await,
    )
    .await;
    assert_eq!(
        (s, err["type"].as_str()),
        (409, Some("/problems/report_too_early")),
        "{err}"
    );
    assert!(
        err["detail"].as_str().unwrap().contains("2026-09-30"),
        "{err}"
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 9, 30, 1, 0, 0).unwrap());
    let (s, r) = json(
        app.post_json(&review, Some(buyer), json!({"accept": true}))
            .await,
    )
    .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("accepted")));
    let (s, r) = json(
        app.get(&format!("/api/v1/grant-reports/{midterm_report}"), None)
            .await,
    )
    .await;
    assert_eq!(
        (s, r["report"]["people_served"].as_i64()),
        (200, Some(320)),
        "public once accepted"
    );
    let (_, g) = json(app.get(&url, None).await).await;
    assert_eq!(
        g["payable_fen"], 31_666_666,
        "the mid-term installment is payable"
    );

    // Completion waits for the final report and the last fen.
    let complete = format!("{url}/complete");
    let (s, err) = json(
        app.post_json(
            &complete,
            Some(buyer),
            json!({"score": 88, "comment": "服务规范"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, err["type"].as_str()),
        (409, Some("/problems/not_finished"))
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 30, 1, 0, 0).unwrap());
    let final_report = report_id(&g, "final");
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grant-reports/{final_report}/submit"),
            Some(winner),
            json!({"body": "全年服务 8 600 人次，满意度 96%。", "people_served": 410, "spending_fen": 95_000_000}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (s, err) = json(
        app.post_json(
            &format!("/api/v1/grant-reports/{final_report}/review"),
            Some(buyer),
            json!({"accept": true}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, err["type"].as_str()),
        (409, Some("/problems/report_too_early")),
        "a final report is not accepted before the service period ends: {err}"
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 4, 10, 1, 0, 0).unwrap());
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grant-reports/{final_report}/review"),
            Some(buyer),
            json!({"accept": true}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (_, g) = json(app.get(&url, None).await).await;
    assert!(
        g["overdue_reports"].as_u64().unwrap() >= 1,
        "the unsent progress reports are overdue"
    );
    for trigger in ["midterm", "final"] {
        let inst = installment_id(&g, trigger);
        let amount = g["installments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["trigger"] == trigger)
            .unwrap()["amount_fen"]
            .as_i64()
            .unwrap();
        let (s, _) = json(
            app.post_json(&pay, Some(buyer), pay_body(&inst, amount))
                .await,
        )
        .await;
        assert_eq!(s, 201);
    }
    let (s, err) = json(
        app.post_json(
            &complete,
            Some(buyer),
            json!({"score": 101, "comment": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["score_range".to_owned()])
    );
    let (s, g) = json(
        app.post_json(
            &complete,
            Some(buyer),
            json!({"score": 88, "comment": "服务规范，记录完整"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(
        (
            g["status"].as_str(),
            g["performance_score"].as_i64(),
            g["remaining_fen"].as_i64()
        ),
        (Some("completed"), Some(88), Some(0))
    );
    let (s, _) = json(
        app.post_json(
            &format!("{url}/terminate"),
            Some(buyer),
            json!({"reason": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409);

    // The grant is on the winner's public track record, in the API and on the page.
    let org = e.bidders[2].organization_id;
    let (_, profile) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert_eq!(profile["grants"][0]["performance_score"], 88);
    assert_eq!(profile["grants"][0]["amount_fen"], 95_000_000);
    let page = app.browser().get(&format!("/registry/{org}")).await;
    assert!(
        page.body.contains("履约记录")
            && page.body.contains("950,000.00")
            && page.body.contains("已完成"),
        "{}",
        page.body
    );

    // Every step is in the audit chain.
    let (_, page) = json(
        app.get(
            &format!("/api/v1/audit?entity_type=grant&entity_id={id}&limit=100"),
            Some(&e.world.auditor),
        )
        .await,
    )
    .await;
    let mut actions: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    actions.reverse();
    assert_eq!(actions.first(), Some(&"grant.create"));
    assert_eq!(actions.last(), Some(&"grant.complete"));
    for a in [
        "grant.schedule",
        "grant.accept",
        "grant.disburse",
        "grant.report_submit",
        "grant.report_return",
        "grant.report_accept",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn a_grant_can_be_declined_or_terminated_with_a_reason() {
    let app = spawn().await;
    let (e, g) = awarded(&app).await;
    let url = format!("/api/v1/grants/{}", g["id"].as_str().unwrap());
    let winner = &e.bidders[2].token;
    let (s, err) = json(
        app.post_json(
            &format!("{url}/decline"),
            Some(winner),
            json!({"reason": ""}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["reason_required".to_owned()])
    );
    let (s, err) = json(
        app.post_json(
            &format!("{url}/terminate"),
            Some(&e.bidders[0].token),
            json!({"reason": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403, "{err}");
    let (s, g) = json(
        app.post_json(
            &format!("{url}/terminate"),
            Some(&e.world.buyer),
            json!({"reason": "财政资金未到位"}),
        )
        .await,
    )
    .await;
    assert_eq!((s, g["status"].as_str()), (200, Some("terminated")));
    app.clock
        .set(Utc.with_ymd_and_hms(2028, 1, 1, 1, 0, 0).unwrap());
    let (_, g) = json(app.get(&url, None).await).await;
    assert_eq!(
        g["overdue_reports"], 0,
        "a terminated grant owes no reports"
    );
    let (s, _) = json(
        app.post_json(&format!("{url}/accept"), Some(winner), json!({}))
            .await,
    )
    .await;
    assert_eq!(s, 409, "a terminated grant is not accepted");
    let (s, _) = json(
        app.get("/api/v1/grants?status=terminated&limit=0", None)
            .await,
    )
    .await;
    assert_eq!(s, 400);
    let (s, page) = json(app.get("/api/v1/grants?status=terminated", None).await).await;
    assert_eq!((s, page["items"].as_array().unwrap().len()), (200, 1));
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn after_a_decline_the_next_ranked_bidder_is_offered_the_grant_until_none_is_left() {
    let app = spawn().await;
    let (e, g) = awarded(&app).await;
    let buyer = &e.world.buyer;
    let p = e.world.project.clone();
    let decline = |id: &str| format!("/api/v1/grants/{id}/decline");
    let mut grant = g["id"].as_str().unwrap().to_owned();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/award-next"),
            Some(buyer),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409, "only after a decline");
    // C (rank 1), then A (rank 2, 100 000.00), then B (rank 3, 90 000.00) decline.
    for (who, next_amount) in [(2, Some(100_000_000)), (0, Some(90_000_000)), (1, None)] {
        let (s, d) = json(
            app.post_json(
                &decline(&grant),
                Some(&e.bidders[who].token),
                json!({"reason": "人员无法到位"}),
            )
            .await,
        )
        .await;
        assert_eq!((s, d["status"].as_str()), (200, Some("declined")), "{d}");
        let (s, next) = json(
            app.post_json(
                &format!("/api/v1/grants/{grant}/award-next"),
                Some(buyer),
                json!({}),
            )
            .await,
        )
        .await;
        match next_amount {
            Some(amount) => {
                assert_eq!(s, 200, "{next}");
                assert_eq!(next["amount_fen"], amount);
                assert_eq!(next["status"], "pending_acceptance");
                grant = next["id"].as_str().unwrap().to_owned();
            }
            None => assert_eq!(
                (s, next["type"].as_str()),
                (409, Some("/problems/no_next_bidder"))
            ),
        }
    }
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/fail-project"),
            Some(&e.bidders[1].token),
            json!({"reason": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/fail-project"),
            Some(buyer),
            json!({"reason": "中标候选人均放弃，项目废标"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (_, project) = json(app.get(&format!("/api/v1/projects/{p}"), None).await).await;
    assert_eq!(project["status"], "failed");
    let (_, page) = json(
        app.get(&format!("/api/v1/grants?project_id={p}"), None)
            .await,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn the_public_rates_a_grant_a_few_times_an_hour_and_the_purchaser_moderates() {
    let app = spawn().await;
    let (e, g) = awarded(&app).await;
    let id = g["id"].as_str().unwrap().to_owned();
    let feedback = format!("/api/v1/grants/{id}/feedback");
    let (s, _) = json(
        app.post_json(&feedback, None, json!({"rating": 5, "comment": "很好"}))
            .await,
    )
    .await;
    assert_eq!(s, 409, "not before the grant is active");
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{id}/accept"),
            Some(&e.bidders[2].token),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (s, err) = json(
        app.post_json(&feedback, None, json!({"rating": 6, "comment": " "}))
            .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["rating_range".to_owned(), "length".to_owned()])
    );
    let mut ids = Vec::new();
    for n in 1..=5 {
        let (s, f) = json(
            app.post_json(
                &feedback,
                None,
                json!({"rating": n, "comment": format!("第{n}次评价：上门服务准时")}),
            )
            .await,
        )
        .await;
        assert_eq!((s, f["status"].as_str()), (201, Some("pending")), "{f}");
        ids.push(f["id"].as_str().unwrap().to_owned());
    }
    let resp = app
        .post_json(&feedback, None, json!({"rating": 4, "comment": "再来一条"}))
        .await;
    assert_eq!(resp.0.status(), 429);
    assert!(resp.0.headers().get("retry-after").is_some());
    // An hour later the client may write again.
    app.clock.advance(chrono::Duration::minutes(61));
    let (s, _) = json(
        app.post_json(&feedback, None, json!({"rating": 4, "comment": "一小时后"}))
            .await,
    )
    .await;
    assert_eq!(s, 201);

    // Nothing is public until published; hiding needs a reason.
    let (_, public) = json(app.get(&feedback, None).await).await;
    assert_eq!(public["items"].as_array().unwrap().len(), 0);
    let (_, all) = json(app.get(&feedback, Some(&e.world.buyer)).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 6);
    // Newest first, a page at a time.
    let (_, first) = json(
        app.get(&format!("{feedback}?limit=4"), Some(&e.world.buyer))
            .await,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, rest) = json(
        app.get(
            &format!("{feedback}?limit=4&cursor={cursor}"),
            Some(&e.world.buyer),
        )
        .await,
    )
    .await;
    assert!(rest.get("next_cursor").is_none());
    let paged: Vec<&Value> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .collect();
    let whole: Vec<&Value> = all["items"].as_array().unwrap().iter().collect();
    assert_eq!(paged, whole);
    assert!(
        whole
            .windows(2)
            .all(|w| w[0]["id"].as_str() > w[1]["id"].as_str()),
        "newest first"
    );
    let moderate = |f: &str| format!("/api/v1/grant-feedback/{f}/moderate");
    let (s, _) = json(
        app.post_json(
            &moderate(&ids[0]),
            Some(&e.bidders[2].token),
            json!({"publish": true}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    let (s, err) = json(
        app.post_json(
            &moderate(&ids[0]),
            Some(&e.world.buyer),
            json!({"publish": false}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, problem_codes(&err)),
        (422, vec!["reason_required".to_owned()])
    );
    let (s, _) = json(
        app.post_json(
            &moderate(&ids[0]),
            Some(&e.world.buyer),
            json!({"publish": false, "reason": "含有个人信息"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (s, f) = json(
        app.post_json(
            &moderate(&ids[4]),
            Some(&e.world.buyer),
            json!({"publish": true}),
        )
        .await,
    )
    .await;
    assert_eq!((s, f["status"].as_str()), (200, Some("published")));
    let (_, public) = json(app.get(&feedback, None).await).await;
    assert_eq!(public["items"].as_array().unwrap().len(), 1);
    assert_eq!(public["items"][0]["rating"], 5);
    let page = app
        .browser()
        .get(&format!("/projects/{}", e.world.project))
        .await;
    assert!(page.body.contains("第5次评价") && !page.body.contains("第1次评价"));
}
