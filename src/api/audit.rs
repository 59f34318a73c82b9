//! `/audit`: the audit chain, for auditors and admins.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::auth::TokenAuth;
use super::dto::{AuditEntry, AuditPage};
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::audit::{self, Filter};
use crate::auth::policy::{self, Action};
use crate::pagination::PageRequest;

/// The audit chain.
pub struct AuditApi;

#[OpenApi(prefix_path = "/audit", tag = "ApiTags::Audit")]
impl AuditApi {
    /// List audit entries, newest first
    #[oai(path = "/", method = "get", operation_id = "list_audit_entries")]
    async fn list_entries(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// Only entries about this kind of thing (`user`, `department`, ...).
        #[oai(validator(max_length = 64))]
        entity_type: Query<Option<String>>,
        /// Only entries about this id.
        #[oai(validator(max_length = 64))]
        entity_id: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<AuditPage>> {
        policy::check(Some(&auth.0), Action::ReadAudit)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let filter = Filter {
            entity_type: entity_type.0,
            entity_id: entity_id.0,
            sealed: crate::procurement::bids::sealed_projects(&state.db).await?,
            sealed_type: crate::procurement::bids::SEALED,
        };
        let (items, next_cursor) = audit::list(state.db.conn(), &filter, &page).await?;
        Ok(Json(AuditPage {
            items: items.into_iter().map(AuditEntry::from).collect(),
            next_cursor,
        }))
    }
}
