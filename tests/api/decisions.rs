//! Every decision reaches the person it is about, in the app and by mail:
//! the applicant, the organization's people, the asker, the bidders, the
//! challenger, the grantee, the expert. And nobody else.

use crate::common::procurement::{awarded, bidder, evaluated, world};
use crate::common::{TestApp, json, spawn};
use crate::registry::{PDF, agency, applicant, upload};
use chrono::{TimeZone, Utc};
use cogov::auth::Role;
use cogov::clock::Clock;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

/// The caller's notifications of `kind`, newest first, as read in `lang`.
async fn told_in(app: &TestApp, token: &str, kind: &str, lang: &str) -> Vec<Value> {
    let resp = app
        .client
        .get("/api/v1/me/notifications?limit=100")
        .header("authorization", format!("Bearer {token}"))
        .header("accept-language", lang)
        .send()
        .await;
    let (s, page) = json(resp).await;
    assert_eq!(s, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

async fn told(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    told_in(app, token, kind, "zh-CN").await
}

use crate::registry::post;

async fn mails_to(app: &TestApp, address: &str) -> u64 {
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddress.eq(address))
        .count(app.db().conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn applicants_and_organizations_hear_every_registry_decision() {
    let app = spawn().await;
    let (_, registrar) = app.user_with_token("reg@decide.cn", Role::Registrar).await;
    let founder = applicant(&app, "founder@decide.cn").await;
    let bystander = applicant(&app, "bystander@decide.cn").await;

    // Returned, with the reason.
    let (_, a) = post(
        &app,
        "/api/v1/applications",
        &founder,
        agency("武汉市告知社工服务中心"),
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
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{id}/return"),
        &registrar,
        json!({"reason": "请补充住所证明"}),
    )
    .await;
    assert_eq!(s, 200);
    let returned = told(&app, &founder, "application_returned").await;
    assert_eq!(returned.len(), 1);
    assert_eq!(returned[0]["note"], "请补充住所证明");
    assert_eq!(returned[0]["link"], format!("/applications/{id}"));
    assert!(
        returned[0]["message"]
            .as_str()
            .unwrap()
            .contains("请补充住所证明"),
        "{}",
        returned[0]
    );
    assert_eq!(mails_to(&app, "founder@decide.cn").await, 1, "and by mail");
    assert!(
        told(&app, &bystander, "application_returned")
            .await
            .is_empty()
    );

    // Approved, with the code issued.
    post(
        &app,
        &format!("/api/v1/applications/{id}/submit"),
        &founder,
        json!({}),
    )
    .await;
    let (s, a) = post(
        &app,
        &format!("/api/v1/applications/{id}/approve"),
        &registrar,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    let org = a["organization_id"].as_str().unwrap().to_owned();
    let (_, profile) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    let approved = told(&app, &founder, "application_approved").await;
    assert_eq!(approved.len(), 1);
    let uscc = profile["organization"]["uscc"].as_str().unwrap();
    assert_eq!(approved[0]["code"], uscc);
    let en = told_in(&app, &founder, "application_approved", "en").await;
    assert!(
        en[0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("Unified social credit code: {uscc}")),
        "{}",
        en[0]
    );

    // Rejected, with the reason.
    let (_, b) = post(
        &app,
        "/api/v1/applications",
        &bystander,
        agency("武汉市驳回社工服务中心"),
    )
    .await;
    let other = b["id"].as_str().unwrap().to_owned();
    post(
        &app,
        &format!("/api/v1/applications/{other}/submit"),
        &bystander,
        json!({}),
    )
    .await;
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{other}/reject"),
        &registrar,
        json!({"reason": "名称与已登记组织重复"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        told(&app, &bystander, "application_rejected").await.len(),
        1
    );
    assert!(
        told(&app, &founder, "application_rejected")
            .await
            .is_empty()
    );

    // The organization hears of its listing and its lifting.
    let (s, r) = post(
        &app,
        &format!("/api/v1/organizations/{org}/credit-records"),
        &registrar,
        json!({"kind": "abnormal", "ground": "住所无法联系", "started_on": "2026-02-13"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let listed = told(&app, &founder, "credit_listed").await;
    assert_eq!(listed.len(), 1);
    assert!(
        listed[0]["message"]
            .as_str()
            .unwrap()
            .contains("活动异常名录"),
        "{}",
        listed[0]
    );
    let (s, _) = post(
        &app,
        &format!("/api/v1/credit-records/{}/lift", r["id"].as_str().unwrap()),
        &registrar,
        json!({"reason": "已恢复联系", "lifted_on": "2026-02-13"}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(told(&app, &founder, "credit_lifted").await.len(), 1);

    // Its annual report returned, then its grade.
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap());
    let (_, f) = upload(&app, &founder, "审计报告.pdf", PDF).await;
    let (s, report) = post(
        &app,
        "/api/v1/annual-reports",
        &founder,
        json!({
            "year": 2026, "income_fen": 12_000_000, "expenditure_fen": 9_800_000,
            "net_assets_fen": 6_000_000, "staff_count": 6, "volunteer_count": 40,
            "activities": "开展居家养老上门服务", "statement_file_id": f["id"],
        }),
    )
    .await;
    assert_eq!(s, 201, "{report}");
    let (s, _) = post(
        &app,
        &format!(
            "/api/v1/annual-reports/{}/return",
            report["id"].as_str().unwrap()
        ),
        &registrar,
        json!({"reason": "支出明细不全"}),
    )
    .await;
    assert_eq!(s, 200);
    let back = told(&app, &founder, "annual_report_returned").await;
    assert_eq!(back.len(), 1);
    assert!(
        back[0]["message"].as_str().unwrap().contains("2026"),
        "{}",
        back[0]
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2028, 2, 14, 2, 0, 0).unwrap());
    let (s, g) = post(
        &app,
        &format!("/api/v1/organizations/{org}/grades"),
        &registrar,
        json!({"grade": 4, "awarded_on": "2028-02-14"}),
    )
    .await;
    assert_eq!(s, 201, "{g}");
    let graded = told(&app, &founder, "grade_awarded").await;
    assert!(
        graded[0]["message"].as_str().unwrap().contains("4A"),
        "{}",
        graded[0]
    );
    assert!(told(&app, &bystander, "grade_awarded").await.is_empty());
}

#[tokio::test]
async fn the_answer_to_a_question_reaches_its_asker_only() {
    let app = spawn().await;
    // The answer reaches the asker only.
    {
        let w = world(&app).await;
        let p = w.project.clone();
        let (_, asker) = bidder(&app, 7).await;
        let (_, quiet) = bidder(&app, 8).await;
        let (_, q) = post(
            &app,
            &format!("/api/v1/projects/{p}/questions"),
            &asker,
            json!({"question": "服务对象名单由谁提供？"}),
        )
        .await;
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
        assert_eq!(told(&app, &asker, "question_answered").await.len(), 1);
        assert!(told(&app, &quiet, "question_answered").await.is_empty());
    }
}

#[tokio::test]
async fn the_evaluation_and_the_grant_tell_experts_bidders_challengers_and_the_grantee() {
    let app = spawn().await;
    let e = evaluated(&app).await;
    let p = e.world.project.clone();
    for (_, t) in &e.experts {
        assert_eq!(
            told(&app, t, "panel_seat").await.len(),
            1,
            "seated experts hear it"
        );
    }
    for b in &e.bidders {
        assert_eq!(told(&app, &b.token, "bids_opened").await.len(), 1);
    }
    assert!(told(&app, &e.world.buyer, "bids_opened").await.is_empty());

    // The award notice reaches every bidder; a loser challenges and hears
    // the answer.
    let (s, _) = post(
        &app,
        &format!("/api/v1/projects/{p}/award"),
        &e.world.buyer,
        json!({"bid_id": e.bidders[2].bid_id}),
    )
    .await;
    assert_eq!(s, 201);
    for b in &e.bidders {
        let n = told(&app, &b.token, "award_published").await;
        assert_eq!(n.len(), 1);
        assert!(
            n[0]["due_on"].is_string(),
            "the challenge window's end: {}",
            n[0]
        );
    }
    let (s, c) = post(
        &app,
        &format!("/api/v1/projects/{p}/challenges"),
        &e.bidders[0].token,
        json!({"reasons": "中标人社工人数不足"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let (s, _) = post(
        &app,
        &format!("/api/v1/challenges/{}/reply", c["id"].as_str().unwrap()),
        &e.world.buyer,
        json!({"decision": "dismissed", "reasons": "中标人投标文件载明社工 6 人"}),
    )
    .await;
    assert_eq!(s, 200);
    let decided = told(&app, &e.bidders[0].token, "challenge_decided").await;
    assert_eq!(decided.len(), 1);
    assert!(
        decided[0]["message"]
            .as_str()
            .unwrap()
            .contains("质疑不成立"),
        "{}",
        decided[0]
    );
    assert!(
        told(&app, &e.bidders[1].token, "challenge_decided")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_grantee_hears_the_offer_each_payment_and_each_report_review() {
    let app = spawn().await;
    let (e, g) = awarded(&app).await;
    let id = g["id"].as_str().unwrap().to_owned();
    let winner = &e.bidders[2].token;
    assert_eq!(
        told(&app, winner, "grant_awaiting_acceptance").await.len(),
        1
    );
    // The reminder job does not say it again.
    cogov::grants::reminders::run(app.db(), "test", app.clock.now())
        .await
        .unwrap();
    assert_eq!(
        told(&app, winner, "grant_awaiting_acceptance").await.len(),
        1
    );
    assert!(
        told(&app, &e.bidders[0].token, "grant_awaiting_acceptance")
            .await
            .is_empty()
    );

    let (s, g) = post(
        &app,
        &format!("/api/v1/grants/{id}/accept"),
        winner,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{g}");
    let signing = g["installments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["trigger"] == "signing")
        .unwrap()
        .clone();
    let (s, _) = post(
        &app,
        &format!("/api/v1/grants/{id}/disbursements"),
        &e.world.buyer,
        json!({"installment_id": signing["id"], "amount_fen": 1_000_000, "paid_on": "2026-03-20", "reference": "GK-1"}),
    )
    .await;
    assert_eq!(s, 201);
    let paid = told(&app, winner, "payment_recorded").await;
    assert_eq!(paid[0]["amount_fen"], 1_000_000);
    assert!(
        paid[0]["message"].as_str().unwrap().contains("10,000.00"),
        "{}",
        paid[0]
    );

    let midterm = g["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "midterm")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, r) = post(
        &app,
        &format!("/api/v1/grant-reports/{midterm}/submit"),
        winner,
        json!({"body": "已完成 320 户老人上门评估。", "people_served": 320, "spending_fen": 30_000_000}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 10, 8, 2, 0, 0).unwrap());
    let (s, r) = post(
        &app,
        &format!("/api/v1/grant-reports/{midterm}/review"),
        &e.world.buyer,
        json!({"accept": true}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(told(&app, winner, "report_accepted").await.len(), 1);
}

#[tokio::test]
async fn a_person_hears_in_the_language_they_chose() {
    use cogov::notifications::mail;
    let app = spawn().await;
    let (_, registrar) = app.user_with_token("reg@lang.cn", Role::Registrar).await;
    let founder = applicant(&app, "founder@lang.cn").await;
    let me = "/api/v1/me/language";

    // None chosen: both. Then English, through the API; a read-only token
    // may not choose, and only the two languages are.
    let (s, chosen) = json(app.get(me, Some(&founder)).await).await;
    assert_eq!((s, chosen["lang"].clone()), (200, Value::Null));
    let (s, _) = json(app.get(me, None).await).await;
    assert_eq!(s, 401);
    let (s, _) = json(app.put_json(me, None, json!({"lang": "en"})).await).await;
    assert_eq!(s, 401);
    let (s, _) = json(
        app.put_json(me, Some(&founder), json!({"lang": "fr"}))
            .await,
    )
    .await;
    assert!(matches!(s, 400 | 422), "{s}");
    let (s, chosen) = json(
        app.put_json(me, Some(&founder), json!({"lang": "en"}))
            .await,
    )
    .await;
    assert_eq!((s, chosen["lang"].as_str()), (200, Some("en")));
    let (s, chosen) = json(app.get(me, Some(&founder)).await).await;
    assert_eq!((s, chosen["lang"].as_str()), (200, Some("en")));

    // A decision about them comes by mail in English only.
    let (_, a) = post(
        &app,
        "/api/v1/applications",
        &founder,
        agency("武汉市语言社工服务中心"),
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
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{id}/return"),
        &registrar,
        json!({"reason": "请补充住所证明"}),
    )
    .await;
    assert_eq!(s, 200);
    let dir = tempfile::tempdir().unwrap();
    let postman = crate::reminders::dir_postman(dir.path());
    mail::deliver(app.db(), &postman, "test", app.clock.now())
        .await
        .unwrap()
        .unwrap();
    let sent: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .filter(|m| m.contains("To: founder@lang.cn"))
        .collect();
    assert_eq!(sent.len(), 1);
    let (head, body) = sent[0].split_once("\r\n\r\n").unwrap();
    assert!(
        head.contains("Subject: Your application") && head.contains("public service procurement"),
        "the subject in English: {head}"
    );
    let body = quoted_printable(body);
    assert!(
        body.contains("returned for changes") && body.contains("请补充住所证明"),
        "{body}"
    );
    assert!(!body.contains("退回"), "no Chinese sentence: {body}");

    // On the account page, the choice shows; the page changes it back to both.
    let mut page = app.browser();
    page.login("founder@lang.cn", crate::common::PASSWORD).await;
    let account = page.get("/account").await;
    assert!(
        account.body.contains("<option value=\"en\" selected>"),
        "{}",
        account.body
    );
    let saved = page
        .post(
            "/account/language",
            &[("csrf_token", &account.csrf()), ("lang", "")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (_, chosen) = json(app.get(me, Some(&founder)).await).await;
    assert_eq!(chosen["lang"], Value::Null);
}

/// The text of a quoted-printable mail body (what lettre writes for text
/// that is mostly ASCII).
fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'=', Some(hex)) => {
                let hex = std::str::from_utf8(hex).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}
