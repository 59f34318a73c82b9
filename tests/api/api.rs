//! The API's contract: problem+json for every error, bad input named by field,
//! role refusals, departments and the calendar.

use crate::common::{json, problem_fields, spawn};
use cogov::auth::Role;
use serde_json::json;

async fn raw_post(
    app: &crate::common::TestApp,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, serde_json::Value) {
    let mut r = app
        .client
        .post(path)
        .content_type("application/json")
        .body(body.to_owned());
    if let Some(t) = token {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    let resp = r.send().await;
    assert_eq!(resp.0.content_type(), Some("application/problem+json"));
    json(resp).await
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn().await;
    let (status, body) = raw_post(&app, "/api/v1/accounts", None, "{\"email\": ").await;
    assert_eq!(status, 400);
    assert_eq!(body["type"], "/problems/malformed_json");
    assert_eq!(body["status"], 400);
    assert!(body["detail"].as_str().unwrap().contains("JSON"));
}

#[tokio::test]
async fn a_missing_field_or_a_wrong_type_is_a_400_naming_the_field() {
    let app = spawn().await;
    let (status, body) = raw_post(
        &app,
        "/api/v1/accounts",
        None,
        r#"{"email": "a@b.cn", "password": "x1234567890"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(problem_fields(&body), ["display_name"], "{body}");

    let (status, body) = raw_post(
        &app,
        "/api/v1/accounts",
        None,
        r#"{"email": 12, "display_name": "a", "password": "x1234567890"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(problem_fields(&body), ["email"], "{body}");
}

#[tokio::test]
async fn an_unknown_enum_value_is_a_400_naming_the_field() {
    let app = spawn().await;
    let (_, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    let body =
        r#"{"email": "x@b.cn", "display_name": "x", "password": "x1234567890", "role": "root"}"#;
    let (status, problem) = raw_post(&app, "/api/v1/users", Some(&admin), body).await;
    assert_eq!(status, 400);
    assert_eq!(problem_fields(&problem), ["role"], "{problem}");
}

#[tokio::test]
async fn an_over_long_string_is_a_422_naming_the_field() {
    let app = spawn().await;
    let long = "a".repeat(300);
    let body =
        format!(r#"{{"email": "a@b.cn", "display_name": "{long}", "password": "x1234567890"}}"#);
    let (status, problem) = raw_post(&app, "/api/v1/accounts", None, &body).await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&problem), ["display_name"], "{problem}");
}

#[tokio::test]
async fn bad_query_and_path_parameters_are_400_problems() {
    let app = spawn().await;
    let (status, body) = json(app.get("/api/v1/departments?limit=1000", None).await).await;
    assert_eq!(status, 400);
    assert_eq!(problem_fields(&body), ["limit"]);
    let (status, body) = json(app.get("/api/v1/departments?cursor=%21%21", None).await).await;
    assert_eq!(status, 400);
    assert_eq!(problem_fields(&body), ["cursor"]);
    let (status, body) = json(app.get("/api/v1/departments/not-a-uuid", None).await).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(problem_fields(&body), ["path"]);
    let (status, body) = json(
        app.get("/api/v1/calendar/working-days?from=2026-13-45&add=1", None)
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(problem_fields(&body), ["from"]);
}

#[tokio::test]
async fn unknown_paths_wrong_methods_and_missing_content_types_are_problems() {
    let app = spawn().await;
    let (status, body) = json(app.get("/api/v1/nothing-here", None).await).await;
    assert_eq!((status, body["status"].as_u64()), (404, Some(404)));
    let (status, _) = json(app.client.delete("/api/v1/accounts").send().await).await;
    assert_eq!(status, 405);
    let (status, _) = json(app.client.post("/api/v1/accounts").body("x").send().await).await;
    assert!(status == 400 || status == 415, "{status}");
    let (status, _) = json(app.get("/api/v2/anything", None).await).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn roles_are_checked_on_every_operation() {
    let app = spawn().await;
    let (_, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    let (_, auditor) = app
        .user_with_token("auditor@example.cn", Role::Auditor)
        .await;
    let (_, registrar) = app.user_with_token("reg@example.cn", Role::Registrar).await;
    let dept = json!({"code": "SZ-MCA", "name": "深圳市民政局", "division_code": "440300"});

    assert_eq!(json(app.get("/api/v1/users", None).await).await.0, 401);
    assert_eq!(
        json(app.get("/api/v1/users", Some(&registrar)).await)
            .await
            .0,
        403
    );
    assert_eq!(
        json(app.get("/api/v1/users", Some(&auditor)).await).await.0,
        200,
        "auditors read"
    );
    assert_eq!(
        json(
            app.post_json("/api/v1/departments", Some(&auditor), dept.clone())
                .await
        )
        .await
        .0,
        403
    );
    assert_eq!(
        json(
            app.post_json("/api/v1/departments", Some(&registrar), dept.clone())
                .await
        )
        .await
        .0,
        403
    );
    assert_eq!(
        json(
            app.post_json("/api/v1/departments", None, dept.clone())
                .await
        )
        .await
        .0,
        401
    );
    let (status, created) = json(
        app.post_json("/api/v1/departments", Some(&admin), dept)
            .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        json(
            app.put_json(
                "/api/v1/calendar/days/2026-05-01",
                Some(&registrar),
                json!({"kind": "holiday", "name": "劳动节"})
            )
            .await
        )
        .await
        .0,
        403
    );
    let users = json(app.get("/api/v1/users?role=admin", Some(&auditor)).await)
        .await
        .1;
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_admin_changes_roles_with_the_membership_rules_and_not_their_own() {
    let app = spawn().await;
    let (admin_user, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    let user = app.user("someone@example.cn", Role::OrgMember).await;
    let (_, dept) = json(
        app.post_json(
            "/api/v1/departments",
            Some(&admin),
            json!({"code": "GZ-MCA", "name": "广州市民政局", "division_code": "440100"}),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/users/{}/role", user.id);
    let (status, body) = json(
        app.post_json(&path, Some(&admin), json!({"role": "purchaser"}))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem_fields(&body), ["department_id"]);
    let (status, body) = json(
        app.post_json(
            &path,
            Some(&admin),
            json!({"role": "purchaser", "department_id": dept["id"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "purchaser");
    assert_eq!(body["department_id"], dept["id"]);

    let own = format!("/api/v1/users/{}/role", admin_user.id);
    let (status, body) = json(
        app.post_json(&own, Some(&admin), json!({"role": "expert"}))
            .await,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = json(
        app.get(
            &format!("/api/v1/users/{}", uuid::Uuid::now_v7()),
            Some(&admin),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn departments_are_public_to_read_and_validated_on_write() {
    let app = spawn().await;
    let (_, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    let (status, body) = json(
        app.post_json(
            "/api/v1/departments",
            Some(&admin),
            json!({"code": "x", "name": "", "division_code": "999999", "uscc": "111100000000203008"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let mut fields = problem_fields(&body);
    fields.sort();
    assert_eq!(fields, ["code", "division_code", "name", "uscc"]);
    let uscc_error = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "uscc")
        .unwrap();
    assert_eq!(uscc_error["code"], "invalid_uscc");
    assert!(
        uscc_error["message"]
            .as_str()
            .unwrap()
            .contains("character 18"),
        "the message says which check failed: {uscc_error}"
    );
    for code in ["BJ-1", "bj-1"] {
        let dept = json!({"code": code, "name": "北京", "division_code": "110000"});
        let (status, body) = json(
            app.post_json("/api/v1/departments", Some(&admin), dept)
                .await,
        )
        .await;
        if code == "BJ-1" {
            assert_eq!(status, 201);
        } else {
            assert_eq!(status, 422, "codes are unique ignoring case: {body}");
            assert_eq!(body["errors"][0]["code"], "code_taken");
        }
    }
    let (status, page) = json(app.get("/api/v1/departments?limit=1", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(page["items"][0]["code"], "BJ-1");
    assert!(
        page["items"][0].get("uscc").is_none(),
        "no code recorded, none shown"
    );
    assert!(page["next_cursor"].is_null());

    // A credit code is kept, shown, and unique among departments;
    // blank means none.
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    let with_code = json!({"code": "BJ-1", "name": "北京", "division_code": "110000",
                           "uscc": "111100000000203007"});
    let (status, body) = json(
        app.put_json(
            &format!("/api/v1/departments/{id}"),
            Some(&admin),
            with_code,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["uscc"], "111100000000203007");
    let (status, body) = json(
        app.post_json(
            "/api/v1/departments",
            Some(&admin),
            json!({"code": "BJ-2", "name": "北京二", "division_code": "110000",
                   "uscc": "111100000000203007"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(problem_fields(&body), ["uscc"]);
    assert_eq!(body["errors"][0]["code"], "department_uscc_taken");
    // A valid code that is not a department's of this division, by the one rule.
    for (code, division) in [
        ("53100000500021676K", "110000"),
        ("111100000000203007", "420000"),
    ] {
        let (status, body) = json(
            app.post_json(
                "/api/v1/departments",
                Some(&admin),
                json!({"code": "BJ-3", "name": "北京三", "division_code": division, "uscc": code}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["errors"][0]["code"], "uscc_holder", "{code}: {body}");
    }
    let (status, body) = json(
        app.post_json(
            "/api/v1/departments",
            Some(&admin),
            json!({"code": "BJ-2", "name": "北京二", "division_code": "110000", "uscc": " "}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.get("uscc").is_none());
}

#[tokio::test]
async fn lists_page_with_an_opaque_cursor() {
    let app = spawn().await;
    let (_, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    for i in 0..5 {
        let d = json!({"code": format!("D-{i}"), "name": format!("部门 {i}"), "division_code": "110000"});
        app.post_json("/api/v1/departments", Some(&admin), d).await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, page) = json(
            app.get(
                &format!("/api/v1/departments?limit=2&cursor={cursor}"),
                None,
            )
            .await,
        )
        .await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["code"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, ["D-0", "D-1", "D-2", "D-3", "D-4"]);
}

#[tokio::test]
async fn the_admin_keeps_the_calendar_and_anyone_counts_working_days() {
    let app = spawn().await;
    let (_, admin) = app.user_with_token("admin@example.cn", Role::Admin).await;
    for (day, kind, name) in cogov::calendar::CN_2026 {
        let (status, body) = json(
            app.put_json(
                &format!("/api/v1/calendar/days/{day}"),
                Some(&admin),
                json!({"kind": kind.as_str(), "name": name}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{day}: {body}");
    }
    let (_, year) = json(app.get("/api/v1/calendar/days?year=2026", None).await).await;
    assert_eq!(
        year["items"].as_array().unwrap().len(),
        cogov::calendar::CN_2026.len()
    );

    let ask = |from: &str, add: u32| format!("/api/v1/calendar/working-days?from={from}&add={add}");
    assert_eq!(
        json(app.get(&ask("2026-02-13", 1), None).await).await.1["date"],
        "2026-02-14"
    );
    assert_eq!(
        json(app.get(&ask("2026-02-14", 1), None).await).await.1["date"],
        "2026-02-24"
    );
    assert_eq!(
        json(app.get(&ask("2026-09-24", 7), None).await).await.1["date"],
        "2026-10-12"
    );

    let (status, body) = json(
        app.put_json(
            "/api/v1/calendar/days/2026-03-03",
            Some(&admin),
            json!({"kind": "workday", "name": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "a Tuesday is already a working day: {body}");
    let resp = app
        .client
        .delete("/api/v1/calendar/days/2026-02-14")
        .header("authorization", format!("Bearer {admin}"))
        .send()
        .await;
    assert_eq!(resp.0.status().as_u16(), 204);
    assert_eq!(
        json(app.get(&ask("2026-02-13", 1), None).await).await.1["date"],
        "2026-02-24"
    );
}
