//! The registry through the pages, as a person uses it: sign up, apply, be
//! returned, fix, resubmit, be approved, appear in the public registry; the
//! registrar's workspace; members; annual reports; both languages.

use crate::common::{PASSWORD, Page, spawn};
use chrono::{TimeZone, Utc};
use cogov::auth::Role;
use cogov::clock::Clock;
use cogov::registry::uscc::Uscc;

const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn location_id(p: &Page, prefix: &str) -> String {
    let loc = p
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("no redirect: {} {}", p.status, p.body));
    loc.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{loc}"))
        .to_owned()
}

#[tokio::test]
async fn sign_up_apply_be_returned_fix_resubmit_and_be_approved_through_the_pages() {
    let app = spawn().await;
    app.user("reg@mca.gov.cn", Role::Registrar).await;

    // Sign up and sign in.
    let mut org = app.browser();
    let csrf = org.get("/signup").await.csrf();
    let signed = org
        .post(
            "/signup",
            &[
                ("csrf_token", &csrf),
                ("email", "zhang@example.cn"),
                ("display_name", "张敏"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed.status, 303);
    assert_eq!(org.login("zhang@example.cn", PASSWORD).await.status, 303);
    let my = org.get("/my").await;
    assert_eq!(my.status, 200);
    assert!(my.body.contains("申请成立登记"), "{}", my.body);

    // A draft that breaks a rule: saved, then refused at submit with the rule named.
    let form = org.get("/applications/new?kind=registration").await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    let fields = |name: &'static str, field: &'static str, unit: &'static str| {
        vec![
            ("kind", "registration"),
            ("name", name),
            ("org_type", "social_service_agency"),
            ("division_code", "420100"),
            ("field", field),
            ("supervising_unit", unit),
            ("address", "武汉市江岸区中山大道1号"),
            ("legal_representative", "张敏"),
            ("business_scope", "居家养老服务"),
            ("funds_yuan", "50000.00"),
            ("individual_members", ""),
            ("unit_members", ""),
        ]
    };
    let mut with_csrf = vec![("csrf_token", csrf.as_str())];
    with_csrf.extend(fields("武汉市阳光养老服务中心", "other", ""));
    let created = org.post("/applications", &with_csrf).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let id = location_id(&created, "/applications/");
    let page = org.get(&format!("/applications/{id}")).await;
    assert!(page.body.contains("草稿"));
    let refused = org
        .post(
            &format!("/applications/{id}/submit"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("直接登记的四类以外须填写业务主管单位"),
        "{}",
        refused.body
    );

    // Bad amounts are refused naming the field, and what was typed stays.
    let mut bad = vec![("csrf_token", csrf.as_str())];
    bad.extend(fields("武汉市阳光养老服务中心", "community_service", ""));
    bad.retain(|(k, _)| *k != "funds_yuan");
    bad.push(("funds_yuan", "12.345"));
    let shown = org.post(&format!("/applications/{id}"), &bad).await;
    assert_eq!(shown.status, 422);
    assert!(shown.body.contains("value=\"12.345\""));

    // Fixed, a document attached (a disguised program is refused), submitted.
    let mut good = vec![("csrf_token", csrf.as_str())];
    good.extend(fields("武汉市阳光养老服务中心", "community_service", ""));
    assert_eq!(
        org.post(&format!("/applications/{id}"), &good).await.status,
        303
    );
    let disguised = org
        .post_multipart(
            &format!("/applications/{id}/documents"),
            &[("csrf_token", &csrf), ("label", "charter")],
            ("file", "章程.pdf", b"MZ\x90\0\x03\0\0\0program"),
        )
        .await;
    assert_eq!(disguised.status, 422);
    let attached = org
        .post_multipart(
            &format!("/applications/{id}/documents"),
            &[("csrf_token", &csrf), ("label", "charter")],
            ("file", "章程.pdf", PDF),
        )
        .await;
    assert_eq!(attached.status, 303, "{}", attached.body);
    // The checklist shows what is still missing, and submit names it.
    let page = org.get(&format!("/applications/{id}")).await;
    assert!(page.body.contains("申请材料清单"), "{}", page.body);
    assert!(page.body.contains("尚未上传"));
    // "Check your answers" says what is missing, and offers no sending yet.
    let check = org.get(&format!("/applications/{id}/check")).await;
    assert_eq!(check.status, 200, "{}", check.body);
    assert!(
        check.body.contains("提交前请核对申请内容")
            && check.body.contains("章程.pdf")
            && check.body.contains("还不能提交")
            && check.body.contains("住所使用证明")
            && check.body.contains("请上传此材料后再提交"),
        "{}",
        check.body
    );
    assert!(
        !check
            .body
            .contains(&format!("action=\"/applications/{id}/submit\""))
    );
    let refused = org
        .post(
            &format!("/applications/{id}/submit"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("住所使用证明") && refused.body.contains("请上传此材料后再提交"),
        "{}",
        refused.body
    );
    for (label, name) in [
        ("office_proof", "住所.pdf"),
        ("proof_of_funds", "验资.pdf"),
        ("legal_representative_id", "身份证明.pdf"),
    ] {
        let attached = org
            .post_multipart(
                &format!("/applications/{id}/documents"),
                &[("csrf_token", &csrf), ("label", label)],
                ("file", name, PDF),
            )
            .await;
        assert_eq!(attached.status, 303, "{}", attached.body);
    }
    assert!(
        !org.get(&format!("/applications/{id}"))
            .await
            .body
            .contains("尚未上传")
    );
    // Complete: the answers and every document, and the form that sends.
    let check = org.get(&format!("/applications/{id}/check")).await;
    assert_eq!(check.status, 200);
    assert!(
        check.body.contains("武汉市江岸区中山大道1号")
            && check.body.contains("身份证明.pdf")
            && check
                .body
                .contains(&format!("action=\"/applications/{id}/submit\""))
            && !check.body.contains("还不能提交"),
        "{}",
        check.body
    );
    // Nobody else reaches it: not another organization's person.
    app.user("li@other.cn", Role::OrgMember).await;
    let mut stranger = app.browser();
    stranger.login("li@other.cn", PASSWORD).await;
    let theirs = stranger.get(&format!("/applications/{id}/check")).await;
    assert!(matches!(theirs.status, 403 | 404), "{}", theirs.status);
    assert_eq!(
        org.post(
            &format!("/applications/{id}/submit"),
            &[("csrf_token", &csrf)]
        )
        .await
        .status,
        303
    );

    // The registrar sees the queue and returns it with a reason.
    let mut reg = app.browser();
    reg.login("reg@mca.gov.cn", PASSWORD).await;
    assert_eq!(
        reg.get(&format!("/applications/{id}/check")).await.status,
        403,
        "a registrar reads it but does not send it"
    );
    let work = reg.get("/registrar").await;
    assert_eq!(work.status, 200);
    assert!(
        work.body.contains("<strong>1</strong>件成立登记待审"),
        "{}",
        work.body
    );
    assert!(work.body.contains("武汉市阳光养老服务中心"));
    let detail = reg.get(&format!("/applications/{id}")).await;
    assert!(detail.body.contains("准予登记") && detail.body.contains("章程.pdf"));
    let rcsrf = detail.csrf();
    let empty = reg
        .post(
            &format!("/applications/{id}/return"),
            &[("csrf_token", &rcsrf), ("reason", " ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    let returned = reg
        .post(
            &format!("/applications/{id}/return"),
            &[("csrf_token", &rcsrf), ("reason", "请补充住所证明")],
        )
        .await;
    assert_eq!(returned.status, 303);

    // The applicant sees the reason, fixes and resubmits.
    let back = org.get(&format!("/applications/{id}")).await;
    assert!(back.body.contains("请补充住所证明") && back.body.contains("已退回"));
    let mut fixed = vec![("csrf_token", csrf.as_str())];
    fixed.extend(fields("武汉市阳光养老服务中心", "community_service", ""));
    fixed.retain(|(k, _)| *k != "address");
    fixed.push(("address", "武汉市江汉区解放大道100号"));
    assert_eq!(
        org.post(&format!("/applications/{id}"), &fixed)
            .await
            .status,
        303
    );
    assert_eq!(
        org.post(
            &format!("/applications/{id}/submit"),
            &[("csrf_token", &csrf)]
        )
        .await
        .status,
        303
    );

    // Approved with a generated code: the page shows the code it will
    // issue, the first press asks to confirm, the second decides.
    let before = reg.get(&format!("/applications/{id}")).await;
    assert!(
        before.body.contains("批准后将发放的统一社会信用代码"),
        "{}",
        before.body
    );
    assert!(before.body.contains("办理记录") && before.body.contains("退回修改"));
    let asked = reg
        .post(
            &format!("/applications/{id}/approve"),
            &[
                ("csrf_token", &rcsrf),
                ("uscc", ""),
                ("legacy_override_reason", ""),
            ],
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("确认批准这份申请？"), "{}", asked.body);
    assert!(asked.body.contains(r#"name="confirmed" value="1""#));
    let approved = reg
        .post(
            &format!("/applications/{id}/approve"),
            &[
                ("csrf_token", &rcsrf),
                ("confirmed", "1"),
                ("uscc", ""),
                ("legacy_override_reason", ""),
            ],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let loc = approved.location.clone().unwrap();
    assert!(loc.ends_with("?done=approve"), "{loc}");
    let shown = reg.get(&loc).await;
    assert!(
        shown.body.contains("已批准。申请人已收到通知。"),
        "told what happened"
    );
    let again = reg
        .post(
            &format!("/applications/{id}/approve"),
            &[("csrf_token", &rcsrf), ("confirmed", "1")],
        )
        .await;
    assert_eq!(again.status, 409, "decided once");

    // The applicant now runs the organization; the public finds it with its code.
    let my = org.get("/my").await;
    assert!(my.body.contains("武汉市阳光养老服务中心"));
    assert!(my.body.contains("申请变更登记"));
    let mut public = app.browser();
    let hits = public
        .get(&format!("/registry?q={}", urlencoding::encode("养老")))
        .await;
    assert_eq!(hits.status, 200);
    assert!(hits.body.contains("武汉市阳光养老服务中心"));
    let link = hits
        .body
        .split("href=\"/registry/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let profile = public.get(&format!("/registry/{link}")).await;
    let code = profile
        .body
        .split("<code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert!(Uscc::parse(code).is_ok(), "{code}");
    assert!(
        !profile.body.contains("zhang@example.cn"),
        "no member e-mails in public"
    );
    assert!(
        !profile.body.contains("撤销登记</button>"),
        "no registrar forms for the public"
    );
}

#[tokio::test]
async fn pages_refuse_what_the_viewer_may_not_see_or_do() {
    let app = spawn().await;
    app.user("a@example.cn", Role::OrgMember).await;
    app.user("b@example.cn", Role::OrgMember).await;
    let mut a = app.browser();
    a.login("a@example.cn", PASSWORD).await;
    let csrf = a.get("/applications/new").await.csrf();
    let created = a
        .post(
            "/applications",
            &[
                ("csrf_token", &csrf),
                ("kind", "registration"),
                ("name", "武汉市彩虹中心"),
                ("org_type", "social_service_agency"),
                ("division_code", "420100"),
                ("field", "community_service"),
            ],
        )
        .await;
    let id = location_id(&created, "/applications/");

    let mut b = app.browser();
    b.login("b@example.cn", PASSWORD).await;
    assert_eq!(b.get(&format!("/applications/{id}")).await.status, 404);
    let bcsrf = b.get("/my").await.csrf();
    assert_eq!(
        b.post(
            &format!("/applications/{id}/submit"),
            &[("csrf_token", &bcsrf)]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        b.post(
            &format!("/applications/{id}/approve"),
            &[("csrf_token", &bcsrf)]
        )
        .await
        .status,
        403
    );
    assert_eq!(b.get("/registrar").await.status, 403);
    // Without the form's token nothing happens.
    assert_eq!(
        a.post(
            &format!("/applications/{id}/submit"),
            &[("csrf_token", "forged")]
        )
        .await
        .status,
        403
    );
    // Signed out: to the sign-in page.
    let mut anon = app.browser();
    let r = anon.get("/my").await;
    assert_eq!(r.status, 303);
    assert!(r.location.unwrap().starts_with("/login"));
}

#[tokio::test]
async fn members_and_annual_reports_through_the_pages() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let mut admin = app.browser();
    assert_eq!(
        admin
            .login("org-admin@demo.cogov.cn", cogov::demo::DEMO_PASSWORD)
            .await
            .status,
        303
    );
    let members = admin.get("/my/organization").await;
    assert_eq!(members.status, 200);
    assert!(members.body.contains("org-member@demo.cogov.cn"));
    let csrf = members.csrf();
    assert_eq!(
        admin
            .post(
                "/my/organization/invitations",
                &[("csrf_token", &csrf), ("email", "new@example.cn")]
            )
            .await
            .status,
        303
    );
    let dup = admin
        .post(
            "/my/organization/invitations",
            &[("csrf_token", &csrf), ("email", "new@example.cn")],
        )
        .await;
    assert_eq!(dup.status, 409);
    assert!(dup.body.contains("该邮箱已有待接受的邀请"));

    app.user("new@example.cn", Role::OrgMember).await;
    let mut invitee = app.browser();
    invitee.login("new@example.cn", PASSWORD).await;
    let my = invitee.get("/my").await;
    assert!(my.body.contains("北京市阳光养老服务中心"));
    let inv = my
        .body
        .split("action=\"/invitations/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        invitee
            .post(
                &format!("/invitations/{inv}/accept"),
                &[("csrf_token", &my.csrf())]
            )
            .await
            .status,
        303
    );
    assert!(
        invitee
            .get("/my/organization")
            .await
            .body
            .contains("new@example.cn")
    );
}

#[tokio::test]
async fn an_annual_report_is_submitted_with_its_statement_and_accepted_through_the_pages() {
    let app = spawn().await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap());
    let record = cogov::registry::import::Record {
        new: cogov::registry::organizations::NewOrganization {
            name: "武汉市和美社区服务中心".into(),
            org_type: cogov::registry::rules::OrgType::SocialServiceAgency,
            division_code: "420100".into(),
            field: cogov::registry::rules::Field::CommunityService,
            supervising_unit: None,
            address: "武汉市".into(),
            legal_representative: "王芳".into(),
            business_scope: "社区服务".into(),
            funds_fen: 5_000_000,
            registered_on: "2019-04-01".parse().unwrap(),
            uscc: Uscc::generate(
                cogov::registry::uscc::Category::SocialServiceAgency,
                "420100",
                5,
            )
            .unwrap()
            .as_str()
            .into(),
            uscc_legacy_reason: None,
        },
        status: entity::organizations::Status::Active,
        grade: None,
    };
    cogov::registry::import::import_one(app.db(), record, app.clock.now())
        .await
        .unwrap();
    let org = <entity::organizations::Entity as sea_orm::EntityTrait>::find()
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    app.user_in("admin@example.cn", Role::OrgAdmin, None, Some(org.id))
        .await;
    app.user("reg@mca.gov.cn", Role::Registrar).await;
    let mut admin = app.browser();
    admin.login("admin@example.cn", PASSWORD).await;
    let reports = admin.get("/my/annual-reports").await;
    assert_eq!(reports.status, 200);
    assert!(
        reports.body.contains("value=\"2025\""),
        "last year is proposed"
    );
    let csrf = reports.csrf();
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("year", "2025"),
        ("income_yuan", "1200000.00"),
        ("expenditure_yuan", "980000"),
        ("net_assets_yuan", "-600.5"),
        ("staff_count", "12"),
        ("volunteer_count", "85"),
        ("activities", "居家养老上门服务 3200 人次"),
    ];
    let disguised = admin
        .post_multipart(
            "/my/annual-reports",
            &fields,
            ("file", "审计报告.pdf", b"<html>not a pdf</html>"),
        )
        .await;
    assert_eq!(disguised.status, 422);
    assert!(
        disguised.body.contains("value=\"1200000.00\""),
        "what was typed stays"
    );
    let sent = admin
        .post_multipart("/my/annual-reports", &fields, ("file", "审计报告.pdf", PDF))
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);

    let mut reg = app.browser();
    reg.login("reg@mca.gov.cn", PASSWORD).await;
    let work = reg.get("/registrar").await;
    assert!(
        work.body.contains("<strong>1</strong>份年度报告待审"),
        "{}",
        work.body
    );
    let rid = work
        .body
        .split("href=\"/annual-reports/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let page = reg.get(&format!("/annual-reports/{rid}")).await;
    assert!(page.body.contains("-600.50") && page.body.contains("通过审查"));
    let statement = page
        .body
        .split("href=\"/files/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let file = reg.get(&format!("/files/{statement}")).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.headers.get("content-type").unwrap(), "application/pdf");
    let mut public = app.browser();
    assert_eq!(
        public.get(&format!("/files/{statement}")).await.status,
        303,
        "sign in first"
    );
    let accepted = reg
        .post(
            &format!("/annual-reports/{rid}/accept"),
            &[("csrf_token", &page.csrf()), ("result", "pass")],
        )
        .await;
    assert_eq!(accepted.status, 303);
    let profile = public.get(&format!("/registry/{}", org.id)).await;
    assert!(
        profile.body.contains("1,200,000.00") && profile.body.contains("合格"),
        "{}",
        profile.body
    );
}

#[tokio::test]
async fn registry_pages_read_well_in_both_languages() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let mut b = app.browser();
    let zh = b.get("/registry?org_type=foundation").await;
    assert_eq!(zh.status, 200);
    assert!(zh.body.contains("社会组织登记信息") && zh.body.contains("基金会"));
    let en = b
        .get_with(
            "/registry?credit_status=abnormal",
            ("accept-language", "en"),
        )
        .await;
    assert!(
        en.body.contains("Registry of social organizations")
            && en.body.contains("Abnormal activity list"),
        "{}",
        en.body
    );
    let bad = b.get("/registry?region=999999").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("region"), "the bad filter is named");
    let id = zh
        .body
        .split("href=\"/registry/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let profile = b
        .get_with(&format!("/registry/{id}"), ("accept-language", "en"))
        .await;
    assert_eq!(profile.status, 200);
    assert!(
        profile.body.contains("Unified Social Credit Code")
            && profile.body.contains("Annual reports")
    );
    assert_eq!(
        b.get(&format!("/registry/{}", uuid::Uuid::now_v7()))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_change_application_shows_each_new_value_beside_the_registered_one() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let mut admin = app.browser();
    admin
        .login("org-admin@demo.cogov.cn", cogov::demo::DEMO_PASSWORD)
        .await;
    let csrf = admin.get("/applications/new?kind=change").await.csrf();
    let created = admin
        .post(
            "/applications",
            &[
                ("csrf_token", &csrf),
                ("kind", "change"),
                ("address", "北京市东城区和平里9号"),
            ],
        )
        .await;
    let id = location_id(&created, "/applications/");
    let attached = admin
        .post_multipart(
            &format!("/applications/{id}/documents"),
            &[("csrf_token", &csrf), ("label", "change_resolution")],
            ("file", "理事会决议.pdf", PDF),
        )
        .await;
    assert_eq!(attached.status, 303, "{}", attached.body);
    assert_eq!(
        admin
            .post(
                &format!("/applications/{id}/submit"),
                &[("csrf_token", &csrf)]
            )
            .await
            .status,
        303
    );
    let mut reg = app.browser();
    reg.login("registrar@demo.cogov.cn", cogov::demo::DEMO_PASSWORD)
        .await;
    let page = reg.get(&format!("/applications/{id}")).await;
    assert!(page.body.contains("北京市东城区和平里9号"));
    assert!(
        page.body.contains("原登记：") && page.body.contains("北京市解放大道"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_admin_chooses_the_required_materials_on_a_page() {
    let app = spawn().await;
    app.user("root@req.cn", Role::Admin).await;
    app.user("reg@req.cn", Role::Registrar).await;
    let mut reg = app.browser();
    reg.login("reg@req.cn", PASSWORD).await;
    assert_eq!(reg.get("/admin/requirements").await.status, 403);
    let mut admin = app.browser();
    admin.login("root@req.cn", PASSWORD).await;
    let page = admin.get("/admin/requirements").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("业务主管单位同意文件"), "{}", page.body);
    let csrf = page.csrf();
    let saved = admin
        .post(
            "/admin/requirements/change",
            &[
                ("csrf_token", &csrf),
                ("label", "charter"),
                ("label", "change_resolution"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (_, r) =
        crate::common::json(app.get("/api/v1/applications/requirements", None).await).await;
    assert_eq!(
        r["change"],
        serde_json::json!(["charter", "change_resolution"])
    );
    assert!(
        admin
            .get("/admin/requirements?saved=1")
            .await
            .body
            .contains("材料要求已保存")
    );
}

#[tokio::test]
async fn revoking_a_registration_in_the_pages_asks_first_and_only_a_registrar_may() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let demo = cogov::demo::DEMO_PASSWORD;
    let mut public = app.browser();
    let list = public.get("/registry").await;
    let id = list
        .body
        .split("href=\"/registry/")
        .filter_map(|s| s.split('"').next())
        .find(|s| s.len() == 36)
        .unwrap()
        .to_owned();
    let url = format!("/registry/{id}");
    let revoke = format!("{url}/revoke");
    let status = async || {
        let (_, o) =
            crate::common::json(app.get(&format!("/api/v1/organizations/{id}"), None).await).await;
        o["organization"]["status"].as_str().unwrap().to_owned()
    };
    assert_eq!(status().await, "active");

    let mut reg = app.browser();
    assert_eq!(reg.login("registrar@demo.cogov.cn", demo).await.status, 303);
    let profile = reg.get(&url).await;
    let (_, o) =
        crate::common::json(app.get(&format!("/api/v1/organizations/{id}"), None).await).await;
    let name = o["organization"]["name"].as_str().unwrap();
    assert!(
        profile.body.contains(&format!("<title>{name} · ")),
        "a page's title names what it is about"
    );
    let csrf = profile.csrf();
    let refused = reg
        .post(&revoke, &[("csrf_token", &csrf), ("reason", "")])
        .await;
    assert_eq!(
        refused.status, 422,
        "no reason, no question: {}",
        refused.body
    );
    let asked = reg
        .post(
            &revoke,
            &[("csrf_token", &csrf), ("reason", "连续两年未参加年检")],
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked.body.contains("确认撤销这家组织的登记")
            && asked.body.contains("连续两年未参加年检")
            && asked.body.contains("name=\"confirmed\""),
        "{}",
        asked.body
    );
    assert_eq!(
        status().await,
        "active",
        "nothing changed before confirming"
    );

    // An organization's admin is neither asked nor obeyed.
    let mut org = app.browser();
    org.login("org-admin@demo.cogov.cn", demo).await;
    let theirs = org.get(&url).await.csrf();
    for confirmed in ["", "1"] {
        let r = org
            .post(
                &revoke,
                &[
                    ("csrf_token", &theirs),
                    ("reason", "x"),
                    ("confirmed", confirmed),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
    }

    let done = reg
        .post(
            &revoke,
            &[
                ("csrf_token", &csrf),
                ("reason", "连续两年未参加年检"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(status().await, "revoked");
}

#[tokio::test]
async fn the_registry_says_how_many_it_found_and_pages_back_as_well_as_forward() {
    use cogov::registry::organizations::{self as orgs, Search, Total};
    let app = spawn().await;
    let now = app.clock.now();
    let dir = tempfile::tempdir().unwrap();
    cogov::bench::seed(app.db(), dir.path(), 130, 11, now, |_| {})
        .await
        .unwrap();
    let mut public = app.browser();
    let first = public.get("/registry").await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("共 130 家"), "{}", first.body);
    assert!(
        !first.body.contains("上一页"),
        "nothing before the first page"
    );
    let row = |p: &Page| {
        p.body
            .split("<td><a href=\"/registry/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    let link = |p: &Page, rel: &str| {
        p.body
            .split(&format!("rel=\"{rel}\""))
            .next()
            .unwrap()
            .rsplit("href=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#x3D;", "=")
    };
    let second = public.get(&link(&first, "next")).await;
    assert!(second.body.contains("第 2 页") && second.body.contains("上一页"));
    let third = public.get(&link(&second, "next")).await;
    assert!(third.body.contains("第 3 页"));
    assert!(!third.body.contains("rel=\"next\""), "130 rows, 50 a page");
    let back = public.get(&link(&third, "prev")).await;
    assert_eq!(row(&back), row(&second), "previous is the page before");
    let back = public.get(&link(&back, "prev")).await;
    assert_eq!(row(&back), row(&first));
    assert!(!back.body.contains("上一页"));

    // A filtered count is the rows it finds; a count stops at its cap.
    let (_, all) = crate::common::json(
        app.get("/api/v1/organizations?org_type=foundation&limit=100", None)
            .await,
    )
    .await;
    let foundations = all["items"].as_array().unwrap().len();
    assert!(foundations > 0 && foundations < 100);
    let page = public.get("/registry?org_type=foundation").await;
    assert!(
        page.body.contains(&format!("共 {foundations} 家")),
        "{}",
        page.body
    );
    let today = cogov::clock::china_date(now);
    let search = Search {
        org_type: Some("social_group".into()),
        ..Search::default()
    };
    assert_eq!(
        orgs::count(app.db(), &search, today, 5).await.unwrap(),
        Total::MoreThan(5)
    );
    assert_eq!(
        orgs::count(app.db(), &Search::default(), today, 5)
            .await
            .unwrap(),
        Total::Exact(130),
        "the whole registry from the kept counts, exactly"
    );
}
