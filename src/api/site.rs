//! `/site`: the site's identity (anyone reads it, an admin sets it).

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::site::{self, Identity};

/// The site's identity.
pub struct SiteApi;

#[OpenApi(prefix_path = "/site", tag = "ApiTags::Site")]
impl SiteApi {
    /// The site's identity: name, host organization, contact, ICP filing number, statements
    ///
    /// Empty values mean the service's defaults.
    #[oai(path = "/", method = "get", operation_id = "get_site")]
    async fn get_site(&self, state: Data<&AppState>) -> ApiResult<Json<Identity>> {
        Ok(Json(site::get(state.db.conn()).await?))
    }

    /// Set the site's identity (admin)
    ///
    /// Every value at once, trimmed; an empty one shows the default. Names
    /// at most 100 characters, host 200, contact 500, ICP number 64,
    /// statements 20,000.
    #[oai(path = "/", method = "put", operation_id = "set_site")]
    async fn set_site(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<Identity>,
    ) -> ApiResult<Json<Identity>> {
        let saved = site::set(&state.db, &state.site, &auth.0, &body.0, state.clock.now()).await?;
        Ok(Json(saved))
    }
}
