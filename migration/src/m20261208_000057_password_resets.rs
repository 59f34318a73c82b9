//! Password reset requests (issue 18): one row per request, whether or not
//! the address has an account (so throttling answers the same for both),
//! holding the hash of the link's secret, never the secret.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasswordResets::Table)
                    .col(uuid(PasswordResets::Id).primary_key())
                    .col(string_len(PasswordResets::Email, 254))
                    .col(uuid_null(PasswordResets::UserId))
                    .col(string_len_null(PasswordResets::SecretHash, 64).unique_key())
                    .col(string_len(PasswordResets::ClientIp, 64))
                    .col(timestamp_with_time_zone(PasswordResets::RequestedAt))
                    .col(timestamp_with_time_zone(PasswordResets::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordResets::UsedAt))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_password_resets_email_at", PasswordResets::Email),
            ("idx_password_resets_ip_at", PasswordResets::ClientIp),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PasswordResets::Table)
                        .col(col)
                        .col(PasswordResets::RequestedAt)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordResets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    Email,
    UserId,
    SecretHash,
    ClientIp,
    RequestedAt,
    ExpiresAt,
    UsedAt,
}
