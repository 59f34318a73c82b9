//! `/webhooks`: subscriptions to the public event feed and their delivery logs.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::pagination::PageRequest;
use crate::webhooks::{self, NewWebhook};

/// Webhook subscriptions.
pub struct WebhooksApi;

/// A new subscription.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where to POST events (http or https; public addresses only unless the
    /// server allows private ones).
    #[oai(validator(max_length = 500))]
    pub url: String,
    /// Event types wanted, as the feed names them (empty or absent: all).
    #[oai(default)]
    #[serde(default)]
    pub event_types: Vec<String>,
}

/// A subscription.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Webhook {
    /// Id.
    pub id: Uuid,
    /// Receiver.
    pub url: String,
    /// Event types wanted (empty: all).
    pub event_types: Vec<String>,
    /// Delivering; false once disabled after repeated failures.
    pub active: bool,
    /// Failed attempts in a row.
    pub failures: i32,
    /// The cursor of the last event delivered.
    pub last_cursor: String,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl From<webhooks::Webhook> for Webhook {
    fn from(w: webhooks::Webhook) -> Self {
        Self {
            id: w.row.id,
            url: w.row.url,
            event_types: w.event_types,
            active: w.row.active,
            failures: w.row.failures,
            last_cursor: w.row.last_seq.to_string(),
            disabled_reason: w.row.disabled_reason,
            created_at: w.row.created_at,
        }
    }
}

/// A new subscription with its secret.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewWebhookCreated {
    /// The subscription.
    pub webhook: Webhook,
    /// The HMAC-SHA256 key of `X-Cogov-Signature` (`sha256=` and the hex
    /// HMAC of `TIMESTAMP.BODY`, the timestamp from `X-Cogov-Timestamp`).
    /// Shown only in this answer.
    pub secret: String,
}

/// A created subscription.
#[derive(ApiResponse)]
pub enum CreatedWebhook {
    /// Subscribed; events after now will be delivered.
    #[oai(status = 201)]
    Created(Json<NewWebhookCreated>),
}

/// Subscriptions.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookList {
    /// Oldest first.
    pub items: Vec<Webhook>,
}

/// One delivery attempt.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Delivery {
    /// Id, as sent in `X-Cogov-Delivery`.
    pub id: Uuid,
    /// The event's cursor.
    pub event_cursor: String,
    /// The event's type.
    pub event_type: String,
    /// Attempt number at this event.
    pub attempt: i32,
    /// The receiver answered 2xx.
    pub ok: bool,
    /// The receiver's status.
    pub response_status: Option<i32>,
    /// What went wrong.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A page of the delivery log.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeliveryPage {
    /// Newest first.
    pub items: Vec<Delivery>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// A deletion.
#[derive(ApiResponse)]
pub enum Deleted {
    /// Deleted with its delivery log.
    #[oai(status = 204)]
    Gone,
}

#[OpenApi(prefix_path = "/webhooks", tag = "ApiTags::OpenData")]
impl WebhooksApi {
    /// Subscribe to public events
    #[oai(path = "/", method = "post", operation_id = "create_webhook")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<WebhookInput>,
    ) -> ApiResult<CreatedWebhook> {
        let input = body.0;
        let (w, secret) = webhooks::create(
            &state.db,
            &auth.0,
            NewWebhook {
                url: input.url,
                event_types: input.event_types,
            },
            state.settings.webhooks_allow_private,
            state.clock.now(),
        )
        .await?;
        Ok(CreatedWebhook::Created(Json(NewWebhookCreated {
            webhook: w.into(),
            secret,
        })))
    }

    /// My subscriptions (every one for admins and auditors)
    #[oai(path = "/", method = "get", operation_id = "list_webhooks")]
    async fn list(&self, state: Data<&AppState>, auth: TokenAuth) -> ApiResult<Json<WebhookList>> {
        let items = webhooks::list(&state.db, &auth.0).await?;
        Ok(Json(WebhookList {
            items: items.into_iter().map(Into::into).collect(),
        }))
    }

    /// One subscription
    #[oai(path = "/:id", method = "get", operation_id = "get_webhook")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Webhook>> {
        Ok(Json(webhooks::get(&state.db, &auth.0, id.0).await?.into()))
    }

    /// Its delivery log
    #[oai(
        path = "/:id/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn deliveries(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<DeliveryPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let (rows, next_cursor) = webhooks::deliveries_of(&state.db, &auth.0, id.0, &page).await?;
        Ok(Json(DeliveryPage {
            items: rows
                .into_iter()
                .map(|d| Delivery {
                    id: d.id,
                    event_cursor: d.event_seq.to_string(),
                    event_type: d.event_type,
                    attempt: d.attempt,
                    ok: d.ok,
                    response_status: d.response_status,
                    error: d.error,
                    duration_ms: d.duration_ms,
                    created_at: d.created_at,
                })
                .collect(),
            next_cursor,
        }))
    }

    /// Enable a disabled subscription again
    #[oai(path = "/:id/enable", method = "post", operation_id = "enable_webhook")]
    async fn enable(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Webhook>> {
        let w = webhooks::enable(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Json(w.into()))
    }

    /// Delete a subscription
    #[oai(path = "/:id/delete", method = "post", operation_id = "delete_webhook")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Deleted> {
        webhooks::delete(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Deleted::Gone)
    }
}
