//! Pages: both languages, security headers, admin pages behind their roles.

use crate::common::{PASSWORD, spawn};
use cogov::auth::Role;

#[tokio::test]
async fn pages_default_to_chinese_follow_accept_language_and_remember_the_choice() {
    let app = spawn().await;
    let mut b = app.browser();
    let home = b.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("lang=\"zh-CN\""));
    assert!(home.body.contains("社会组织登记与政府购买服务"));

    let en = b.get_with("/", ("accept-language", "en-US,en;q=0.9")).await;
    assert!(en.body.contains("lang=\"en\""));
    assert!(en.body.contains("Social organization registry"));

    let switched = b.get("/lang/en?next=/login").await;
    assert_eq!(switched.status, 303);
    assert_eq!(switched.location.as_deref(), Some("/login"));
    let login = b.get("/login").await;
    assert!(login.body.contains("Sign in"));
    let back = b.get("/lang/zh-CN?next=//evil.example").await;
    assert_eq!(
        back.location.as_deref(),
        Some("/"),
        "never redirects off-site"
    );
    assert!(b.get("/login").await.body.contains("登录"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_request_id() {
    let app = spawn().await;
    let mut b = app.browser();
    for path in ["/", "/login", "/api/v1/departments", "/no-such-page"] {
        let page = b.get(path).await;
        let h = &page.headers;
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h.contains_key("referrer-policy"));
        assert!(h.contains_key("x-request-id"));
    }
    let missing = b.get("/no-such-page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("找不到这个页面"));
}

#[tokio::test]
async fn sign_up_through_the_page_shows_translated_errors_and_keeps_what_was_typed() {
    let app = spawn().await;
    let mut b = app.browser();
    let csrf = b.get("/signup").await.csrf();
    let bad = b
        .post(
            "/signup",
            &[
                ("csrf_token", &csrf),
                ("email", "li@example.cn"),
                ("display_name", "李华"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("密码至少需要 10 个字符"));
    assert!(
        bad.body.contains("value=\"li@example.cn\""),
        "the e-mail is kept"
    );
    let ok = b
        .post(
            "/signup",
            &[
                ("csrf_token", &csrf),
                ("email", "li@example.cn"),
                ("display_name", "李华"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(b.login("li@example.cn", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn admin_pages_are_for_admins_and_manage_users_departments_and_holidays() {
    let app = spawn().await;
    app.user("admin@example.cn", Role::Admin).await;
    let expert = app.user("expert@example.cn", Role::Expert).await;

    let mut anon = app.browser();
    assert_eq!(anon.get("/admin/users").await.status, 303, "sign in first");

    let mut e = app.browser();
    e.login("expert@example.cn", PASSWORD).await;
    assert_eq!(e.get("/admin/users").await.status, 403);
    assert_eq!(e.get("/admin/holidays").await.status, 403);

    assert_eq!(e.get("/admin").await.status, 403, "no administration page");
    assert!(!e.get("/").await.body.contains("href=\"/admin\""));

    let mut a = app.browser();
    a.login("admin@example.cn", PASSWORD).await;
    // One place in the menu; the page lists each part.
    let hub = a.get("/admin").await;
    assert_eq!(hub.status, 200);
    assert!(a.get("/").await.body.contains("href=\"/admin\""));
    for part in [
        "/admin/users",
        "/admin/departments",
        "/admin/site",
        "/admin/outbox",
    ] {
        assert!(hub.body.contains(&format!("href=\"{part}\"")), "{part}");
    }
    app.user("auditor@example.cn", Role::Auditor).await;
    let mut auditor = app.browser();
    auditor.login("auditor@example.cn", PASSWORD).await;
    let theirs = auditor.get("/admin").await;
    assert_eq!(theirs.status, 200);
    assert!(theirs.body.contains("href=\"/admin/outbox\""));
    assert!(
        !theirs.body.contains("href=\"/admin/site\""),
        "reads, sets nothing"
    );
    let users = a.get("/admin/users?q=expert").await;
    assert_eq!(users.status, 200);
    assert!(users.body.contains("expert@example.cn"));
    assert!(!users.body.contains("admin@example.cn</td>"));

    let csrf = a.get("/admin/departments").await.csrf();
    let created = a
        .post(
            "/admin/departments",
            &[
                ("csrf_token", &csrf),
                ("code", "SH-MCA"),
                ("name", "上海市民政局"),
                ("division_code", "310000"),
                ("uscc", "11310000000020300L"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let list = a.get("/admin/departments").await;
    assert!(list.body.contains("上海市民政局"));
    assert!(list.body.contains("<code>11310000000020300L</code>"));
    let bad = a
        .post(
            "/admin/departments",
            &[
                ("csrf_token", &csrf),
                ("code", "X"),
                ("name", "n"),
                ("division_code", "000000"),
                ("uscc", "11310000000020300M"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("两个校验位须正确") && bad.body.contains("value=\"11310000000020300M\""),
        "the form says, in the reader's language, what is wrong and keeps what was typed"
    );

    let page = a.get(&format!("/admin/users/{}", expert.id)).await;
    assert_eq!(page.status, 200);
    let off = a
        .post(
            &format!("/admin/users/{}/active", expert.id),
            &[("csrf_token", &csrf), ("active", "false")],
        )
        .await;
    assert_eq!(off.status, 303);
    assert_eq!(
        e.get("/account").await.status,
        303,
        "the deactivated expert is signed out"
    );

    let holiday = a
        .post(
            "/admin/holidays",
            &[
                ("csrf_token", &csrf),
                ("day", "2026-10-01"),
                ("kind", "holiday"),
                ("name", "国庆节"),
            ],
        )
        .await;
    assert_eq!(holiday.status, 303);
    let year = a.get("/admin/holidays?year=2026").await;
    assert!(year.body.contains("国庆节"));
    let bad_day = a
        .post(
            "/admin/holidays",
            &[
                ("csrf_token", &csrf),
                ("day", "2026-10-06x"),
                ("kind", "holiday"),
                ("name", "x"),
            ],
        )
        .await;
    assert_eq!(bad_day.status, 422);
}

#[tokio::test]
async fn the_api_docs_and_the_openapi_document_are_served() {
    let app = spawn().await;
    let mut b = app.browser();
    let docs = b.get("/api/docs").await;
    assert_eq!(docs.status, 200);
    let spec = b.get("/api/v1/openapi.json").await;
    assert_eq!(spec.status, 200);
    assert!(spec.body.contains("\"openapi\""));
}

#[tokio::test]
async fn the_site_has_its_icon() {
    let app = spawn().await;
    let mut b = app.browser();
    let home = b.get("/").await;
    assert!(
        home.body
            .contains(r#"<link rel="icon" href="/static/favicon.svg""#)
    );
    let icon = b.get("/static/favicon.svg").await;
    assert_eq!(icon.status, 200);
    assert_eq!(
        icon.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/svg+xml")
    );
    assert!(icon.body.starts_with("<svg"));
}

#[tokio::test]
async fn pages_go_out_compressed_to_browsers_that_take_it_and_nothing_else_does() {
    let app = spawn().await;
    let mut visitor = app.browser();
    let page = visitor
        .get_with("/registry", ("accept-encoding", "gzip, br"))
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.headers
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    assert!(
        page.headers
            .get_all("vary")
            .iter()
            .any(|v| v == "accept-encoding")
    );
    let plain = visitor.get("/registry").await;
    assert!(plain.headers.get("content-encoding").is_none());
    assert!(plain.body.contains("<html"), "as written when not asked");
    let api = visitor
        .get_with("/api/v1/organizations", ("accept-encoding", "gzip"))
        .await;
    assert_eq!(api.status, 200);
    assert!(
        api.headers.get("content-encoding").is_none(),
        "the API goes as it is"
    );
}
