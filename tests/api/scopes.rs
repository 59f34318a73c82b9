//! A token with only the `read` scope reaches no write, whatever its role:
//! every operation of the OpenAPI document that is not a GET is tried with
//! one, so an operation added later is covered without anyone listing it.

use crate::common::{json, spawn};
use cogov::auth::Role;
use cogov::clock::Clock;
use poem::http::Method;

/// Every `(method, path)` of the committed document that is not a read, with
/// each path parameter filled with a UUID nobody has.
fn writes() -> Vec<(Method, String)> {
    let doc: serde_json::Value = serde_json::from_str(&cogov::api::spec_json()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            if method == Method::GET || method == Method::HEAD {
                continue;
            }
            let filled = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        uuid::Uuid::now_v7().to_string()
                    } else {
                        seg.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            ops.push((method, format!("/api/v1{filled}")));
        }
    }
    assert!(ops.len() >= 40, "the document lists {} writes", ops.len());
    ops
}

async fn audit_len(app: &crate::common::TestApp) -> i64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    i64::try_from(
        entity::audit_entries::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_read_token_of_any_role_is_refused_every_write_operation() {
    let app = spawn().await;
    let before = audit_len(&app).await;
    let dept = cogov::departments::create(
        app.db(),
        None,
        cogov::departments::DepartmentInput {
            code: "SCOPES".into(),
            name: "范围测试局".into(),
            division_code: "420102".into(),
            uscc: None,
            active: true,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    for role in Role::ALL {
        let department = (role == Role::Purchaser).then_some(dept.id);
        let user = app
            .user_in(
                &format!("{}@scopes.cn", role.as_str()),
                role,
                department,
                None,
            )
            .await;
        let token = app.token(&user, false).await;
        let after_token = audit_len(&app).await;
        for (method, path) in writes() {
            let resp = app
                .client
                .request(method.clone(), &path)
                .header("authorization", format!("Bearer {token}"))
                .header("idempotency-key", format!("scopes-{role}-{path}"))
                .body_json(&serde_json::json!({}))
                .send()
                .await;
            let ct = resp.0.content_type().unwrap_or_default().to_owned();
            let (status, body) = json(resp).await;
            assert_eq!(status, 403, "{role} read token: {method} {path}: {body}");
            assert_eq!(ct, "application/problem+json", "{method} {path}");
            assert_eq!(body["type"], "/problems/read_only_token", "{method} {path}");
        }
        assert_eq!(
            audit_len(&app).await,
            after_token,
            "a refused write changed nothing"
        );
    }
    assert!(audit_len(&app).await > before);
}

#[tokio::test]
async fn a_write_token_and_no_token_are_not_refused_for_their_scope() {
    let app = spawn().await;
    let (_, token) = app.user_with_token("admin@scopes.cn", Role::Admin).await;
    for (method, path) in writes() {
        for auth in [Some(token.as_str()), None] {
            let mut req = app.client.request(method.clone(), &path);
            if let Some(t) = auth {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            let resp = req.body_json(&serde_json::json!({})).send().await;
            let status = resp.0.status().as_u16();
            let body = resp.0.into_body().into_string().await.unwrap();
            assert!(
                !body.contains("read_only_token"),
                "{method} {path} ({auth:?}): {status} {body}"
            );
            assert!(status < 500, "{method} {path}: {status} {body}");
        }
    }
}

#[tokio::test]
async fn a_read_token_still_reads() {
    let app = spawn().await;
    let user = app.user("expert@scopes.cn", Role::Expert).await;
    let token = app.token(&user, false).await;
    let (status, me) = json(app.get("/api/v1/me", Some(&token)).await).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], "expert@scopes.cn");
    let (status, _) = json(app.get("/api/v1/panels", Some(&token)).await).await;
    assert_eq!(status, 200);
}
