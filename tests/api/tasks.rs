//! What needs me now (`GET /me/tasks`, `/tasks`, the menu's count): each
//! role sees what waits for it and nothing of anyone else's, and a task
//! leaves the list when it is done.

use crate::common::procurement::{bid, bidder, declare_and_score, opened, world};
use crate::common::{TestApp, json, spawn};
use crate::registry::{agency, applicant};
use chrono::{TimeZone, Utc};
use cogov::auth::Role;
use cogov::clock::Clock;
use serde_json::{Value, json};

async fn tasks(app: &TestApp, token: &str) -> Value {
    let (s, t) = json(app.get("/api/v1/me/tasks", Some(token)).await).await;
    assert_eq!(s, 200, "{t}");
    t
}

/// The group of `kind` in a task list, if any.
fn group<'a>(list: &'a Value, kind: &str) -> Option<&'a Value> {
    list["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == kind)
}

fn kinds(list: &Value) -> Vec<String> {
    list["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["kind"].as_str().unwrap().to_owned())
        .collect()
}

use crate::registry::post;

#[tokio::test]
async fn registrars_see_submitted_applications_and_applicants_their_returned_ones() {
    let app = spawn().await;
    let founder = applicant(&app, "founder@tasks.cn").await;
    let (_, registrar) = app.user_with_token("reg@tasks.cn", Role::Registrar).await;
    let (_, auditor) = app.user_with_token("aud@tasks.cn", Role::Auditor).await;
    let (s, a) = post(
        &app,
        "/api/v1/applications",
        &founder,
        agency("武汉市任务社工服务中心"),
    )
    .await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();

    // A draft waits for its applicant, and for nobody else yet.
    let mine = tasks(&app, &founder).await;
    let draft = group(&mine, "applications_in_draft").expect("the draft waits");
    assert_eq!(draft["count"], 1);
    assert_eq!(draft["items"][0]["link"], format!("/applications/{id}"));
    assert_eq!(kinds(&tasks(&app, &registrar).await), Vec::<String>::new());

    app.clock.advance(chrono::Duration::hours(1));
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{id}/submit"),
        &founder,
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let queue = tasks(&app, &registrar).await;
    let waiting = group(&queue, "applications_to_review").expect("submitted waits");
    assert_eq!(waiting["count"], 1);
    assert_eq!(waiting["duty"], true);
    assert_eq!(waiting["items"][0]["title"], "武汉市任务社工服务中心");
    assert_eq!(queue["duties"], 1);
    // Labels come in the asked language.
    let (_, en) = json(
        app.client
            .get("/api/v1/me/tasks")
            .header("authorization", format!("Bearer {registrar}"))
            .header("accept-language", "en")
            .send()
            .await,
    )
    .await;
    assert_eq!(en["groups"][0]["label"], "Applications to review");
    assert_eq!(waiting["label"], "待审核的登记申请");
    // Nothing waits for the applicant while it is with the registrar, and
    // an auditor, who may read it, is not asked to decide it.
    assert!(kinds(&tasks(&app, &founder).await).is_empty());
    assert!(group(&tasks(&app, &auditor).await, "applications_to_review").is_none());

    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{id}/return"),
        &registrar,
        json!({"reason": "请补充住所证明"}),
    )
    .await;
    assert_eq!(s, 200);
    assert!(group(&tasks(&app, &registrar).await, "applications_to_review").is_none());
    let mine = tasks(&app, &founder).await;
    assert_eq!(group(&mine, "applications_returned").unwrap()["count"], 1);
    // Someone else's returned application is not theirs to fix.
    let other = applicant(&app, "other@tasks.cn").await;
    assert!(kinds(&tasks(&app, &other).await).is_empty());

    // Nobody signed in has no tasks.
    let (s, _) = json(app.get("/api/v1/me/tasks", None).await).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn purchasers_answer_questions_and_experts_declare_then_score_and_the_award_waits_for_the_buyer()
 {
    let app = spawn().await;
    let e = opened(&app).await;
    let p = e.world.project.clone();
    let buyer = e.world.buyer.clone();
    let elsewhere = {
        let dept = cogov::departments::create(
            app.db(),
            None,
            cogov::departments::DepartmentInput {
                code: "OTHER".into(),
                name: "洪山区民政局".into(),
                division_code: "420111".into(),
                uscc: None,
                active: true,
            },
            app.clock.now(),
        )
        .await
        .unwrap();
        let u = app
            .user_in("buyer2@gov.cn", Role::Purchaser, Some(dept.id), None)
            .await;
        app.token(&u, false).await
    };

    // Every seated expert must declare first; no sheet is asked for yet.
    let (_, first) = &e.experts[0];
    let list = tasks(&app, first).await;
    assert_eq!(kinds(&list), ["declarations_due"]);
    assert_eq!(
        group(&list, "declarations_due").unwrap()["items"][0]["link"],
        format!("/projects/{p}/evaluation")
    );
    // Opened with a full panel: the buyer waits for the sheets, nothing to do.
    assert!(kinds(&tasks(&app, &buyer).await).is_empty());

    // Declared: now the sheet is due.
    for b in &e.bidders {
        let (s, _) = post(
            &app,
            &format!("/api/v1/projects/{p}/declarations"),
            first,
            json!({"organization_id": b.organization_id, "conflict": false}),
        )
        .await;
        assert_eq!(s, 201);
    }
    assert_eq!(kinds(&tasks(&app, first).await), ["score_sheets_due"]);

    // Every sheet in: the expert is done and the award waits for the buyer
    // of this department only.
    score_and_submit(&app, &e, first).await;
    for (_, t) in &e.experts[1..] {
        assert!(kinds(&tasks(&app, &buyer).await).is_empty());
        declare_and_score(&app, &e, t).await;
    }
    assert!(kinds(&tasks(&app, first).await).is_empty());
    let list = tasks(&app, &buyer).await;
    assert_eq!(kinds(&list), ["awards_to_propose"]);
    assert_eq!(group(&list, "awards_to_propose").unwrap()["count"], 1);
    assert!(kinds(&tasks(&app, &elsewhere).await).is_empty());
}

/// An expert who has declared scores A 60, B 55, C 65 and submits.
async fn score_and_submit(app: &TestApp, e: &crate::common::procurement::Evaluated, t: &str) {
    let p = &e.world.project;
    for (b, points) in e.bidders.iter().zip([6000, 5500, 6500]) {
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
    let (s, _) = post(
        app,
        &format!("/api/v1/projects/{p}/scores/submit"),
        t,
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn questions_wait_for_the_department_and_closing_projects_are_offered_to_eligible_organizations()
 {
    let app = spawn().await;
    let w = world(&app).await;
    let p = w.project.clone();
    let (_, org) = bidder(&app, 7).await;
    let (s, q) = post(
        &app,
        &format!("/api/v1/projects/{p}/questions"),
        &org,
        json!({"question": "服务对象名单由谁提供？"}),
    )
    .await;
    assert_eq!(s, 201, "{q}");
    let list = tasks(&app, &w.buyer).await;
    assert_eq!(kinds(&list), ["questions_to_answer"]);
    assert_eq!(list["duties"], 1);
    let (s, _) = post(
        &app,
        &format!(
            "/api/v1/projects/{p}/questions/{}/answer",
            q["id"].as_str().unwrap()
        ),
        &w.buyer,
        json!({"answer": "由街道提供。"}),
    )
    .await;
    assert_eq!(s, 200);
    assert!(kinds(&tasks(&app, &w.buyer).await).is_empty());

    // Three weeks out the project is not pressing; within a week it is
    // offered, as an opportunity the menu does not count.
    assert!(group(&tasks(&app, &org).await, "projects_closing_soon").is_none());
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 1, 1, 0, 0).unwrap());
    let list = tasks(&app, &org).await;
    let soon = group(&list, "projects_closing_soon").expect("offered");
    assert_eq!(
        (soon["count"].clone(), soon["duty"].clone()),
        (json!(1), json!(false))
    );
    assert_eq!(list["duties"], 0);
    // Once it has bid, it is no longer offered.
    let (s, _) = post(
        &app,
        &format!("/api/v1/projects/{p}/bids"),
        &org,
        bid(100_000_000),
    )
    .await;
    assert_eq!(s, 201);
    assert!(group(&tasks(&app, &org).await, "projects_closing_soon").is_none());
}

#[tokio::test]
async fn a_sign_in_lands_on_the_task_page_and_the_menu_counts_the_duties() {
    let app = spawn().await;
    let reg = app.user("reg@pages.cn", Role::Registrar).await;
    let founder = applicant(&app, "founder@pages.cn").await;
    let (_, a) = post(
        &app,
        "/api/v1/applications",
        &founder,
        agency("武汉市页面社工服务中心"),
    )
    .await;
    let id = a["id"].as_str().unwrap().to_owned();
    post(
        &app,
        &format!("/api/v1/applications/{id}/submit"),
        &founder,
        json!({}),
    )
    .await;
    let _ = reg;
    let mut b = app.browser();
    let form = b.get("/login").await;
    assert!(form.body.contains(r#"value="/tasks""#), "{}", form.body);
    let csrf = form.csrf();
    let page = b
        .post(
            "/login",
            &[
                ("csrf_token", &csrf),
                ("email", "reg@pages.cn"),
                ("password", crate::common::PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/tasks"));
    let page = b.get("/tasks").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("待审核的登记申请"), "{}", page.body);
    assert!(page.body.contains(&format!("/applications/{id}")));
    assert!(page.body.contains("1 项待办"), "the menu counts it");
}

#[tokio::test]
async fn a_grant_waits_for_its_org_admin_then_its_first_payment_for_the_buyer() {
    let app = spawn().await;
    let (e, g) = crate::common::procurement::awarded(&app).await;
    let id = g["id"].as_str().unwrap().to_owned();
    let winner = &e.bidders[2];
    let member = {
        let u = app
            .user_in(
                "member@winner.cn",
                Role::OrgMember,
                None,
                Some(winner.organization_id),
            )
            .await;
        app.token(&u, false).await
    };
    let list = tasks(&app, &winner.token).await;
    let offered = group(&list, "grants_to_accept").expect("the offer waits");
    assert_eq!(offered["items"][0]["link"], format!("/grants/{id}"));
    // A member may read the grant but cannot accept it; a loser has nothing.
    assert!(group(&tasks(&app, &member).await, "grants_to_accept").is_none());
    assert!(kinds(&tasks(&app, &e.bidders[0].token).await).is_empty());
    assert!(group(&tasks(&app, &e.world.buyer).await, "payments_due").is_none());

    let (s, g) = post(
        &app,
        &format!("/api/v1/grants/{id}/accept"),
        &winner.token,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{g}");
    assert!(group(&tasks(&app, &winner.token).await, "grants_to_accept").is_none());
    let list = tasks(&app, &e.world.buyer).await;
    let due = group(&list, "payments_due").expect("the signing installment is payable");
    assert_eq!(due["count"], 1);
    // Paid in full: nothing left to pay.
    let signing = g["installments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["trigger"] == "signing")
        .unwrap();
    let (s, p) = post(
        &app,
        &format!("/api/v1/grants/{id}/disbursements"),
        &e.world.buyer,
        json!({"installment_id": signing["id"], "amount_fen": signing["amount_fen"], "paid_on": "2026-03-20", "reference": "GK-1"}),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    assert!(group(&tasks(&app, &e.world.buyer).await, "payments_due").is_none());
}
