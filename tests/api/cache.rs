//! The public cache: anonymous reads are answered again without being
//! built while nothing was committed, and never after a change, on this
//! instance or another one on the same database; each visitor keeps their
//! own CSRF token; signed-in readers are never served a kept answer.

use crate::common::{json, spawn};
use cogov::auth::Role;
use cogov::clock::Clock as _;
use poem::http::StatusCode;
use serde_json::json;

/// A registrar lists the organization at `path` as abnormal, through the
/// first instance.
async fn list_abnormal(app: &crate::common::TestApp, path: &str) {
    let (_, registrar) = app.user_with_token("reg@cache.test", Role::Registrar).await;
    let today = cogov::clock::china_date(app.clock.now()).to_string();
    let (s, r) = json(
        app.post_json(
            &format!("{path}/credit-records"),
            Some(&registrar),
            json!({"kind": "abnormal", "ground": "住所无法联系", "started_on": today}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
}

async fn text(resp: poem::test::TestResponse) -> String {
    resp.0.into_body().into_string().await.unwrap()
}

#[tokio::test]
async fn an_organization_is_served_again_until_a_change_on_any_instance() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let other = app.second_instance().await;
    let (_, first) = json(app.client.get("/api/v1/organizations?limit=1").send().await).await;
    let id = first["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/organizations/{id}");

    // Built once (on each instance), then answered from memory: the only
    // statement is the look at the audit head.
    let (s, before) = json(app.client.get(&path).send().await).await;
    assert_eq!(s, 200);
    json(other.get(&path).send().await).await;
    let statements = app.db().statements();
    let again = app.client.get(&path).send().await;
    again.assert_status_is_ok();
    let tag = again
        .0
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(json(again).await.1, before);
    assert_eq!(app.db().statements() - statements, 1, "a kept answer");
    let statements = app.db().statements();
    app.client
        .get(&path)
        .header("if-none-match", &tag)
        .send()
        .await
        .assert_status(StatusCode::NOT_MODIFIED);
    assert_eq!(
        app.db().statements() - statements,
        1,
        "304 from the kept tag"
    );

    // A registrar lists it through the first instance: both instances
    // answer with the listing at once.
    list_abnormal(&app, &path).await;
    for client in [&app.client, &other] {
        let (s, after) = json(client.get(&path).send().await).await;
        assert_eq!(s, 200);
        assert_eq!(
            after["organization"]["credit_status"], "abnormal",
            "{after}"
        );
        assert_ne!(after, before);
    }
    app.client
        .get(&path)
        .header("if-none-match", &tag)
        .send()
        .await
        .assert_status_is_ok();

    // Time alone ends a kept answer too.
    json(app.client.get(&path).send().await).await;
    let statements = app.db().statements();
    json(app.client.get(&path).send().await).await;
    assert_eq!(app.db().statements() - statements, 1);
    app.clock
        .advance(chrono::Duration::seconds(cogov::cache::MAX_AGE_SECS));
    let statements = app.db().statements();
    json(app.client.get(&path).send().await).await;
    assert!(app.db().statements() - statements > 1, "built anew");
}

/// Readers at once share their looks at the audit head, and none of them is
/// answered from before a change committed before it came.
#[tokio::test]
async fn readers_at_once_share_the_look_at_the_head_and_see_every_change_before_them() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let (_, first) = json(app.client.get("/api/v1/organizations?limit=1").send().await).await;
    let path = format!(
        "/api/v1/organizations/{}",
        first["items"][0]["id"].as_str().unwrap()
    );
    let many = || {
        futures_util::future::join_all((0..40).map(|_| async {
            let (s, body) = json(app.client.get(&path).send().await).await;
            assert_eq!(s, 200);
            body["organization"]["credit_status"]
                .as_str()
                .unwrap()
                .to_owned()
        }))
    };
    json(app.client.get(&path).send().await).await;
    let statements = app.db().statements();
    assert!(many().await.iter().all(|c| c == "none"));
    let looks = app.db().statements() - statements;
    assert!(
        looks < 10,
        "40 kept answers at once looked at the head {looks} times"
    );

    list_abnormal(&app, &path).await;
    assert!(many().await.iter().all(|c| c == "abnormal"));
}

#[tokio::test]
async fn each_visitor_of_a_kept_page_gets_their_own_csrf_token() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let token_in = |resp: &poem::test::TestResponse| {
        resp.0
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("cogov_csrf="))
            .map(|c| c.split(';').next().unwrap().to_owned())
    };
    // A first visitor without cookies is given a token, and the page's
    // forms carry it.
    let first = app.client.get("/login").send().await;
    first.assert_status_is_ok();
    let t1 = token_in(&first).expect("a CSRF cookie");
    let body1 = text(first).await;
    assert!(body1.contains(&t1));

    // A second one, from memory: their own new token, not the first's.
    let second = app.client.get("/login").send().await;
    let t2 = token_in(&second).expect("a CSRF cookie");
    assert_ne!(t1, t2);
    let body2 = text(second).await;
    assert!(body2.contains(&t2) && !body2.contains(&t1));
    assert_eq!(body2.replace(&t2, &t1), body1, "the same page otherwise");

    // A returning visitor keeps theirs and is not sent a new one.
    let third = app
        .client
        .get("/login")
        .header("cookie", format!("cogov_csrf={t1}"))
        .send()
        .await;
    assert_eq!(token_in(&third), None);
    let body3 = text(third).await;
    assert!(body3.contains(&t1) && !body3.contains(&t2));

    // A page built from the database is built once.
    let registry = text(app.client.get("/registry").send().await).await;
    let statements = app.db().statements();
    let again = text(app.client.get("/registry").send().await).await;
    assert_eq!(app.db().statements() - statements, 1, "a kept page");
    assert_eq!(again, registry);

    // Another language is another page.
    let english = text(
        app.client
            .get("/login")
            .header("cookie", format!("cogov_csrf={t1}; cogov_lang=en"))
            .send()
            .await,
    )
    .await;
    assert_ne!(english, body3);
}

#[tokio::test]
async fn signed_in_readers_are_never_served_a_kept_answer() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let (_, token) = app.user_with_token("admin@cache.test", Role::Admin).await;
    json(app.client.get("/api/v1/stats").send().await).await;
    json(app.client.get("/api/v1/stats").send().await).await;
    let statements = app.db().statements();
    let (s, staff) = json(
        app.client
            .get("/api/v1/stats")
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await,
    )
    .await;
    assert_eq!(s, 200);
    assert!(app.db().statements() - statements > 1, "built for them");
    assert!(staff["projects_by_status"].is_array());

    // A browser with a session: its pages are its own.
    text(app.client.get("/registry").send().await).await;
    let statements = app.db().statements();
    app.client
        .get("/registry")
        .header("cookie", "cogov_session=whatever")
        .send()
        .await
        .assert_status_is_ok();
    assert!(app.db().statements() - statements > 1, "built for them");
}
