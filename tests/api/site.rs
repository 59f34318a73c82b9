//! The site's identity: the defaults before anything is set, the admin
//! sets it (API and page) and every page shows it in its language;
//! nobody else may; a setting too long is named.

use crate::common::{PASSWORD, json, problem_codes, spawn};
use cogov::auth::Role;
use serde_json::json;

#[tokio::test]
async fn an_admin_sets_the_site_s_identity_and_every_page_shows_it() {
    let app = spawn().await;
    let mut public = app.browser();

    // Before anything is set: the defaults, and the built-in statements.
    let (s, site) = json(app.get("/api/v1/site", None).await).await;
    assert_eq!((s, site["icp"].as_str()), (200, Some("")));
    let home = public.get("/").await;
    assert!(home.body.contains("cogov 社会组织与政府购买服务平台"));
    assert!(
        home.body.contains("href=\"/privacy\"") && home.body.contains("href=\"/accessibility\"")
    );
    assert!(
        !home.body.contains("主办单位："),
        "no host until one is set"
    );
    let privacy = public.get("/privacy").await;
    assert_eq!(privacy.status, 200);
    assert!(
        privacy
            .body
            .contains("开标前任何人都无法查看密封的投标文件")
    );
    let en = public
        .get_with("/accessibility", ("accept-language", "en"))
        .await;
    assert!(en.body.contains("Accessibility statement") && en.body.contains("WCAG 2.1 AA"));

    // Nobody but an admin sets it.
    let identity = json!({
        "name_zh": "武汉市社会组织服务平台",
        "name_en": "Wuhan Social Organization Services",
        "host_zh": "武汉市民政局",
        "host_en": "Wuhan Civil Affairs Bureau",
        "contact_zh": "武汉市江岸区 027-12345678",
        "contact_en": "Jiang'an, Wuhan, +86 27 1234 5678",
        "icp": "鄂ICP备12345678号-1",
        "privacy_zh": "第一段。\n\n第二段：个人信息只用于办理。",
        "privacy_en": "",
        "accessibility_zh": "",
        "accessibility_en": ""
    });
    let (s, _) = json(app.put_json("/api/v1/site", None, identity.clone()).await).await;
    assert_eq!(s, 401);
    let (_, registrar) = app.user_with_token("reg@mca.gov.cn", Role::Registrar).await;
    let (s, _) = json(
        app.put_json("/api/v1/site", Some(&registrar), identity.clone())
            .await,
    )
    .await;
    assert_eq!(s, 403);
    let (_, admin) = app.user_with_token("admin@mca.gov.cn", Role::Admin).await;
    let mut too_long = identity.clone();
    too_long["icp"] = json!("备".repeat(65));
    let (s, err) = json(app.put_json("/api/v1/site", Some(&admin), too_long).await).await;
    assert_eq!((s, problem_codes(&err)), (422, vec!["invalid".to_owned()]));
    assert!(err.to_string().contains("icp"), "the field named: {err}");
    let (s, saved) = json(
        app.put_json("/api/v1/site", Some(&admin), identity.clone())
            .await,
    )
    .await;
    assert_eq!((s, saved["host_zh"].as_str()), (200, Some("武汉市民政局")));

    // Every page shows it, in its language.
    let home = public.get("/registry").await;
    assert!(
        home.body.contains("· 武汉市社会组织服务平台</title>"),
        "{}",
        home.body
    );
    assert!(home.body.contains("主办单位：武汉市民政局"));
    assert!(
        home.body.contains("鄂ICP备12345678号-1")
            && home.body.contains("https://beian.miit.gov.cn/")
    );
    let en = public
        .get_with("/registry", ("accept-language", "en"))
        .await;
    assert!(en.body.contains("Wuhan Social Organization Services"));
    assert!(
        en.body
            .contains("Host organization: Wuhan Civil Affairs Bureau")
    );
    assert!(
        !en.body.contains("武汉市民政局"),
        "the English host on English pages"
    );
    let privacy = public.get("/privacy").await;
    assert!(
        privacy.body.contains("<p>第一段。</p>")
            && privacy.body.contains("<p>第二段：个人信息只用于办理。</p>")
    );
    assert!(
        !privacy.body.contains("开标前任何人"),
        "the admin's words replace the default"
    );

    // The admin's page: the form, saved through it, said so.
    let mut page_admin = app.browser();
    page_admin.login("admin@mca.gov.cn", PASSWORD).await;
    let form = page_admin.get("/admin/site").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"鄂ICP备12345678号-1\""));
    let csrf = form.csrf();
    let saved = page_admin
        .post(
            "/admin/site",
            &[
                ("csrf_token", &csrf),
                ("name_zh", "武汉市社会组织服务平台"),
                ("host_zh", "武汉市民政局"),
                ("icp", "鄂ICP备12345678号-2"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let long = "备".repeat(65);
    let refused = page_admin
        .post("/admin/site", &[("csrf_token", &csrf), ("icp", &long)])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("内容过长"), "{}", refused.body);
    let after = page_admin.get(saved.location.as_deref().unwrap()).await;
    assert!(after.body.contains("网站信息已保存") && after.body.contains("鄂ICP备12345678号-2"));
    let mut reg = app.browser();
    reg.login("reg@mca.gov.cn", PASSWORD).await;
    assert_eq!(reg.get("/admin/site").await.status, 403);

    // Two admins saving at once: both answered, one identity stands whole.
    let (_, second_admin) = app.user_with_token("admin2@mca.gov.cn", Role::Admin).await;
    let mut one = identity.clone();
    one["name_zh"] = json!("甲平台");
    one["host_zh"] = json!("甲单位");
    let mut other = identity.clone();
    other["name_zh"] = json!("乙平台");
    other["host_zh"] = json!("乙单位");
    let (a, b) = tokio::join!(
        app.put_json("/api/v1/site", Some(&admin), one),
        app.put_json("/api/v1/site", Some(&second_admin), other)
    );
    assert_eq!((json(a).await.0, json(b).await.0), (200, 200));
    let (_, now) = json(app.get("/api/v1/site", None).await).await;
    let pair = (
        now["name_zh"].as_str().unwrap(),
        now["host_zh"].as_str().unwrap(),
    );
    assert!(
        pair == ("甲平台", "甲单位") || pair == ("乙平台", "乙单位"),
        "one save or the other, not a mix: {pair:?}"
    );

    // In the audit chain.
    let (_, page) = json(
        app.get("/api/v1/audit?entity_type=site&limit=10", Some(&admin))
            .await,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 4, "{page}");
}
