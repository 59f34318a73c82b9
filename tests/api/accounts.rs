//! Sign-up, sign-in and sign-out, sessions, CSRF, API tokens and throttling.

use crate::common::{PASSWORD, json, problem_fields, spawn};
use chrono::Duration;
use cogov::auth::Role;
use serde_json::json;

#[tokio::test]
async fn sign_up_creates_an_org_member_and_refuses_a_second_account_for_the_same_email_in_any_case()
{
    let app = spawn().await;
    let (status, body) = json(
        app.post_json(
            "/api/v1/accounts",
            None,
            json!({"email": "Li.Hua@Example.cn", "display_name": "李华", "password": PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["email"], "li.hua@example.cn");
    assert_eq!(body["role"], "org_member");
    assert!(body.get("password_hash").is_none());

    let (status, body) = json(
        app.post_json(
            "/api/v1/accounts",
            None,
            json!({"email": "LI.HUA@example.CN", "display_name": "x", "password": PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["code"], "email_taken");
}

#[tokio::test]
async fn sign_up_names_every_field_that_breaks_a_rule() {
    let app = spawn().await;
    let (status, body) = json(
        app.post_json(
            "/api/v1/accounts",
            None,
            json!({"email": "not-an-email", "display_name": "  ", "password": "short"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let fields = problem_fields(&body);
    assert!(fields.contains(&"email".to_owned()), "{body}");
    assert!(fields.contains(&"display_name".to_owned()), "{body}");
    assert!(fields.contains(&"password".to_owned()), "{body}");
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"password_too_short"));
    assert!(codes.contains(&"password_needs_letter_and_digit"));
}

#[tokio::test]
async fn pages_sign_in_and_out_with_a_new_session_each_time() {
    let app = spawn().await;
    app.user("reg@example.cn", Role::Registrar).await;
    let mut b = app.browser();
    let done = b.login("reg@example.cn", PASSWORD).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/account"));
    let set_cookie = done
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(set_cookie.contains("cogov_session="));
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
    let first_session = b.cookies["cogov_session"].clone();

    let account = b.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("reg@example.cn"));

    // Signing in again issues a different session id and ends the old one.
    let again = b.login("reg@example.cn", PASSWORD).await;
    assert_eq!(again.status, 303);
    assert_ne!(b.cookies["cogov_session"], first_session);

    let csrf = b.get("/account").await.csrf();
    let out = b.post("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(out.status, 303);
    let after = b.get("/account").await;
    assert_eq!(after.status, 303, "signed out: back to the login page");
    assert!(after.location.unwrap().starts_with("/login"));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn().await;
    app.user("reg@example.cn", Role::Registrar).await;
    let mut b = app.browser();
    let wrong = b.login("reg@example.cn", "wrong password 1").await;
    let unknown = b.login("nobody@example.cn", PASSWORD).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert!(!b.cookies.contains_key("cogov_session"));
}

#[tokio::test]
async fn a_session_ends_after_the_idle_period_and_after_its_absolute_lifetime() {
    let app = spawn().await;
    app.user("reg@example.cn", Role::Registrar).await;
    let mut b = app.browser();
    b.login("reg@example.cn", PASSWORD).await;

    // Idle: 29 minutes is fine, then 31 minutes without a request ends it.
    app.clock.advance(Duration::minutes(29));
    assert_eq!(b.get("/account").await.status, 200);
    app.clock.advance(Duration::minutes(31));
    assert_eq!(b.get("/account").await.status, 303);

    // Absolute: active every 20 minutes, still over after 12 hours.
    b.login("reg@example.cn", PASSWORD).await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(b.get("/account").await.status, 200);
    }
    app.clock.advance(Duration::minutes(20));
    assert_eq!(
        b.get("/account").await.status,
        303,
        "12 hours after sign-in the session is over"
    );
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let app = spawn().await;
    app.user("reg@example.cn", Role::Registrar).await;
    let mut b = app.browser();
    b.get("/login").await;
    let forged = b
        .post(
            "/login",
            &[
                ("csrf_token", "forged"),
                ("email", "reg@example.cn"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(!b.cookies.contains_key("cogov_session"));

    b.login("reg@example.cn", PASSWORD).await;
    let forged = b
        .post(
            "/account/tokens",
            &[("csrf_token", "forged"), ("name", "x")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let csrf = b.get("/account").await.csrf();
    let ok = b
        .post(
            "/account/tokens",
            &[("csrf_token", &csrf), ("name", "script")],
        )
        .await;
    assert_eq!(ok.status, 200);
    assert!(ok.body.contains("cgv_"), "the new secret is shown once");
}

#[tokio::test]
async fn a_read_token_reads_but_cannot_write_and_a_revoked_token_is_refused() {
    let app = spawn().await;
    let user = app.user("reg@example.cn", Role::Registrar).await;
    let read = app.token(&user, false).await;
    let write = app.token(&user, true).await;

    let (status, me) = json(app.get("/api/v1/me", Some(&read)).await).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "reg@example.cn");

    let (status, body) = json(
        app.post_json(
            "/api/v1/me/tokens",
            Some(&read),
            json!({"name": "x", "scopes": ["read"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403, "{body}");

    let (status, created) = json(
        app.post_json(
            "/api/v1/me/tokens",
            Some(&write),
            json!({"name": "ci", "scopes": ["write"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("cgv_"));
    assert_eq!(created["token"]["scopes"], json!(["read", "write"]));

    let (_, list) = json(app.get("/api/v1/me/tokens", Some(&secret)).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    assert!(
        list["items"][0].get("secret").is_none(),
        "secrets are never listed"
    );
    assert!(
        !list["items"][0]["last_used_at"].is_null(),
        "the list shows last use"
    );

    let id = created["token"]["id"].as_str().unwrap();
    let (status, _) = json(
        app.post_json(
            &format!("/api/v1/me/tokens/{id}/revoke"),
            Some(&write),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = json(app.get("/api/v1/me", Some(&secret)).await).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["status"], 401);
}

#[tokio::test]
async fn another_users_token_does_not_exist_for_you() {
    let app = spawn().await;
    let (_, mine) = app.user_with_token("a@example.cn", Role::Expert).await;
    let (_, theirs) = app.user_with_token("b@example.cn", Role::Expert).await;
    let (_, list) = json(app.get("/api/v1/me/tokens", Some(&theirs)).await).await;
    let their_id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = json(
        app.post_json(
            &format!("/api/v1/me/tokens/{their_id}/revoke"),
            Some(&mine),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = json(app.get("/api/v1/me", Some(&theirs)).await).await;
    assert_eq!(status, 200, "their token still works");
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_until_the_window_passes() {
    let app = spawn().await;
    app.user("reg@example.cn", Role::Registrar).await;
    let mut b = app.browser();
    for _ in 0..5 {
        assert_eq!(
            b.login("reg@example.cn", "wrong password 1").await.status,
            401
        );
    }
    let blocked = b.login("reg@example.cn", PASSWORD).await;
    assert_eq!(blocked.status, 429, "even the right password waits");
    app.clock.advance(Duration::minutes(16));
    assert_eq!(b.login("reg@example.cn", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn repeated_failures_from_one_client_throttle_every_account_it_tries() {
    let app = spawn().await;
    app.user("victim@example.cn", Role::Registrar).await;
    let mut b = app.browser();
    for i in 0..20 {
        assert_eq!(
            b.login(&format!("guess{i}@example.cn"), "wrong password 1")
                .await
                .status,
            401
        );
    }
    assert_eq!(b.login("victim@example.cn", PASSWORD).await.status, 429);
}

#[tokio::test]
async fn a_deactivated_user_loses_sessions_and_tokens() {
    let app = spawn().await;
    let (_, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    let (user, token) = app.user_with_token("reg@example.cn", Role::Registrar).await;
    let mut b = app.browser();
    b.login("reg@example.cn", PASSWORD).await;
    let (status, body) = json(
        app.post_json(
            &format!("/api/v1/users/{}/deactivate", user.id),
            Some(&admin),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "deactivated");
    assert_eq!(
        app.get("/api/v1/me", Some(&token))
            .await
            .0
            .status()
            .as_u16(),
        401
    );
    assert_eq!(b.get("/account").await.status, 303);
    assert_eq!(b.login("reg@example.cn", PASSWORD).await.status, 401);
}
