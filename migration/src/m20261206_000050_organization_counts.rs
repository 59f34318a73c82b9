//! Public registry figures kept up to date: organizations counted by type,
//! by province and by year of registration, written in the transaction
//! that registers (or imports) them, so the statistics read a few dozen
//! rows instead of the whole registry. Organizations are never deleted and
//! none of the three facts changes after registration, so a count only
//! grows. Backfilled from the rows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Counts::Table)
                    .col(ColumnDef::new(Counts::Dimension).string().not_null())
                    .col(ColumnDef::new(Counts::Key).string().not_null())
                    .col(ColumnDef::new(Counts::N).big_integer().not_null())
                    .primary_key(Index::create().col(Counts::Dimension).col(Counts::Key))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let year = match db.get_database_backend() {
            DbBackend::Postgres => "to_char(registered_on, 'YYYY')",
            _ => "substr(registered_on, 1, 4)",
        };
        for select in [
            "SELECT 'type', org_type, COUNT(*) FROM organizations GROUP BY org_type".to_owned(),
            "SELECT 'province', substr(division_code, 1, 2) || '0000', COUNT(*) FROM organizations \
             GROUP BY substr(division_code, 1, 2)"
                .to_owned(),
            format!(
                "SELECT 'year', {year}, COUNT(*) FROM organizations \
                 WHERE registered_on IS NOT NULL GROUP BY {year}"
            ),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO organization_counts (dimension, key, n) {select}"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Counts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Counts {
    #[sea_orm(iden = "organization_counts")]
    Table,
    Dimension,
    Key,
    N,
}
