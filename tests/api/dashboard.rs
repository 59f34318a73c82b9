//! Statistics and the dashboard over the demo data: the API's figures add
//! up to the records, the page draws them as SVG for everyone and adds the
//! work waiting for staff only.

use crate::common::{PASSWORD, json, spawn};
use cogov::auth::Role;
use cogov::clock::Clock;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

fn sum(v: &Value) -> i64 {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn figures_add_up_to_the_records_and_staff_see_the_work_waiting() {
    let app = spawn().await;
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    let conn = app.db().conn();

    let (s, st) = json(app.get("/api/v1/stats", None).await).await;
    assert_eq!(s, 200, "{st}");
    let orgs = entity::organizations::Entity::find()
        .count(conn)
        .await
        .unwrap();
    assert_eq!(
        sum(&st["organizations_by_type"]),
        i64::try_from(orgs).unwrap()
    );
    assert_eq!(
        sum(&st["organizations_by_region"]),
        i64::try_from(orgs).unwrap()
    );
    let published = entity::projects::Entity::find()
        .filter(entity::projects::Column::Status.ne("draft"))
        .count(conn)
        .await
        .unwrap();
    assert_eq!(
        sum(&st["projects_by_status"]),
        i64::try_from(published).unwrap()
    );
    let grants: Vec<entity::grants::Model> = entity::grants::Entity::find()
        .filter(entity::grants::Column::Status.ne("declined"))
        .all(conn)
        .await
        .unwrap();
    let total: i64 = grants.iter().map(|g| g.amount_fen).sum();
    assert_eq!(st["funds_total_fen"], total);
    assert_eq!(sum(&st["funds_by_year"]), total);
    assert_eq!(sum(&st["funds_by_category"]), total);
    assert_eq!(st["scored_grants"], 1, "the demo's completed grant");
    assert_eq!(st["average_score_hundredths"], 9200);
    assert!(st["overdue_reports"].as_i64().unwrap() >= 1);
    assert!(
        st["organizations_by_region"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["key"].as_str().unwrap().ends_with("0000")),
        "provinces"
    );

    // Staff figures: refused to the public and to organizations.
    assert_eq!(app.get("/api/v1/stats/staff", None).await.0.status(), 401);
    let (_, member) = app.user_with_token("m@org.cn", Role::OrgMember).await;
    assert_eq!(
        app.get("/api/v1/stats/staff", Some(&member))
            .await
            .0
            .status(),
        403
    );
    let (_, auditor) = app.user_with_token("a@cogov.cn", Role::Auditor).await;
    let (s, staff) = json(app.get("/api/v1/stats/staff", Some(&auditor)).await).await;
    assert_eq!(s, 200);
    let all_grants = entity::grants::Entity::find().count(conn).await.unwrap();
    assert_eq!(
        sum(&staff["grants_by_status"]),
        i64::try_from(all_grants).unwrap()
    );
    assert!(staff["feedback_awaiting_moderation"].as_i64().unwrap() >= 1);

    // The page: charts for everyone, the work waiting for staff only.
    let mut visitor = app.browser();
    let page = visitor.get("/dashboard").await;
    assert_eq!(page.status, 200);
    assert!(page.body.matches("<svg").count() >= 7, "seven charts");
    assert!(page.body.contains("<rect"));
    assert!(page.body.contains("92.00"), "the average score");
    assert!(!page.body.contains("待办事项"));
    let mut staff_browser = app.browser();
    staff_browser.login("a@cogov.cn", PASSWORD).await;
    let page = staff_browser.get("/dashboard").await;
    assert!(page.body.contains("待办事项"), "work waiting for staff");
    let english = visitor
        .get_with("/dashboard", ("accept-language", "en"))
        .await;
    assert!(english.body.contains("Organizations by type"));
    assert!(
        english.body.contains("Social service agency"),
        "labels translated"
    );
    assert!(
        page.body.contains(">北京市</text>") && english.body.contains(">Beijing</text>"),
        "provinces in the reader's language"
    );
    assert!(
        page.body.contains(">居家养老上门服务</text>")
            && !english.body.contains(">居家养老上门服务</text>"),
        "categories by their English names: {}",
        english.body
    );
}
