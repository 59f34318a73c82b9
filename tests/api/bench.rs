//! The national data set at a small size: what `cogov bench seed` writes is
//! what the services would have left (bids that match their receipts,
//! grants whose payments add up), the public reads and exports answer it,
//! and the exports read page by page give the same bytes whatever the page.

use crate::common::json;
use cogov::clock::Clock as _;
use futures_util::StreamExt as _;
use sea_orm::{EntityTrait, PaginatorTrait};

async fn collect(pages: impl futures_util::Stream<Item = cogov::error::Result<Vec<u8>>>) -> String {
    let parts: Vec<Vec<u8>> = pages.map(|p| p.unwrap()).collect().await;
    String::from_utf8(parts.concat()).unwrap()
}

#[tokio::test]
async fn the_bench_data_set_is_whole_and_its_exports_page_alike() {
    let app = crate::common::spawn().await;
    let now = app.clock.now();
    let dir = tempfile::tempdir().unwrap();
    let orgs = cogov::bench::seed(app.db(), dir.path(), 400, 7, now, |_| {})
        .await
        .unwrap();
    assert_eq!(orgs.imported, 400);
    let made = cogov::bench::procurement::seed(app.db(), 40, 5, 7, now, |_| {})
        .await
        .unwrap();
    // A tenth open (no bids yet), a tenth in evaluation, the rest awarded.
    assert_eq!((made.projects, made.bids, made.grants), (40, 36 * 5, 32));
    let db = app.db().conn();
    assert_eq!(
        entity::projects::Entity::find().count(db).await.unwrap(),
        40
    );
    assert_eq!(entity::grants::Entity::find().count(db).await.unwrap(), 32);
    assert!(made.disbursements > 0 && made.reports > 0);

    // The bids match their receipts, as after a real opening.
    assert_eq!(
        cogov::procurement::bids::verify_all(app.db())
            .await
            .unwrap(),
        Vec::<uuid::Uuid>::new()
    );
    // Each grant's paid installments are its payments.
    for g in entity::grants::Entity::find().all(db).await.unwrap() {
        use sea_orm::{ColumnTrait, QueryFilter};
        let paid: i64 = entity::installments::Entity::find()
            .filter(entity::installments::Column::GrantId.eq(g.id))
            .all(db)
            .await
            .unwrap()
            .iter()
            .map(|i| i.paid_fen)
            .sum();
        let payments: i64 = entity::disbursements::Entity::find()
            .filter(entity::disbursements::Column::GrantId.eq(g.id))
            .all(db)
            .await
            .unwrap()
            .iter()
            .map(|d| d.amount_fen)
            .sum();
        assert_eq!(paid, payments, "grant {}", g.id);
        assert!(paid <= g.amount_fen);
    }

    // The public reads answer it.
    let (s, list) = json(app.get("/api/v1/projects?limit=100", None).await).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 40);
    let awarded = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["status"] == "awarded")
        .unwrap();
    let id = awarded["id"].as_str().unwrap();
    let (s, one) = json(app.get(&format!("/api/v1/projects/{id}"), None).await).await;
    assert_eq!(s, 200, "{one}");
    let (s, opening) = json(
        app.get(&format!("/api/v1/projects/{id}/opening"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200, "{opening}");
    for page in ["/projects", "/grants", "/registry"] {
        assert_eq!(app.get(page, None).await.0.status(), 200, "{page}");
    }
    let (s, stats) = json(app.get("/api/v1/stats", None).await).await;
    assert_eq!(s, 200);
    assert!(stats["funds_total_fen"].as_i64().unwrap() > 0, "{stats}");

    // The exports: one row a grant, and the same bytes in pages of 7 as in
    // pages of 500.
    let csv = app.get("/api/v1/open/grants.csv", None).await;
    let csv = csv.0.into_body().into_string().await.unwrap();
    assert_eq!(csv.lines().count(), 1 + 32, "{csv}");
    let by_seven = collect(cogov::grants::export::csv_stream(app.db().clone(), 7)).await;
    assert_eq!(by_seven, csv);
    let (s, package) = json(app.get("/api/v1/open/grants.json", None).await).await;
    assert_eq!(s, 200);
    assert_eq!(package["grants"].as_array().unwrap().len(), 32);
    let by_seven: serde_json::Value = serde_json::from_str(
        &collect(cogov::grants::export::json_stream(app.db().clone(), 7)).await,
    )
    .unwrap();
    assert_eq!(by_seven, package);
    let exact: serde_json::Value = serde_json::from_str(
        &collect(cogov::grants::export::json_stream(app.db().clone(), 32)).await,
    )
    .unwrap();
    assert_eq!(exact, package, "a last page that is exactly full");

    // Project search: `%` and `_` are themselves, not wildcards.
    for (q, found) in [("%", 0), ("_", 0), ("（第 7 批）", 1)] {
        let (s, page) = json(
            app.get(
                &format!("/api/v1/projects?q={}", urlencoding::encode(q)),
                None,
            )
            .await,
        )
        .await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(
            page["items"].as_array().unwrap().len(),
            found,
            "{q}: {page}"
        );
    }

    // A re-run adds nothing.
    let again = cogov::bench::procurement::seed(app.db(), 40, 5, 7, now, |_| {})
        .await
        .unwrap();
    assert_eq!(again.projects, 0);
}

/// The figures the triggers keep equal those grouped from the rows, after
/// the bench's bulk load and the demo's journeys through the services
/// (projects published, opened, awarded, cancelled; grants accepted,
/// paid, completed).
#[tokio::test]
async fn kept_figures_equal_the_rows_grouped() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = crate::common::spawn().await;
    let now = app.clock.now();
    cogov::demo::seed(app.db(), now).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    cogov::bench::seed(app.db(), dir.path(), 300, 3, now, |_| {})
        .await
        .unwrap();
    cogov::bench::procurement::seed(app.db(), 30, 3, 3, now, |_| {})
        .await
        .unwrap();
    let db = app.db().conn();
    let backend = db.get_database_backend();
    let one = |sql: &str| Statement::from_string(backend, sql.to_owned());
    let n = |sql: &'static str| async move {
        db.query_one_raw(one(sql))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap()
    };
    let (_, stats) = json(app.get("/api/v1/stats", None).await).await;
    let total = |key: &str| -> i64 {
        stats[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(
        total("projects_by_status"),
        n("SELECT COUNT(*) FROM projects WHERE status <> 'draft'").await
    );
    assert_eq!(
        total("projects_by_category"),
        n("SELECT COUNT(*) FROM projects WHERE status <> 'draft'").await
    );
    let funds =
        n("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM grants WHERE status <> 'declined'").await;
    assert_eq!(stats["funds_total_fen"].as_i64().unwrap(), funds);
    assert_eq!(total("funds_by_category"), funds);
    assert_eq!(
        stats["scored_grants"].as_i64().unwrap(),
        n("SELECT COUNT(*) FROM grants WHERE status = 'completed' AND performance_score IS NOT NULL").await
    );
    // Each state on its own.
    for status in ["open", "evaluating", "awarded", "cancelled"] {
        let counted = stats["projects_by_status"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == status)
            .map_or(0, |c| c["value"].as_i64().unwrap());
        let rows = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                if backend == sea_orm::DbBackend::Postgres {
                    "SELECT COUNT(*) FROM projects WHERE status = $1"
                } else {
                    "SELECT COUNT(*) FROM projects WHERE status = ?"
                },
                [status.into()],
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap();
        assert_eq!(counted, rows, "{status}");
    }
}

/// A code repeated in the next batch (which PostgreSQL may be writing at
/// the same time) counts once, as anywhere else in a file.
#[tokio::test]
async fn a_code_repeated_across_batches_is_imported_once() {
    let app = crate::common::spawn().await;
    let mut csv = Vec::new();
    cogov::bench::write_csv(&mut csv, 1_500, 11).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let row_500 = text.lines().nth(500).unwrap().to_owned();
    let text = format!("{text}{row_500}\n");
    let report = cogov::registry::import::import_csv(
        app.db(),
        std::io::Cursor::new(text.into_bytes()),
        app.clock.now(),
        |_| {},
    )
    .await
    .unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected.first());
    assert_eq!((report.created, report.already_present), (1_500, 1));
    assert_eq!(
        entity::organizations::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        1_500
    );
}
