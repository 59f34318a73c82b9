//! Leases that let one server instance at a time run a background job.

use sea_orm::entity::prelude::*;

/// A job's lease.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_leases")]
pub struct Model {
    /// Job name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// Instance holding the lease.
    pub holder: String,
    /// Lease end; another instance may take it after.
    pub expires_at: DateTimeUtc,
    /// Last day the job completed (daily jobs).
    pub last_run_on: Option<Date>,
}

/// Relations of a lease.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
