//! Every migration can be undone and applied again, on both databases.

use migration::{Migrator, MigratorTrait};

#[tokio::test]
async fn all_migrations_go_down_and_up_again() {
    let app = crate::common::spawn().await;
    let conn = app.db().conn();
    let applied = Migrator::get_applied_migrations(conn).await.unwrap().len();
    assert_eq!(applied, Migrator::migrations().len());
    Migrator::down(conn, None).await.unwrap();
    assert!(
        Migrator::get_applied_migrations(conn)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::up(conn, None).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(conn).await.unwrap().len(),
        applied
    );
}
