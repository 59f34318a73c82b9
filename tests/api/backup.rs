//! A backup taken while the service writes restores into a deployment whose
//! audit chain verifies and whose master key opens what is sealed.

use crate::common::{json, spawn};
use cogov::auth::Role;
use cogov::keys::{Keyring, MasterKeySource};
use futures_util::future::join;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_and_verifies() {
    let app = spawn().await;
    let data_dir = app.state.settings.data_dir.clone();
    let out = tempfile::tempdir().unwrap();
    let master = MasterKeySource::new(None, None, &data_dir);
    if app.db().backend() == sea_orm::DbBackend::Postgres {
        let refused = cogov::backup::backup(app.db(), &data_dir, &master, out.path()).await;
        assert!(refused.unwrap_err().to_string().contains("pg_dump"));
        return;
    }
    let (_, token) = app
        .user_with_token("writer@backup.cn", Role::OrgMember)
        .await;
    let writes = async {
        for n in 0..60 {
            let (s, _) = json(
                app.post_json(
                    "/api/v1/me/tokens",
                    Some(&token),
                    json!({"name": format!("t{n}"), "scopes": ["read"]}),
                )
                .await,
            )
            .await;
            assert_eq!(s, 201);
        }
    };
    let (_, taken) = join(
        writes,
        cogov::backup::backup(app.db(), &data_dir, &master, out.path()),
    )
    .await;
    let taken = taken.unwrap();
    assert!(taken.files >= 2 && taken.bytes > 0);
    assert!(
        cogov::backup::backup(app.db(), &data_dir, &master, out.path())
            .await
            .is_err(),
        "a backup is never written over"
    );

    let restored = tempfile::tempdir().unwrap();
    cogov::backup::restore(out.path(), restored.path()).unwrap();
    assert!(
        cogov::backup::restore(out.path(), restored.path()).is_err(),
        "nor restored over a database"
    );
    let url = format!(
        "sqlite://{}?mode=rw",
        restored.path().join("cogov.db").display()
    );
    let db = cogov::db::Db::connect_and_migrate(&url).await.unwrap();
    let report = cogov::audit::verify(db.conn()).await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    assert!(report.checked >= 2);
    Keyring::load(
        db.conn(),
        &MasterKeySource::new(None, None, restored.path()),
        chrono::Utc::now(),
    )
    .await
    .expect("the restored key is the database's");
}
