//! The application: shared state and the endpoint tree (API, docs, pages,
//! static files) with its middleware (request id and tracing, security
//! headers, cookies).

use std::sync::Arc;
use std::time::Instant;

use poem::PathPattern;
use poem::http::{HeaderValue, StatusCode, header};
use poem::middleware::CookieJarManager;
use poem::web::Json;
use poem::{
    Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Request, Response, Route, get, handler,
};
use poem_openapi::OperationId;
use tracing::Instrument as _;

use crate::api;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::web;

/// Everything a request handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The clock every deadline reads.
    pub clock: Arc<dyn Clock>,
    /// Settings from the command line.
    pub settings: Arc<Settings>,
    /// The page templates.
    pub templates: Arc<web::templates::Templates>,
    /// API request quotas of tokens.
    pub limiter: Arc<api::hardening::Limiter>,
    /// Answers kept for anonymous readers.
    pub cache: Arc<crate::cache::PublicCache>,
    /// The site's identity as pages read it.
    pub site: Arc<crate::site::Cache>,
}

impl AppState {
    /// State over a migrated database.
    ///
    /// # Errors
    /// When the templates do not compile (a bug of ours, caught by any test).
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: Settings) -> anyhow::Result<Self> {
        let templates = web::templates::Templates::load(settings.dev_templates.as_deref())?;
        Ok(Self {
            db,
            clock,
            limiter: Arc::new(api::hardening::Limiter::new(settings.api_rate_per_minute)),
            cache: Arc::new(crate::cache::PublicCache::new(settings.cache_bytes)),
            site: Arc::default(),
            settings: Arc::new(settings),
            templates: Arc::new(templates),
        })
    }
}

/// Content-Security-Policy of pages: nothing but our own stylesheet, no scripts.
const CSP_PAGES: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                         base-uri 'none'; frame-ancestors 'none'";
/// The API docs page ships its script and styles inline.
const CSP_DOCS: &str = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Pages go out gzip-compressed to browsers that take it (a phone on a
/// slow line reads a form with every registration authority in a tenth
/// of its size). Outside the answer cache, which keeps pages as written;
/// only HTML: files, exports and the API go as they are.
async fn compress_pages<E: Endpoint>(
    ep: std::sync::Arc<E>,
    req: poem::Request,
) -> poem::Result<poem::Response> {
    use poem::web::{Compress, CompressionAlgo};
    let gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.split(';').next().is_some_and(|e| e.trim() == "gzip"))
        });
    // Boxed: the whole app below runs in this future, which would
    // otherwise sit on the caller's stack.
    let resp = Box::pin(ep.call(req)).await?.into_response();
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !gzip || !html || resp.headers().contains_key(header::CONTENT_ENCODING) {
        return Ok(resp);
    }
    let mut resp = Compress::new(resp, CompressionAlgo::GZIP).into_response();
    resp.headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(resp)
}

/// Builds the whole endpoint tree.
pub fn build_app(state: AppState) -> impl Endpoint {
    // Refuse bodies larger than the largest upload (plus room for the form's
    // other fields) before reading them.
    let body_limit = usize::try_from(state.settings.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    let api_service = api::service();
    let docs = api_service.swagger_ui();
    // The document with the boundary's rules (`api::spec_json`), made once.
    let spec_text = std::sync::Arc::new(api::spec_json());
    let spec = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(spec_text.as_str().to_owned())
    });
    Route::new()
        .nest("/api/v1/openapi.json", spec)
        .nest(
            "/api/v1",
            api_service
                .into_endpoint()
                .catch_all_error(api_error)
                .around(api::hardening::around),
        )
        .nest("/api/docs", docs)
        .nest("/api", api_fallback.catch_all_error(api_error))
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(metrics))
        .nest("/", web::routes())
        .around(|ep, req| async move { refuse_control_text(ep, req).await })
        .around(move |ep, req| async move {
            let declared = req
                .headers()
                .get(poem::http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|n| n > body_limit) {
                return Err(poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE));
            }
            ep.call(req).await.map(IntoResponse::into_response)
        })
        .with(CookieJarManager::new())
        .around(crate::cache::around)
        .around(|ep, req| async move { compress_pages(ep, req).await })
        .data(state)
        .around(|ep, req| async move { Ok(observe(ep, req).await) })
}

/// Refuses text input holding control characters ([`crate::text`]): the
/// path, every query parameter, and every string of a JSON or form body,
/// with 422 naming the field (problem+json for the API, a page otherwise),
/// before any handler or the database sees it.
async fn refuse_control_text<E: Endpoint>(
    ep: std::sync::Arc<E>,
    mut req: Request,
) -> poem::Result<Response> {
    let path = percent_encoding_decode(req.uri().path());
    let mut field = if crate::text::has_control(&path) {
        Some("path".to_owned())
    } else {
        req.uri()
            .query()
            .and_then(|q| crate::text::bad_pair(q.as_bytes()))
    };
    let content_type = req.content_type().map(|c| {
        c.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    let json = content_type
        .as_deref()
        .is_some_and(|c| c == "application/json" || c.ends_with("+json"));
    let form = content_type.as_deref() == Some("application/x-www-form-urlencoded");
    if field.is_none() && (json || form) {
        let bytes = req.take_body().into_bytes().await?;
        field = if json {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| crate::text::bad_json_field(&v))
        } else {
            crate::text::bad_pair(&bytes)
        };
        req.set_body(bytes);
    }
    // The API's 405 and 401 come before any look at the content.
    let first = field.is_some()
        && req.uri().path().starts_with("/api/v1/")
        && api::hardening::refused_before_content(
            req.uri().path(),
            req.method(),
            req.headers()
                .contains_key(poem::http::header::AUTHORIZATION),
        );
    let Some(field) = field.filter(|_| !first) else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    let message = "control characters (other than tab and line breaks) are not accepted";
    if req.uri().path().starts_with("/api/") {
        return Ok(api::problem::Problem::with_fields(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            format!("{field}: {message}"),
            vec![crate::error::FieldError::new(
                &field,
                "control_character",
                message,
            )],
        )
        .into_http());
    }
    Ok(web::error_page(poem::Error::from_string(
        format!("{field}: {message}"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )))
}

fn percent_encoding_decode(path: &str) -> String {
    String::from_utf8_lossy(&urlencoding::decode_binary(path.as_bytes())).into_owned()
}

#[handler]
fn api_fallback() -> poem::Result<()> {
    Err(poem::Error::from_status(StatusCode::NOT_FOUND))
}

async fn api_error(err: poem::Error) -> Response {
    api::problem::from_poem_error(err)
}

#[handler]
fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "up" }))
}

#[handler]
async fn readyz(state: poem::web::Data<&AppState>) -> Response {
    if state.db.ping().await {
        Json(serde_json::json!({ "status": "ready" })).into_response()
    } else {
        let mut resp =
            Json(serde_json::json!({ "status": "database unreachable" })).into_response();
        resp.set_status(StatusCode::SERVICE_UNAVAILABLE);
        resp
    }
}

/// The Prometheus text ([`crate::telemetry`]); 404 to whoever may not read it.
#[handler]
async fn metrics(req: &Request, state: poem::web::Data<&AppState>) -> Response {
    let authorization = req
        .headers()
        .get(poem::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(std::net::SocketAddr::ip);
    if !crate::telemetry::may_scrape(state.settings.metrics_token.as_deref(), authorization, peer) {
        return web::error_page(poem::Error::from_status(StatusCode::NOT_FOUND));
    }
    match crate::telemetry::render(&state.db).await {
        Ok(text) => Response::builder()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .header("cache-control", "no-store")
            .body(text),
        Err(e) => {
            tracing::error!(error = %e, "metrics: reading the gauges failed");
            Response::builder()
                .status(StatusCode::SERVICE_UNAVAILABLE)
                .body("the database did not answer")
        }
    }
}

/// Runs one request inside a tracing span with its request id, logs the
/// outcome, and adds the request id and security headers to the response.
async fn observe<E: Endpoint>(ep: std::sync::Arc<E>, req: Request) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let span = tracing::info_span!("request", %request_id, %method, %path);
    let started = Instant::now();
    let result = ep
        .call(req)
        .instrument(span.clone())
        .await
        .map(IntoResponse::into_response);
    // The operation or the route template, never the path: ids must not
    // multiply the series.
    let (operation, pattern) = match &result {
        Ok(r) => (r.data::<OperationId>(), r.data::<PathPattern>()),
        Err(e) => (e.data::<OperationId>(), e.data::<PathPattern>()),
    };
    let route: Arc<str> = match (operation, pattern) {
        (Some(op), _) => op.0.into(),
        (None, Some(p)) => p.0.clone(),
        (None, None) => crate::telemetry::UNMATCHED.into(),
    };
    let mut resp = match result {
        Ok(r) => r,
        Err(e) if path.starts_with("/api/") => api::problem::from_poem_error(e),
        Err(e) => web::error_page(e),
    };
    let status = resp.status();
    crate::telemetry::record_request(method.as_str(), &route, status.as_u16(), started.elapsed());
    span.in_scope(|| {
        let ms = started.elapsed().as_millis();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), ms, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), ms, "request");
        }
    });
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-request-id", v);
    }
    let csp = if path.starts_with("/api/docs") {
        CSP_DOCS
    } else {
        CSP_PAGES
    };
    h.insert("content-security-policy", HeaderValue::from_static(csp));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "referrer-policy",
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    resp
}
