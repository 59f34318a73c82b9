//! The registry through the API: applications from sign-up to approval,
//! every refusal, files, members, annual reports, credit records, grades,
//! the public search, import and export.

use crate::common::{TestApp, json, problem_codes, problem_fields, spawn};
use chrono::{Duration, TimeZone, Utc};
use cogov::auth::Role;
use cogov::clock::Clock;
use cogov::registry::jobs::run_credit_job;
use cogov::registry::uscc::Uscc;
use serde_json::{Value, json};

pub(crate) const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

pub(crate) fn agency(name: &str) -> Value {
    json!({
        "kind": "registration",
        "name": name,
        "org_type": "social_service_agency",
        "division_code": "420100",
        "field": "community_service",
        "address": "武汉市江岸区中山大道1号",
        "legal_representative": "李华",
        "business_scope": "居家养老服务",
        "funds_fen": 5_000_000,
    })
}

/// An org user without an organization, with a write token.
pub(crate) async fn applicant(app: &TestApp, email: &str) -> String {
    app.user_with_token(email, Role::OrgMember).await.1
}

/// Posts; an application's submit first attaches what its checklist still
/// asks for, as an applicant would (the refusal without them is tested in
/// `materials_are_required_before_submitting`).
pub(crate) async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    if let Some(id) = path
        .strip_prefix("/api/v1/applications/")
        .and_then(|p| p.strip_suffix("/submit"))
    {
        attach_materials(app, token, id).await;
    }
    json(app.post_json(path, Some(token), body).await).await
}

/// Uploads and attaches a PDF for each document an application's checklist
/// still asks for (nothing when the caller may not read it).
pub(crate) async fn attach_materials(app: &TestApp, token: &str, id: &str) {
    let (s, list) = json(
        app.get(&format!("/api/v1/applications/{id}/checklist"), Some(token))
            .await,
    )
    .await;
    if s != 200 {
        return;
    }
    for item in list["items"].as_array().unwrap() {
        if item["attached"] == true {
            continue;
        }
        let label = item["label"].as_str().unwrap();
        let (s, f) = upload(app, token, &format!("{label}.pdf"), PDF).await;
        assert_eq!(s, 201, "{f}");
        let (s, d) = json(
            app.post_json(
                &format!("/api/v1/applications/{id}/documents"),
                Some(token),
                json!({"file_id": f["id"], "label": label}),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201, "{d}");
    }
}

/// Opens, submits and approves a registration; returns the organization id.
pub(crate) async fn registered(app: &TestApp, token: &str, registrar: &str, name: &str) -> String {
    let (s, a) = post(app, "/api/v1/applications", token, agency(name)).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let (s, a) = post(
        app,
        &format!("/api/v1/applications/{id}/submit"),
        token,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    let (s, a) = post(
        app,
        &format!("/api/v1/applications/{id}/approve"),
        registrar,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    a["organization_id"].as_str().unwrap().to_owned()
}

pub(crate) async fn upload(app: &TestApp, token: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let boundary = "cogov-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = app
        .client
        .post("/api/v1/files")
        .header("authorization", format!("Bearer {token}"))
        .content_type(format!("multipart/form-data; boundary={boundary}"))
        .header("content-length", body.len())
        .body(body)
        .send()
        .await;
    json(resp).await
}

#[tokio::test]
async fn a_new_user_applies_is_returned_fixes_resubmits_and_is_approved_into_the_public_registry() {
    let app = spawn().await;
    // Sign-up through the API, then a token for the new account.
    let (s, _) = json(
        app.post_json(
            "/api/v1/accounts",
            None,
            json!({"email": "founder@example.cn", "display_name": "李华", "password": "founder-pass-1"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    let user = entity::users::Entity::find_by_email("founder@example.cn", &app).await;
    let token = app.token(&user, true).await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;

    // A social group that breaks several rules; each failure names its rule.
    let mut draft = json!({
        "kind": "registration",
        "name": "中国武汉养老服务协会",
        "org_type": "social_group",
        "division_code": "420100",
        "field": "other",
        "funds_fen": 1_000_000,
        "individual_members": 20,
        "address": "武汉市江汉区",
        "legal_representative": "李华",
    });
    let (s, a) = post(&app, "/api/v1/applications", &token, draft.clone()).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["status"], "draft");
    let id = a["id"].as_str().unwrap().to_owned();
    let (s, p) = post(
        &app,
        &format!("/api/v1/applications/{id}/submit"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let mut codes = problem_codes(&p);
    codes.sort();
    assert_eq!(
        codes,
        [
            "required",
            "reserved_national_word",
            "social_group_activity_funds",
            "social_group_members",
            "supervising_unit_required"
        ]
    );
    // Nothing half-saved: still a draft.
    let (_, a) = json(
        app.get(&format!("/api/v1/applications/{id}"), Some(&token))
            .await,
    )
    .await;
    assert_eq!(a["status"], "draft");

    // Fixed, submitted.
    draft["name"] = json!("武汉市阳光养老服务协会");
    draft["individual_members"] = json!(60);
    draft["funds_fen"] = json!(3_000_000);
    draft["supervising_unit"] = json!("武汉市民政局");
    draft["business_scope"] = json!("养老服务行业自律、培训与交流");
    let (s, a) = json(
        app.put_json(
            &format!("/api/v1/applications/{id}"),
            Some(&token),
            draft.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{a}");
    let (s, a) = post(
        &app,
        &format!("/api/v1/applications/{id}/submit"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["status"], "submitted");

    // The registrar's queue holds it; a return needs a reason.
    let (_, q) = json(
        app.get("/api/v1/applications?status=submitted", Some(&registrar))
            .await,
    )
    .await;
    assert_eq!(q["items"].as_array().unwrap().len(), 1);
    let (s, p) = post(
        &app,
        &format!("/api/v1/applications/{id}/return"),
        &registrar,
        json!({"reason": "  "}),
    )
    .await;
    assert_eq!((s, problem_fields(&p)), (422, vec!["reason".to_owned()]));
    let (s, a) = post(
        &app,
        &format!("/api/v1/applications/{id}/return"),
        &registrar,
        json!({"reason": "请补充住所证明"}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["status"], "returned");
    assert_eq!(a["decision_reason"], "请补充住所证明");

    // The applicant fixes and resubmits; the registrar approves.
    draft["address"] = json!("武汉市江汉区解放大道100号");
    let (s, _) = json(
        app.put_json(&format!("/api/v1/applications/{id}"), Some(&token), draft)
            .await,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{id}/submit"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, a) = post(
        &app,
        &format!("/api/v1/applications/{id}/approve"),
        &registrar,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["status"], "approved");
    let org_id = a["organization_id"].as_str().unwrap().to_owned();

    // Decided applications cannot be decided again.
    for verb in ["approve", "reject", "return"] {
        let body = if verb == "approve" {
            json!({})
        } else {
            json!({"reason": "again"})
        };
        let (s, p) = post(
            &app,
            &format!("/api/v1/applications/{id}/{verb}"),
            &registrar,
            body,
        )
        .await;
        assert_eq!(s, 409, "{verb}: {p}");
    }

    // The organization is public, with a valid code; the applicant is its org admin.
    let (s, profile) = json(
        app.get(&format!("/api/v1/organizations/{org_id}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200);
    let org = &profile["organization"];
    let code = org["uscc"].as_str().unwrap();
    let parsed = Uscc::parse(code).unwrap();
    assert_eq!(parsed.division_code(), "420100");
    assert!(code.starts_with("51"), "social group category: {code}");
    assert_eq!(org["status"], "active");
    assert_eq!(org["registered_on"], "2026-02-13");
    let (_, me) = json(app.get("/api/v1/me", Some(&token)).await).await;
    assert_eq!(me["role"], "org_admin");
    assert_eq!(me["organization_id"], org_id.as_str());

    // Found by a Chinese substring and by its exact code, not by others.
    let (_, hits) = json(
        app.get(
            &format!("/api/v1/organizations?q={}", urlencoding::encode("养老")),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(hits["items"][0]["id"], org_id.as_str());
    let (_, hits) = json(
        app.get(&format!("/api/v1/organizations?uscc={code}"), None)
            .await,
    )
    .await;
    assert_eq!(hits["items"].as_array().unwrap().len(), 1);
    let (_, hits) = json(
        app.get(
            &format!("/api/v1/organizations?q={}", urlencoding::encode("基金会")),
            None,
        )
        .await,
    )
    .await;
    assert!(hits["items"].as_array().unwrap().is_empty());

    // Every step is in the audit chain.
    let actions: Vec<String> = entity::audit_entries::Entity::all_actions(&app).await;
    for a in [
        "application.create",
        "application.edit",
        "application.submit",
        "application.return",
        "application.approve",
        "organization.register",
        "user.found_organization",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    assert!(
        cogov::audit::verify(app.db().conn())
            .await
            .unwrap()
            .broken
            .is_none()
    );
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn only_the_right_people_see_and_decide_applications() {
    let app = spawn().await;
    let applicant_token = applicant(&app, "a@example.cn").await;
    let other = applicant(&app, "b@example.cn").await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let (_, auditor) = app.user_with_token("aud@mca.gov.cn", Role::Auditor).await;
    let (_, purchaser) = app.user_with_token("expert@example.cn", Role::Expert).await;
    let (s, a) = post(
        &app,
        "/api/v1/applications",
        &applicant_token,
        agency("武汉市彩虹社区服务中心"),
    )
    .await;
    assert_eq!(s, 201);
    let id = a["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{id}");

    // Drafts are the applicant's own: 404 to everyone else, registrars included.
    for t in [&other, &registrar, &auditor, &purchaser] {
        assert_eq!(app.get(&path, Some(t)).await.0.status().as_u16(), 404);
    }
    assert_eq!(app.get(&path, None).await.0.status().as_u16(), 401);
    let (_, list) = json(app.get("/api/v1/applications", Some(&other)).await).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    // Purchasers have no registry queue.
    assert_eq!(
        app.get("/api/v1/applications", Some(&purchaser))
            .await
            .0
            .status()
            .as_u16(),
        403
    );

    // Only the applicant edits and submits.
    let (s, _) = json(app.put_json(&path, Some(&other), agency("x")).await).await;
    assert_eq!(s, 404);
    let (s, _) = post(&app, &format!("{path}/submit"), &applicant_token, json!({})).await;
    assert_eq!(s, 200);
    // Submitted applications cannot be edited.
    let (s, _) = json(
        app.put_json(&path, Some(&applicant_token), agency("武汉市改名中心"))
            .await,
    )
    .await;
    assert_eq!(s, 409);

    // Registrars and auditors see it now; only registrars decide.
    assert_eq!(
        app.get(&path, Some(&auditor)).await.0.status().as_u16(),
        200
    );
    for t in [&auditor, &applicant_token, &purchaser] {
        let (s, _) = post(&app, &format!("{path}/approve"), t, json!({})).await;
        assert_eq!(s, 403);
    }
    let (s, _) = post(&app, &format!("{path}/approve"), &other, json!({})).await;
    assert_eq!(s, 403, "an org user is refused by role before ownership");
    // A read-only token of a registrar cannot decide.
    let reg_user = entity::users::Entity::find_by_email("reg@mca.gov.cn", &app).await;
    let read_only = app.token(&reg_user, false).await;
    let (s, _) = post(
        &app,
        &format!("{path}/reject"),
        &read_only,
        json!({"reason": "no"}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, a) = post(
        &app,
        &format!("{path}/reject"),
        &registrar,
        json!({"reason": "住所不实"}),
    )
    .await;
    assert_eq!((s, a["status"].as_str()), (200, Some("rejected")));
    let (s, _) = post(
        &app,
        &format!("{path}/withdraw"),
        &applicant_token,
        json!({}),
    )
    .await;
    assert_eq!(s, 409, "a decided application cannot be withdrawn");
}

#[tokio::test]
async fn registration_rules_name_each_failure() {
    let app = spawn().await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let first = applicant(&app, "first@example.cn").await;
    registered(&app, &first, &registrar, "武汉市同心社区服务中心").await;

    let cases = [
        (json!({"name": "武汉市同心社区服务中心"}), "name_taken"),
        (
            json!({"name": "全国武汉社区服务中心"}),
            "reserved_national_word",
        ),
        (
            json!({"org_type": "foundation", "name": "武汉市同心基金会", "funds_fen": 300_000_000}),
            "foundation_level",
        ),
        (
            json!({"org_type": "foundation", "public_offering": true, "division_code": "420000",
                   "name": "湖北省同心基金会", "funds_fen": 300_000_000}),
            "foundation_minimum_fund",
        ),
        (json!({"field": "other"}), "supervising_unit_required"),
    ];
    for (i, (change, code)) in cases.into_iter().enumerate() {
        let token = applicant(&app, &format!("case{i}@example.cn")).await;
        let mut body = agency("武汉市新中心");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, a) = post(&app, "/api/v1/applications", &token, body).await;
        assert_eq!(s, 201, "{a}");
        let id = a["id"].as_str().unwrap();
        let (s, p) = post(
            &app,
            &format!("/api/v1/applications/{id}/submit"),
            &token,
            json!({}),
        )
        .await;
        assert_eq!(s, 422, "{code}: {p}");
        assert_eq!(problem_codes(&p), [code], "{p}");
    }
    // The same name at another authority is fine.
    let token = applicant(&app, "elsewhere@example.cn").await;
    let mut body = agency("武汉市同心社区服务中心");
    body["division_code"] = json!("420102");
    let (_, a) = post(&app, "/api/v1/applications", &token, body).await;
    let (s, p) = post(
        &app,
        &format!("/api/v1/applications/{}/submit", a["id"].as_str().unwrap()),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{p}");

    // Shape problems are refused at once, naming the field, and nothing is saved.
    let token = applicant(&app, "shape@example.cn").await;
    let mut body = agency("武汉市某中心");
    body["division_code"] = json!("999999");
    let (s, p) = post(&app, "/api/v1/applications", &token, body).await;
    assert_eq!(
        (s, problem_fields(&p)),
        (422, vec!["division_code".to_owned()])
    );
    let mut body = agency("武汉市某中心");
    body["funds_fen"] = json!(12.5);
    let (s, p) = post(&app, "/api/v1/applications", &token, body).await;
    assert_eq!(
        (s, problem_fields(&p)),
        (400, vec!["funds_fen".to_owned()]),
        "{p}"
    );
    let (_, list) = json(app.get("/api/v1/applications", Some(&token)).await).await;
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_typed_in_code_must_pass_both_checks_unless_overridden_with_a_reason() {
    let app = spawn().await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let token = applicant(&app, "a@example.cn").await;
    let (_, a) = post(
        &app,
        "/api/v1/applications",
        &token,
        agency("武汉市晨曦社区服务中心"),
    )
    .await;
    let id = a["id"].as_str().unwrap().to_owned();
    post(
        &app,
        &format!("/api/v1/applications/{id}/submit"),
        &token,
        json!({}),
    )
    .await;

    // A valid code of another kind of holder is refused by the same rule
    // the import applies: a foundation's code, a code of another division.
    for (code, says) in [
        ("53100000500021676K", "character 2"),
        ("52420000MJH23339XT", "characters 3-8"),
    ] {
        let (s, p) = post(
            &app,
            &format!("/api/v1/applications/{id}/approve"),
            &registrar,
            json!({ "uscc": code }),
        )
        .await;
        assert_eq!(
            (s, problem_codes(&p)),
            (422, vec!["uscc_holder".to_owned()])
        );
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(says),
            "{p}"
        );
    }
    let (s, p) = post(
        &app,
        &format!("/api/v1/applications/{id}/approve"),
        &registrar,
        json!({"uscc": "52420000MJH23339XA"}),
    )
    .await;
    assert_eq!((s, problem_fields(&p)), (422, vec!["uscc".to_owned()]));
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("character 18"),
        "{p}"
    );
    let (s, p) = post(
        &app,
        &format!("/api/v1/applications/{id}/approve"),
        &registrar,
        json!({"uscc": "52420000MJH2339XT"}),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("18 characters"),
        "{p}"
    );

    // A legacy code with an override and its reason is recorded, and says so.
    let (s, a) = post(
        &app,
        &format!("/api/v1/applications/{id}/approve"),
        &registrar,
        json!({"uscc": "52420000MJH23339XA", "legacy_override_reason": "试点地区早期赋码"}),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    let org = a["organization_id"].as_str().unwrap();
    let (_, profile) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert_eq!(profile["organization"]["uscc"], "52420000MJH23339XA");
    assert_eq!(profile["organization"]["uscc_legacy"], true);

    // A code already taken is refused.
    let token2 = applicant(&app, "b@example.cn").await;
    let (_, a) = post(
        &app,
        "/api/v1/applications",
        &token2,
        agency("武汉市启明社区服务中心"),
    )
    .await;
    let id2 = a["id"].as_str().unwrap().to_owned();
    post(
        &app,
        &format!("/api/v1/applications/{id2}/submit"),
        &token2,
        json!({}),
    )
    .await;
    let (s, p) = post(
        &app,
        &format!("/api/v1/applications/{id2}/approve"),
        &registrar,
        json!({"uscc": "52420000MJH23339XA", "legacy_override_reason": "again"}),
    )
    .await;
    assert_eq!((s, problem_codes(&p)), (422, vec!["uscc_taken".to_owned()]));
    let (_, a) = json(
        app.get(&format!("/api/v1/applications/{id2}"), Some(&registrar))
            .await,
    )
    .await;
    assert_eq!(a["status"], "submitted", "nothing half-saved");
}

#[tokio::test]
async fn documents_are_checked_by_content_and_shown_only_to_those_who_see_the_application() {
    let app = crate::common::spawn_with(|s| s.max_upload_bytes = 1024).await;
    let token = applicant(&app, "a@example.cn").await;
    let other = applicant(&app, "b@example.cn").await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let (_, a) = post(
        &app,
        "/api/v1/applications",
        &token,
        agency("武汉市知行社区服务中心"),
    )
    .await;
    let id = a["id"].as_str().unwrap().to_owned();

    let (s, p) = upload(
        &app,
        &token,
        "charter.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00disguised program",
    )
    .await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["file_type_not_allowed".to_owned()]),
        "{p}"
    );
    let (s, p) = upload(&app, &token, "big.pdf", &[PDF, &[b' '; 2048]].concat()).await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["file_too_large".to_owned()])
    );
    let (s, p) = upload(&app, &token, "huge.pdf", &vec![b'a'; 1024 * 1024 + 4096]).await;
    assert_eq!(s, 413, "refused before it is read: {p}");
    let (s, f) = upload(&app, &token, "章程.pdf", PDF).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["content_type"], "application/pdf");
    let file = f["id"].as_str().unwrap().to_owned();

    // Someone else cannot attach my upload; I can.
    let (_, b) = post(
        &app,
        "/api/v1/applications",
        &other,
        agency("武汉市其他中心"),
    )
    .await;
    let (s, _) = post(
        &app,
        &format!(
            "/api/v1/applications/{}/documents",
            b["id"].as_str().unwrap()
        ),
        &other,
        json!({"file_id": file, "label": "charter"}),
    )
    .await;
    assert_eq!(s, 422);
    let (s, p) = post(
        &app,
        &format!("/api/v1/applications/{id}/documents"),
        &token,
        json!({"file_id": file, "label": "poem"}),
    )
    .await;
    assert_eq!((s, problem_fields(&p)), (422, vec!["label".to_owned()]));
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{id}/documents"),
        &token,
        json!({"file_id": file, "label": "charter"}),
    )
    .await;
    assert_eq!(s, 201);

    let file_path = format!("/api/v1/files/{file}");
    let resp = app.get(&file_path, Some(&token)).await;
    assert_eq!(resp.0.status().as_u16(), 200);
    assert_eq!(resp.0.into_body().into_bytes().await.unwrap().as_ref(), PDF);
    assert_eq!(
        app.get(&file_path, Some(&other)).await.0.status().as_u16(),
        404
    );
    assert_eq!(
        app.get(&file_path, Some(&registrar))
            .await
            .0
            .status()
            .as_u16(),
        404,
        "a draft's documents are private"
    );
    post(
        &app,
        &format!("/api/v1/applications/{id}/submit"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(
        app.get(&file_path, Some(&registrar))
            .await
            .0
            .status()
            .as_u16(),
        200
    );
    let (_, docs) = json(
        app.get(
            &format!("/api/v1/applications/{id}/documents"),
            Some(&registrar),
        )
        .await,
    )
    .await;
    assert_eq!(docs["items"][0]["label"], "charter");
    assert_eq!(docs["items"][0]["file_name"], "章程.pdf");
    // The content lives once, under its hash.
    let sha = docs["items"][0]["sha256"].as_str().unwrap();
    assert!(cogov::files::blob_path(&app.state.settings.data_dir, sha).exists());
}

#[tokio::test]
async fn the_org_admin_invites_and_removes_members() {
    let app = spawn().await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let admin = applicant(&app, "admin@example.cn").await;
    let org = registered(&app, &admin, &registrar, "武汉市益心社区服务中心").await;
    let (joiner_user, joiner) = app
        .user_with_token("join@example.cn", Role::OrgMember)
        .await;
    let stranger = applicant(&app, "stranger@example.cn").await;

    let (s, i) = post(
        &app,
        &format!("/api/v1/organizations/{org}/invitations"),
        &admin,
        json!({"email": "JOIN@example.cn"}),
    )
    .await;
    assert_eq!(s, 201, "{i}");
    let (s, _) = post(
        &app,
        &format!("/api/v1/organizations/{org}/invitations"),
        &admin,
        json!({"email": "join@example.cn"}),
    )
    .await;
    assert_eq!(s, 409, "already invited");
    let (s, _) = post(
        &app,
        &format!("/api/v1/organizations/{org}/invitations"),
        &stranger,
        json!({"email": "x@example.cn"}),
    )
    .await;
    assert_eq!(s, 403);
    let inv = i["id"].as_str().unwrap();
    let (s, _) = post(
        &app,
        &format!("/api/v1/invitations/{inv}/accept"),
        &stranger,
        json!({}),
    )
    .await;
    assert_eq!(s, 404, "not addressed to the stranger");
    let (_, mine) = json(app.get("/api/v1/invitations", Some(&joiner)).await).await;
    assert_eq!(mine["items"][0]["id"], inv);
    let (s, _) = post(
        &app,
        &format!("/api/v1/invitations/{inv}/accept"),
        &joiner,
        json!({}),
    )
    .await;
    assert_eq!(s, 200);

    // Members are visible to the organization and registrars, not to strangers or the public.
    let (s, m) = json(
        app.get(
            &format!("/api/v1/organizations/{org}/members"),
            Some(&joiner),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(m["members"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get(
            &format!("/api/v1/organizations/{org}/members"),
            Some(&stranger)
        )
        .await
        .0
        .status()
        .as_u16(),
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/organizations/{org}/members"), None)
            .await
            .0
            .status()
            .as_u16(),
        401
    );
    let (_, profile) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert!(
        !profile.to_string().contains("join@example.cn"),
        "no member e-mails in public"
    );

    // A member cannot remove; the admin can, not themselves.
    let admin_id = entity::users::Entity::find_by_email("admin@example.cn", &app)
        .await
        .id;
    let (s, _) = post(
        &app,
        &format!("/api/v1/organizations/{org}/members/{admin_id}/remove"),
        &joiner,
        json!({}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &app,
        &format!("/api/v1/organizations/{org}/members/{admin_id}/remove"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(s, 409);
    let resp = app
        .post_json(
            &format!(
                "/api/v1/organizations/{org}/members/{}/remove",
                joiner_user.id
            ),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(resp.0.status().as_u16(), 204);
    let (_, me) = json(app.get("/api/v1/me", Some(&joiner)).await).await;
    assert_eq!(me["organization_id"], Value::Null);
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn change_and_deregistration_go_through_the_same_review() {
    let app = spawn().await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let admin = applicant(&app, "admin@example.cn").await;
    let org = registered(&app, &admin, &registrar, "武汉市恒爱社区服务中心").await;
    let member_user = app
        .user_in(
            "member@example.cn",
            Role::OrgMember,
            None,
            Some(org.parse().unwrap()),
        )
        .await;
    let member = app.token(&member_user, true).await;

    // A member drafts a change; only the org admin submits it.
    let (s, c) = post(
        &app,
        "/api/v1/applications",
        &member,
        json!({"kind": "change", "address": "武汉市武昌区中南路8号"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let cid = c["id"].as_str().unwrap().to_owned();
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{cid}/submit"),
        &member,
        json!({}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{cid}/submit"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{cid}/approve"),
        &registrar,
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let (_, p) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert_eq!(p["organization"]["address"], "武汉市武昌区中南路8号");

    // An empty change is refused at submit.
    let (_, c) = post(
        &app,
        "/api/v1/applications",
        &admin,
        json!({"kind": "change"}),
    )
    .await;
    let (s, e) = post(
        &app,
        &format!("/api/v1/applications/{}/submit", c["id"].as_str().unwrap()),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!((s, problem_codes(&e)), (422, vec!["no_changes".to_owned()]));

    // Deregistration.
    let (_, d) = post(
        &app,
        "/api/v1/applications",
        &admin,
        json!({"kind": "deregistration", "reason": "理事会决议解散"}),
    )
    .await;
    let did = d["id"].as_str().unwrap().to_owned();
    post(
        &app,
        &format!("/api/v1/applications/{did}/submit"),
        &admin,
        json!({}),
    )
    .await;
    let (s, _) = post(
        &app,
        &format!("/api/v1/applications/{did}/approve"),
        &registrar,
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let (_, p) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert_eq!(p["organization"]["status"], "deregistered");
    let (_, hits) = json(
        app.get("/api/v1/organizations?status=deregistered", None)
            .await,
    )
    .await;
    assert_eq!(hits["items"].as_array().unwrap().len(), 1);
    let (s, _) = post(
        &app,
        "/api/v1/applications",
        &admin,
        json!({"kind": "change", "address": "x"}),
    )
    .await;
    assert_eq!(
        s, 409,
        "a struck-off organization makes no more applications"
    );
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn annual_reports_are_due_by_type_reviewed_and_their_figures_public() {
    let app = spawn().await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let admin = applicant(&app, "admin@example.cn").await;
    let org = registered(&app, &admin, &registrar, "武汉市乐龄社区服务中心").await;
    let report = |year: i32, file: Option<&str>| {
        json!({
            "year": year, "income_fen": 12_000_000, "expenditure_fen": 9_800_000,
            "net_assets_fen": 6_000_000, "staff_count": 6, "volunteer_count": 40,
            "activities": "开展居家养老上门服务 3200 人次", "statement_file_id": file,
        })
    };
    // 2026 is not over yet.
    let (s, p) = post(&app, "/api/v1/annual-reports", &admin, report(2026, None)).await;
    assert_eq!(s, 422);
    assert!(
        problem_codes(&p).contains(&"year_not_reportable".to_owned()),
        "{p}"
    );

    app.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap());
    let (s, p) = post(&app, "/api/v1/annual-reports", &admin, report(2026, None)).await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["statement_required".to_owned()])
    );
    let (_, f) = upload(&app, &admin, "审计报告.pdf", PDF).await;
    let (s, r) = post(
        &app,
        "/api/v1/annual-reports",
        &admin,
        report(2026, f["id"].as_str()),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let rid = r["id"].as_str().unwrap().to_owned();
    let (s, _) = post(&app, "/api/v1/annual-reports", &admin, report(2026, None)).await;
    assert_eq!(s, 409, "one report per year");

    // Returned, corrected, accepted.
    let (s, _) = post(
        &app,
        &format!("/api/v1/annual-reports/{rid}/accept"),
        &admin,
        json!({"result": "pass"}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &app,
        &format!("/api/v1/annual-reports/{rid}/return"),
        &registrar,
        json!({"reason": "支出明细不全"}),
    )
    .await;
    assert_eq!(s, 200);
    let (_, p) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert!(
        p["annual_reports"].as_array().unwrap().is_empty(),
        "not public before acceptance"
    );
    let (s, r) = post(&app, "/api/v1/annual-reports", &admin, report(2026, None)).await;
    assert_eq!(s, 201, "resubmitted, keeping the statement: {r}");
    assert_eq!(r["statement_file_id"], f["id"]);
    let (s, _) = post(
        &app,
        &format!("/api/v1/annual-reports/{rid}/accept"),
        &registrar,
        json!({"result": "basic_pass"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        &app,
        &format!("/api/v1/annual-reports/{rid}/accept"),
        &registrar,
        json!({"result": "pass"}),
    )
    .await;
    assert_eq!(s, 409);
    let (_, p) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert_eq!(p["annual_reports"][0]["year"], 2026);
    assert_eq!(p["annual_reports"][0]["result"], "basic_pass");
    assert_eq!(p["annual_reports"][0]["income_fen"], 12_000_000);
    // The statement stays private.
    let stranger = applicant(&app, "s@example.cn").await;
    assert_eq!(
        app.get(
            &format!("/api/v1/files/{}", f["id"].as_str().unwrap()),
            Some(&stranger)
        )
        .await
        .0
        .status()
        .as_u16(),
        404
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/files/{}", f["id"].as_str().unwrap()),
            Some(&registrar)
        )
        .await
        .0
        .status()
        .as_u16(),
        200
    );
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn a_new_organization_skips_a_year_it_held_for_less_than_six_months() {
    let app = spawn().await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 8, 1, 2, 0, 0).unwrap());
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let admin = applicant(&app, "admin@example.cn").await;
    registered(&app, &admin, &registrar, "武汉市仁爱社区服务中心").await;
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 2, 1, 2, 0, 0).unwrap());
    let (_, f) = upload(&app, &admin, "s.pdf", PDF).await;
    let (s, p) = post(
        &app,
        "/api/v1/annual-reports",
        &admin,
        json!({"year": 2026, "income_fen": 0, "expenditure_fen": 0, "net_assets_fen": 0,
               "staff_count": 1, "volunteer_count": 0, "activities": "筹备", "statement_file_id": f["id"]}),
    )
    .await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["year_skipped".to_owned()])
    );
    // And the job does not list it for 2026.
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 6, 2, 2, 0, 0).unwrap());
    let run = run_credit_job(app.db(), "test", app.clock.now(), Default::default())
        .await
        .unwrap();
    assert_eq!((run.ran, run.abnormal), (true, 0));
}

#[tokio::test]
async fn the_daily_job_lists_overdue_reports_once_and_moves_two_year_abnormal_to_dishonest() {
    let app = spawn().await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let admin = applicant(&app, "admin@example.cn").await;
    let org = registered(&app, &admin, &registrar, "武汉市安康社区服务中心").await;

    // Due 31 May 2027 for an agency: nothing on the due day itself.
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 5, 31, 10, 0, 0).unwrap());
    let run = run_credit_job(app.db(), "a", app.clock.now(), Default::default())
        .await
        .unwrap();
    assert_eq!(run.abnormal, 0);
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 6, 1, 2, 0, 0).unwrap());
    // Another instance holding the lease: this one does nothing.
    assert!(
        cogov::jobs::acquire(
            app.db(),
            cogov::registry::jobs::JOB,
            "other",
            app.clock.now(),
            Duration::minutes(10)
        )
        .await
        .unwrap()
    );
    let run = run_credit_job(app.db(), "a", app.clock.now(), Default::default())
        .await
        .unwrap();
    assert!(!run.ran);
    app.clock.advance(Duration::minutes(11));
    let run = run_credit_job(app.db(), "a", app.clock.now(), Default::default())
        .await
        .unwrap();
    assert_eq!((run.ran, run.abnormal), (true, 1));
    let run = run_credit_job(app.db(), "a", app.clock.now(), Default::default())
        .await
        .unwrap();
    assert!(!run.ran, "once a day");
    app.clock.advance(Duration::days(1));
    let run = run_credit_job(app.db(), "b", app.clock.now(), Default::default())
        .await
        .unwrap();
    assert_eq!((run.ran, run.abnormal), (true, 0), "never listed twice");

    let (_, p) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert_eq!(p["organization"]["credit_status"], "abnormal");
    assert_eq!(p["credit_records"][0]["started_on"], "2027-06-01");
    let (_, hits) = json(
        app.get("/api/v1/organizations?credit_status=abnormal", None)
            .await,
    )
    .await;
    assert_eq!(hits["items"][0]["id"], org.as_str());

    // Two years later it is dishonest as well.
    app.clock
        .set(Utc.with_ymd_and_hms(2029, 6, 2, 2, 0, 0).unwrap());
    let run = run_credit_job(app.db(), "a", app.clock.now(), Default::default())
        .await
        .unwrap();
    assert_eq!(run.dishonest, 1);
    let (_, p) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert_eq!(p["organization"]["credit_status"], "dishonest");

    // A registrar lifts both; the status follows.
    for r in p["credit_records"].as_array().unwrap() {
        let (s, b) = post(
            &app,
            &format!("/api/v1/credit-records/{}/lift", r["id"].as_str().unwrap()),
            &registrar,
            json!({"reason": "已整改", "lifted_on": "2029-06-02"}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
    }
    let (_, p) = json(app.get(&format!("/api/v1/organizations/{org}"), None).await).await;
    assert_eq!(p["organization"]["credit_status"], "none");
    let rid = p["credit_records"][0]["id"].as_str().unwrap();
    let (s, _) = post(
        &app,
        &format!("/api/v1/credit-records/{rid}/lift"),
        &registrar,
        json!({"reason": "again", "lifted_on": "2029-06-02"}),
    )
    .await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn registrars_keep_credit_records_grades_and_revocations() {
    let app = spawn().await;
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let admin = applicant(&app, "admin@example.cn").await;
    let org = registered(&app, &admin, &registrar, "武汉市明德社区服务中心").await;

    let (s, _) = post(
        &app,
        &format!("/api/v1/organizations/{org}/credit-records"),
        &admin,
        json!({"kind": "abnormal", "ground": "x", "started_on": "2026-02-13"}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, p) = post(
        &app,
        &format!("/api/v1/organizations/{org}/credit-records"),
        &registrar,
        json!({"kind": "abnormal", "ground": "", "started_on": "2026-02-13"}),
    )
    .await;
    assert_eq!((s, problem_fields(&p)), (422, vec!["ground".to_owned()]));
    let (s, p) = post(
        &app,
        &format!("/api/v1/organizations/{org}/credit-records"),
        &registrar,
        json!({"kind": "abnormal", "ground": "住所无法联系", "started_on": "2027-01-01"}),
    )
    .await;
    assert_eq!(
        (s, problem_fields(&p)),
        (422, vec!["started_on".to_owned()])
    );
    let (s, _) = post(
        &app,
        &format!("/api/v1/organizations/{org}/credit-records"),
        &registrar,
        json!({"kind": "abnormal", "ground": "住所无法联系", "started_on": "2026-02-13"}),
    )
    .await;
    assert_eq!(s, 201);

    // Grades only after 2 full years.
    let (s, p) = post(
        &app,
        &format!("/api/v1/organizations/{org}/grades"),
        &registrar,
        json!({"grade": 4, "awarded_on": "2026-02-13"}),
    )
    .await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["grade_too_early".to_owned()])
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2028, 2, 14, 2, 0, 0).unwrap());
    let (s, p) = post(
        &app,
        &format!("/api/v1/organizations/{org}/grades"),
        &registrar,
        json!({"grade": 6, "awarded_on": "2028-02-13"}),
    )
    .await;
    assert_eq!((s, problem_fields(&p)), (422, vec!["grade".to_owned()]));
    let (s, g) = post(
        &app,
        &format!("/api/v1/organizations/{org}/grades"),
        &registrar,
        json!({"grade": 4, "awarded_on": "2028-02-13"}),
    )
    .await;
    assert_eq!(s, 201, "{g}");
    assert_eq!(g["valid_until"], "2033-02-12");
    let (_, hits) = json(app.get("/api/v1/organizations?grade=4", None).await).await;
    assert_eq!(hits["items"][0]["grade"], "4A");
    // Expired grades are not current.
    app.clock
        .set(Utc.with_ymd_and_hms(2033, 2, 14, 2, 0, 0).unwrap());
    let (_, hits) = json(app.get("/api/v1/organizations?grade=4", None).await).await;
    assert!(hits["items"].as_array().unwrap().is_empty());

    // Revocation needs a reason and lists the organization as dishonest.
    let (s, _) = post(
        &app,
        &format!("/api/v1/organizations/{org}/revoke"),
        &registrar,
        json!({"reason": ""}),
    )
    .await;
    assert_eq!(s, 422);
    let (s, o) = post(
        &app,
        &format!("/api/v1/organizations/{org}/revoke"),
        &registrar,
        json!({"reason": "虚假登记"}),
    )
    .await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(o["status"], "revoked");
    assert_eq!(o["credit_status"], "dishonest");
    let (s, _) = post(
        &app,
        &format!("/api/v1/organizations/{org}/revoke"),
        &registrar,
        json!({"reason": "again"}),
    )
    .await;
    assert_eq!(s, 409);
    app.assert_history_agrees().await;
}

#[tokio::test]
async fn the_public_search_filters_and_pages_and_refuses_unknown_values() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let (_, all) = json(app.get("/api/v1/organizations?limit=100", None).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 100);
    let mut seen = all["items"].as_array().unwrap().len();
    let mut cursor = all["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let (_, page) = json(
            app.get(&format!("/api/v1/organizations?limit=100&cursor={c}"), None)
                .await,
        )
        .await;
        seen += page["items"].as_array().unwrap().len();
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert!(seen >= 200, "{seen}");

    let (_, hubei) = json(
        app.get("/api/v1/organizations?region=420000&limit=100", None)
            .await,
    )
    .await;
    let items = hubei["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|o| o["division_code"].as_str().unwrap().starts_with("42"))
    );
    let (_, wuhan) = json(
        app.get(
            "/api/v1/organizations?region=420100&org_type=social_group&limit=100",
            None,
        )
        .await,
    )
    .await;
    assert!(
        wuhan["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["org_type"] == "social_group"
                && o["division_code"].as_str().unwrap().starts_with("4201"))
    );
    let (_, found) = json(
        app.get(
            &format!(
                "/api/v1/organizations?q={}",
                urlencoding::encode("阳光养老服务中心")
            ),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(found["items"][0]["name"], "北京市阳光养老服务中心");
    for bad in [
        "status=closed",
        "region=999999",
        "credit_status=bad",
        "grade=9",
        "org_type=club",
        "limit=0",
    ] {
        let (s, p) = json(app.get(&format!("/api/v1/organizations?{bad}"), None).await).await;
        assert_eq!(s, 400, "{bad}: {p}");
        assert_eq!(
            problem_fields(&p),
            [bad.split('=').next().unwrap()],
            "{bad}"
        );
    }
}

#[tokio::test]
async fn import_reports_rejected_lines_never_imports_part_of_a_row_and_is_idempotent() {
    let app = spawn().await;
    let good = Uscc::generate(
        cogov::registry::uscc::Category::SocialServiceAgency,
        "420100",
        7,
    )
    .unwrap();
    let csv = format!(
        "uscc,name,org_type,public_offering,division_code,field,supervising_unit,address,legal_representative,business_scope,funds_yuan,registered_on,status,grade,grade_awarded_on\n\
         {good},武汉市导入测试中心,social_service_agency,,420100,community_service,,武汉市,张三,服务,50000.00,2018-03-01,active,3A,2021-05-01\n\
         52420000MJH23339XA,坏代码中心,social_service_agency,,420100,community_service,,,,,1.00,2018-03-01,,,\n\
         {good2},金额中心,social_service_agency,,999999,community_service,,,,,1.005,2018-03-01,,,\n",
        good2 = Uscc::generate(
            cogov::registry::uscc::Category::SocialServiceAgency,
            "420100",
            8
        )
        .unwrap(),
    );
    let now = app.clock.now();
    let report = cogov::registry::import::import_csv(
        app.db(),
        std::io::Cursor::new(csv.clone().into_bytes()),
        now,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.created, 1);
    let lines: Vec<_> = report.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4]);
    assert!(
        report.rejected[0].errors[0]
            .message
            .contains("character 18")
    );
    let fields: Vec<_> = report.rejected[1]
        .errors
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(fields, ["division_code", "funds_yuan"]);
    let again = cogov::registry::import::import_csv(
        app.db(),
        std::io::Cursor::new(csv.clone().into_bytes()),
        now,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!((again.created, again.already_present), (0, 1));
    let (_, all) = json(app.get("/api/v1/organizations", None).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    assert_eq!(all["items"][0]["grade"], "3A");

    // The export carries it, in the import's columns.
    let resp = app.get("/api/v1/organizations/export.csv", None).await;
    assert_eq!(resp.0.status().as_u16(), 200);
    assert!(resp.0.content_type().unwrap().starts_with("text/csv"));
    let text = resp.0.into_body().into_string().await.unwrap();
    assert!(text.starts_with("uscc,name,org_type"));
    assert!(text.contains(&format!("{good},武汉市导入测试中心")));
    let back = cogov::registry::import::import_csv(
        app.db(),
        std::io::Cursor::new(text.clone().into_bytes()),
        now,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        (back.created, back.already_present, back.rejected.len()),
        (0, 1, 0)
    );
}

#[tokio::test]
async fn the_demo_registry_seeds_once() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let count = || async {
        entity::organizations::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap()
    };
    let first = count().await;
    assert!(first >= 200);
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    assert_eq!(count().await, first);
    // The demo's overdue-report listings carry the job's keys: the job adds none.
    let run = run_credit_job(app.db(), "demo", app.clock.now(), Default::default())
        .await
        .unwrap();
    assert_eq!((run.ran, run.abnormal, run.dishonest), (true, 0, 0));
    let (_, abnormal) = json(
        app.get(
            "/api/v1/organizations?credit_status=abnormal&limit=100",
            None,
        )
        .await,
    )
    .await;
    assert!(!abnormal["items"].as_array().unwrap().is_empty());
    let (_, graded) = json(
        app.get("/api/v1/organizations?grade=5&limit=100", None)
            .await,
    )
    .await;
    assert!(!graded["items"].as_array().unwrap().is_empty());
}

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

trait FindByEmail {
    async fn find_by_email(email: &str, app: &TestApp) -> entity::users::Model;
}

impl FindByEmail for entity::users::Entity {
    async fn find_by_email(email: &str, app: &TestApp) -> entity::users::Model {
        entity::users::Entity::find()
            .filter(entity::users::Column::Email.eq(email))
            .one(app.db().conn())
            .await
            .unwrap()
            .unwrap()
    }
}

trait AllActions {
    async fn all_actions(app: &TestApp) -> Vec<String>;
}

impl AllActions for entity::audit_entries::Entity {
    async fn all_actions(app: &TestApp) -> Vec<String> {
        entity::audit_entries::Entity::find()
            .order_by_asc(entity::audit_entries::Column::Seq)
            .all(app.db().conn())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

#[tokio::test]
async fn materials_are_required_before_submitting_and_the_admin_sets_which() {
    let app = spawn().await;
    let token = applicant(&app, "founder@materials.cn").await;
    let (_, registrar) = app
        .user_with_token("reg@materials.cn", Role::Registrar)
        .await;
    let (_, admin) = app.user_with_token("root@materials.cn", Role::Admin).await;
    let mut body = agency("武汉市材料社工服务中心");
    body["supervising_unit"] = json!("武汉市卫生健康委员会");
    let (s, a) = json(
        app.post_json("/api/v1/applications", Some(&token), body)
            .await,
    )
    .await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let checklist = format!("/api/v1/applications/{id}/checklist");
    let (_, list) = json(app.get(&checklist, Some(&token)).await).await;
    let labels: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "charter",
            "office_proof",
            "proof_of_funds",
            "legal_representative_id",
            "supervisor_consent"
        ],
        "the unit's consent, since a unit is named"
    );
    assert_eq!(list["complete"], false);

    // Submitting names every missing document.
    let submit = format!("/api/v1/applications/{id}/submit");
    let (s, p) = json(app.post_json(&submit, Some(&token), json!({})).await).await;
    assert_eq!(s, 422);
    let mut fields = problem_fields(&p);
    fields.sort();
    assert_eq!(fields.len(), 5, "{p}");
    assert!(fields.contains(&"documents.supervisor_consent".to_owned()));
    assert!(problem_codes(&p).iter().all(|c| c == "document_missing"));

    // The office asks less: only the charter.
    let requirements = "/api/v1/applications/requirements/registration";
    let (s, _) = json(
        app.put_json(
            requirements,
            Some(&registrar),
            json!({"labels": ["charter"]}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403, "only an admin");
    let (s, p) = json(
        app.put_json(
            requirements,
            Some(&admin),
            json!({"labels": ["charter", "poem"]}),
        )
        .await,
    )
    .await;
    assert_eq!((s, problem_fields(&p)), (422, vec!["labels[1]".to_owned()]));
    let (s, r) = json(
        app.put_json(requirements, Some(&admin), json!({"labels": ["charter"]}))
            .await,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (_, public) = json(app.get("/api/v1/applications/requirements", None).await).await;
    assert_eq!(public["registration"], json!(["charter"]));
    assert_eq!(
        public["deregistration"],
        json!(["dissolution_resolution", "liquidation_report"])
    );
    let (_, list) = json(app.get(&checklist, Some(&token)).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let (_, f) = upload(&app, &token, "章程草案.pdf", PDF).await;
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/applications/{id}/documents"),
            Some(&token),
            json!({"file_id": f["id"], "label": "charter"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
    let (_, list) = json(app.get(&checklist, Some(&token)).await).await;
    assert_eq!(list["complete"], true);
    let (s, _) = json(app.post_json(&submit, Some(&token), json!({})).await).await;
    assert_eq!(s, 200);
    // The registrar reads the same checklist; a stranger does not.
    let (s, list) = json(app.get(&checklist, Some(&registrar)).await).await;
    assert_eq!((s, list["complete"].clone()), (200, json!(true)));
    let stranger = applicant(&app, "stranger@materials.cn").await;
    let (s, _) = json(app.get(&checklist, Some(&stranger)).await).await;
    assert_eq!(s, 404);

    // Returned, it takes new files again.
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/applications/{id}/return"),
            Some(&registrar),
            json!({"reason": "请补充住所使用证明"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (_, f) = upload(&app, &token, "住所.pdf", PDF).await;
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/applications/{id}/documents"),
            Some(&token),
            json!({"file_id": f["id"], "label": "office_proof"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201);
}
