//! Indexes for the foreign keys lists filter by: a grant's reports,
//! payments and feedback; an organization's bids; an expert's panel seats;
//! a department's grants.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &str); 6] = [
    ("idx_grant_reports_grant", "grant_reports", "grant_id"),
    ("idx_disbursements_grant", "disbursements", "grant_id"),
    ("idx_grant_feedback_grant", "grant_feedback", "grant_id"),
    ("idx_bids_organization", "bids", "organization_id"),
    ("idx_panel_members_expert", "panel_members", "expert_id"),
    ("idx_grants_department", "grants", "department_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new(table))
                        .col(Alias::new(column))
                        .to_owned(),
                )
                .await?;
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
