//! Indexes for the task lists' queues at national size (issue 18): every
//! signed-in page counts what waits for the viewer, oldest first, so each
//! queue a count reads is an index by state and age: annual reports
//! waiting for a registrar, grant reports waiting for a purchaser, open
//! challenges by their reply deadline (the auditor's overdue list).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns).
const INDEXES: [(&str, &str, [&str; 2]); 3] = [
    (
        "idx_annual_reports_queue",
        "annual_reports",
        ["status", "submitted_at"],
    ),
    (
        "idx_grant_reports_queue",
        "grant_reports",
        ["status", "submitted_at"],
    ),
    (
        "idx_challenges_queue",
        "challenges",
        ["status", "reply_due"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table));
            for c in columns {
                index.col(Alias::new(c));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
