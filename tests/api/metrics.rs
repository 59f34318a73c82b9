//! `GET /metrics`: Prometheus text, by route template, for whoever holds
//! the configured token and nobody else.

use crate::common::spawn_with;

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_need_the_token() {
    let app = spawn_with(|s| s.metrics_token = Some("scrape-s3cret".into())).await;
    let missing = uuid::Uuid::now_v7();
    app.client
        .get(format!("/api/v1/organizations/{missing}"))
        .send()
        .await
        .assert_status(poem::http::StatusCode::NOT_FOUND);
    app.client
        .get("/registry")
        .send()
        .await
        .assert_status_is_ok();

    // Without the token, or with another, there is no such page.
    for auth in [None, Some("Bearer wrong"), Some("scrape-s3cret")] {
        let mut req = app.client.get("/metrics");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await;
        resp.assert_status(poem::http::StatusCode::NOT_FOUND);
        let body = resp.0.into_body().into_string().await.unwrap();
        assert!(!body.contains("cogov_http"), "{auth:?}: {body}");
    }

    let resp = app
        .client
        .get("/metrics")
        .header("authorization", "Bearer scrape-s3cret")
        .send()
        .await;
    resp.assert_status_is_ok();
    resp.assert_header("content-type", "text/plain; version=0.0.4; charset=utf-8");
    let text = resp.0.into_body().into_string().await.unwrap();
    let line = |needle: &[&str]| {
        text.lines()
            .find(|l| needle.iter().all(|n| l.contains(n)))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
            .to_owned()
    };
    line(&[
        "cogov_http_requests_total{",
        "route=\"get_organization\"",
        "status=\"404\"",
        "method=\"GET\"",
    ]);
    line(&[
        "cogov_http_requests_total{",
        "route=\"/registry\"",
        "status=\"200\"",
    ]);
    line(&[
        "cogov_http_request_duration_seconds_bucket{",
        "route=\"/registry\"",
        "le=\"0.005\"",
    ]);
    assert!(
        !text.contains(&missing.to_string()),
        "ids never become labels"
    );
    for gauge in [
        "cogov_db_pool_connections ",
        "cogov_db_pool_max ",
        "cogov_db_statements_total ",
        "cogov_mail_outbox_pending 0",
        "cogov_webhook_backlog_events 0",
    ] {
        line(&[gauge]);
    }
}

#[tokio::test]
async fn metrics_count_job_runs_and_the_outbox_backlog() {
    use cogov::clock::Clock as _;
    let app = spawn_with(|s| s.metrics_token = Some("t".into())).await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    // The demo's own run holds the lease for its term: come after it.
    let later = app.clock.now() + chrono::Duration::minutes(5);
    cogov::grants::reminders::run(app.db(), "test", later)
        .await
        .unwrap()
        .expect("the lease is free");
    let text = app
        .client
        .get("/metrics")
        .header("authorization", "Bearer t")
        .send()
        .await
        .0
        .into_body()
        .into_string()
        .await
        .unwrap();
    let job = cogov::grants::reminders::JOB;
    assert!(
        text.lines().any(|l| l.starts_with("cogov_job_runs_total{")
            && l.contains(&format!("job=\"{job}\""))
            && l.contains("outcome=\"ok\"")),
        "{text}"
    );
    let pending = text
        .lines()
        .find_map(|l| l.strip_prefix("cogov_mail_outbox_pending "))
        .unwrap();
    let queued: i64 = sea_orm::PaginatorTrait::count(
        sea_orm::QueryFilter::filter(
            <entity::outbox::Entity as sea_orm::EntityTrait>::find(),
            sea_orm::ColumnTrait::eq(&entity::outbox::Column::Status, "pending"),
        ),
        app.db().conn(),
    )
    .await
    .unwrap()
    .try_into()
    .unwrap();
    assert!(queued > 0, "the demo's reminders queue mail");
    assert_eq!(pending, queued.to_string());
}
