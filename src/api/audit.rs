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
    ///
    /// Entries recorded with the bids of a project not yet opened are
    /// sealed: listed whole they show only `seq`, the hashes and `sealed`;
    /// with a filter they are left out (a page may then hold fewer entries
    /// than `limit`: follow `next_cursor`). After the opening they show whole.
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
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<AuditPage>> {
        policy::check(Some(&auth.0), Action::ReadAudit)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let filtered = entity_type.0.is_some() || entity_id.0.is_some();
        let filter = Filter {
            entity_type: entity_type.0,
            entity_id: entity_id.0,
        };
        let (items, next_cursor) = audit::list(state.db.conn(), &filter, &page).await?;
        let sealed = crate::procurement::bids::sealed_entries(&state.db, &items).await?;
        // Unfiltered, a sealed entry keeps its place; a filter leaves it out,
        // so that no filter counts a project's bids before the opening.
        let items = items
            .into_iter()
            .filter(|e| !(filtered && sealed.contains(&e.seq)))
            .map(|e| {
                let s = sealed.contains(&e.seq);
                AuditEntry::shown(e, s)
            })
            .collect();
        Ok(Json(AuditPage { items, next_cursor }))
    }
}
