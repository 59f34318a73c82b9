//! Passwords: changed with the current one, reset by a mailed one-time
//! link (expiring, single use, throttled, no account enumeration), and
//! reset by an admin; sessions end on every change.

use crate::common::{PASSWORD, TestApp, json, problem_codes, problem_fields, spawn};
use chrono::Duration;
use cogov::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;

const NEW: &str = "a new secret 2026";

/// The newest reset link mailed to `user`, as its path (the mail saying
/// how long it lasts).
async fn link_of(app: &TestApp, user: uuid::Uuid) -> String {
    let n = entity::notifications::Entity::find()
        .filter(entity::notifications::Column::UserId.eq(user))
        .filter(entity::notifications::Column::Kind.eq("password_reset"))
        .order_by_desc(entity::notifications::Column::Id)
        .one(app.db().conn())
        .await
        .unwrap()
        .expect("a reset mail");
    let params = cogov::notifications::params_of(&n);
    let words = cogov::notifications::text(cogov::i18n::Lang::ZhCn, &n.kind, &params);
    assert!(words.contains("60 分钟内"), "{words}");
    n.link
}

/// Status and body (`null` when there is none, as after a 204).
async fn answer(resp: poem::test::TestResponse) -> (u16, serde_json::Value) {
    let status = resp.0.status().as_u16();
    let text = resp.0.into_body().into_string().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

async fn mails_to(app: &TestApp, address: &str) -> u64 {
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddress.eq(address))
        .count(app.db().conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_person_changes_their_password_with_the_current_one_and_other_sessions_end() {
    let app = spawn().await;
    let (user, token) = app.user_with_token("reg@pw.cn", Role::Registrar).await;
    let reader = app.token(&user, false).await;
    let mut elsewhere = app.browser();
    assert_eq!(elsewhere.login("reg@pw.cn", PASSWORD).await.status, 303);

    let change = |token: String, current: &'static str, new: &'static str| {
        let app = &app;
        async move {
            answer(
                app.post_json(
                    "/api/v1/me/password",
                    Some(&token),
                    json!({"current_password": current, "new_password": new}),
                )
                .await,
            )
            .await
        }
    };
    let (s, _) = change(reader, PASSWORD, NEW).await;
    assert_eq!(s, 403, "a read-only token changes nothing");
    let (s, p) = change(token.clone(), "not it 12345", NEW).await;
    assert_eq!(
        (s, problem_fields(&p)),
        (422, vec!["current_password".to_owned()])
    );
    let (s, p) = change(token.clone(), PASSWORD, "short1").await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["password_too_short".to_owned()])
    );
    let (s, p) = change(token.clone(), PASSWORD, PASSWORD).await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["password_unchanged".to_owned()])
    );
    let (s, _) = change(token.clone(), PASSWORD, NEW).await;
    assert_eq!(s, 204);

    // The other browser is signed out; the old password no longer works,
    // the new one does; API tokens stay.
    assert_eq!(elsewhere.get("/account").await.status, 303);
    let mut b = app.browser();
    assert_eq!(b.login("reg@pw.cn", PASSWORD).await.status, 401);
    assert_eq!(b.login("reg@pw.cn", NEW).await.status, 303);
    let (s, _) = json(app.get("/api/v1/me", Some(&token)).await).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn the_page_changes_the_password_and_keeps_this_browser_signed_in() {
    let app = spawn().await;
    app.user("org@pw.cn", Role::OrgMember).await;
    let mut b = app.browser();
    let mut other = app.browser();
    b.login("org@pw.cn", PASSWORD).await;
    other.login("org@pw.cn", PASSWORD).await;
    let csrf = b.get("/account").await.csrf();
    let wrong = b
        .post(
            "/account/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", "nope 123456"),
                ("new_password", NEW),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("当前密码"), "the field is named");
    let done = b
        .post(
            "/account/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", PASSWORD),
                ("new_password", NEW),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/account?changed=1"));
    let page = b.get("/account?changed=1").await;
    assert_eq!(page.status, 200, "still signed in here");
    assert!(page.body.contains("密码已修改"));
    assert_eq!(
        other.get("/account").await.status,
        303,
        "signed out elsewhere"
    );
}

#[tokio::test]
async fn a_mailed_link_sets_a_new_password_once_and_nobody_learns_who_has_an_account() {
    let app = spawn().await;
    let user = app.user("expert@pw.cn", Role::Expert).await;
    let mut signed_in = app.browser();
    signed_in.login("expert@pw.cn", PASSWORD).await;
    let ask = |email: &'static str| {
        let app = &app;
        async move {
            json(
                app.post_json(
                    "/api/v1/accounts/password-reset",
                    None,
                    json!({"email": email}),
                )
                .await,
            )
            .await
        }
    };
    let (s1, known) = ask("Expert@PW.cn").await;
    let (s2, unknown) = ask("nobody@pw.cn").await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(known, unknown, "the same answer either way");
    assert_eq!(mails_to(&app, "expert@pw.cn").await, 1);
    assert_eq!(mails_to(&app, "nobody@pw.cn").await, 0);
    let (s, p) = ask("not an address").await;
    assert_eq!((s, problem_fields(&p)), (422, vec!["email".to_owned()]));

    let link = link_of(&app, user.id).await;
    let secret = link.strip_prefix("/reset-password/").unwrap().to_owned();
    let reset = |secret: String, new: &'static str| {
        let app = &app;
        async move {
            answer(
                app.post_json(
                    "/api/v1/accounts/password-reset/confirm",
                    None,
                    json!({"token": secret, "new_password": new}),
                )
                .await,
            )
            .await
        }
    };
    let (s, p) = reset(secret.clone(), "weak").await;
    assert_eq!(s, 422, "{p}");
    assert!(problem_fields(&p).iter().all(|f| f == "new_password"));
    let (s, p) = reset("made-up-secret".into(), NEW).await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["reset_link_invalid".to_owned()])
    );
    let (s, _) = reset(secret.clone(), NEW).await;
    assert_eq!(s, 204);
    let (s, p) = reset(secret.clone(), "another one 2027").await;
    assert_eq!(
        (s, problem_codes(&p)),
        (422, vec!["reset_link_invalid".to_owned()]),
        "once"
    );
    assert_eq!(
        signed_in.get("/account").await.status,
        303,
        "sessions ended"
    );
    let mut b = app.browser();
    assert_eq!(b.login("expert@pw.cn", PASSWORD).await.status, 401);
    assert_eq!(b.login("expert@pw.cn", NEW).await.status, 303);
    assert_eq!(
        link_of(&app, user.id).await,
        "/login",
        "no working secret is kept"
    );

    // A link expires after an hour.
    let (s, _) = ask("expert@pw.cn").await;
    assert_eq!(s, 202);
    let late = link_of(&app, user.id).await;
    app.clock.advance(Duration::minutes(61));
    let (s, _) = reset(
        late.trim_start_matches("/reset-password/").to_owned(),
        "third one 2028",
    )
    .await;
    assert_eq!(s, 422);

    // Three requests an hour per address, known or not.
    for email in ["expert@pw.cn", "nobody@pw.cn"] {
        app.clock.advance(Duration::minutes(61));
        for _ in 0..3 {
            assert_eq!(ask(email).await.0, 202);
        }
        assert_eq!(ask(email).await.0, 429, "{email}");
    }
}

#[tokio::test]
async fn the_pages_walk_from_forgotten_to_signed_in() {
    let app = spawn().await;
    let user = app.user("buyer@pw.cn", Role::Auditor).await;
    let mut b = app.browser();
    let form = b.get("/login").await;
    assert!(form.body.contains("/forgot-password"));
    let forgot = b.get("/forgot-password").await;
    assert_eq!(forgot.status, 200);
    let csrf = forgot.csrf();
    let sent = b
        .post(
            "/forgot-password",
            &[("csrf_token", &csrf), ("email", "buyer@pw.cn")],
        )
        .await;
    assert_eq!(sent.status, 200);
    assert!(
        sent.body.contains("重设密码的链接已经发出"),
        "{}",
        sent.body
    );
    let link = link_of(&app, user.id).await;
    let page = b.get(&link).await;
    assert_eq!(page.status, 200);
    let csrf = page.csrf();
    let done = b
        .post(&link, &[("csrf_token", &csrf), ("new_password", NEW)])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/login?reset=1"));
    assert!(b.get("/login?reset=1").await.body.contains("新密码已设置"));
    let dead = b.get(&link).await;
    assert_eq!(dead.status, 410);
    assert!(dead.body.contains("已过期或已使用过"));
    assert_eq!(b.login("buyer@pw.cn", NEW).await.status, 303);
}

#[tokio::test]
async fn an_admin_resets_an_account_and_only_an_admin() {
    let app = spawn().await;
    let (admin_user, admin) = app.user_with_token("root@pw.cn", Role::Admin).await;
    let (_, auditor) = app.user_with_token("aud@pw.cn", Role::Auditor).await;
    let target = app.user("reg2@pw.cn", Role::Registrar).await;
    let mut theirs = app.browser();
    theirs.login("reg2@pw.cn", PASSWORD).await;
    let path = format!("/api/v1/users/{}/password-reset", target.id);
    let (s, _) = json(app.post_json(&path, Some(&auditor), json!({})).await).await;
    assert_eq!(s, 403);
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/users/{}/password-reset", admin_user.id),
            Some(&admin),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409, "not on oneself");
    let (s, _) = json(app.post_json(&path, Some(&admin), json!({})).await).await;
    assert_eq!(s, 202);
    assert_eq!(theirs.get("/account").await.status, 303, "signed out");
    let mut b = app.browser();
    assert_eq!(
        b.login("reg2@pw.cn", PASSWORD).await.status,
        401,
        "the old password is dead"
    );
    let link = link_of(&app, target.id).await;
    let (s, _) = answer(
        app.post_json(
            "/api/v1/accounts/password-reset/confirm",
            None,
            json!({"token": link.trim_start_matches("/reset-password/"), "new_password": NEW}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(b.login("reg2@pw.cn", NEW).await.status, 303);
}
