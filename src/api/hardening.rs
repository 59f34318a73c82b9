//! What every API request goes through besides its handler:
//!
//! - **identity and scope**: a bearer token is authenticated here, once per
//!   request, and the actor travels in the request to the security schemes
//!   ([`Authenticated`]). A token with only the `read` scope reaches
//!   nothing but `GET` and `HEAD`: every other method is refused with 403
//!   before any handler runs, so an operation added later cannot forget it;
//! - **rate limit**: a request with a bearer token counts against that
//!   token's quota (`--api-rate-per-minute`, in bursts up to the same
//!   number, by the GCRA of `governor`, kept in this process); beyond it
//!   the answer is 429 with `Retry-After` in seconds. Anonymous reads are
//!   not limited here;
//! - **`ETag`**: every successful `GET` answer carries a strong `ETag` (a
//!   SHA-256 of its body); a request whose `If-None-Match` names it gets
//!   304 with no body. A streamed answer (the registry export, whose length
//!   is not known ahead) goes out as it is made, without one.
//!
//! `Idempotency-Key` on writes lives in [`crate::api::idempotency`].

use std::num::NonZeroU32;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use sha2::{Digest as _, Sha256};

use super::problem::Problem;
use crate::app::AppState;
use crate::auth::{Actor, Via, tokens};

/// The actor a request's bearer token stands for (`None`: the token is
/// unknown, revoked or its user deactivated), put in the request by
/// [`around`] so the token is looked up once.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Option<Actor>);

/// Whether a request with this method may be made with a read-scope token.
#[must_use]
pub fn is_read(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD
}

/// Per-token request quotas.
pub struct Limiter {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl Limiter {
    /// A limiter allowing `per_minute` requests per token; 0 allows all.
    #[must_use]
    pub fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    /// Counts one request of `token`: `Err(seconds)` to wait when over quota.
    ///
    /// # Errors
    /// The whole seconds until the token may ask again (at least 1).
    pub fn check(&self, token: &str) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        // Keep a digest, not the secret, in memory.
        let key = hex::encode(Sha256::digest(token.as_bytes()));
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// One path of the OpenAPI document: its segments (`{param}` matching any)
/// and, per method, whether the operation needs credentials.
struct DocPath {
    segments: Vec<String>,
    methods: Vec<(String, bool)>,
}

fn doc_paths() -> &'static [DocPath] {
    static PATHS: std::sync::OnceLock<Vec<DocPath>> = std::sync::OnceLock::new();
    PATHS.get_or_init(|| {
        let doc: serde_json::Value = serde_json::from_str(&super::spec_json()).unwrap_or_default();
        doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(p, item)| {
                        let mut methods: Vec<(String, bool)> = item
                            .as_object()
                            .map(|m| {
                                m.iter()
                                    .map(|(k, op)| {
                                        // Needs credentials: it names schemes, and
                                        // none of its alternatives is empty.
                                        let secured = op["security"].as_array().is_some_and(|s| {
                                            !s.is_empty()
                                                && s.iter().all(|r| {
                                                    r.as_object().is_some_and(|o| !o.is_empty())
                                                })
                                        });
                                        (k.to_uppercase(), secured)
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        if let Some(get) = methods.iter().find(|(m, _)| m == "GET").cloned() {
                            methods.push(("HEAD".into(), get.1));
                        }
                        DocPath {
                            segments: p.split('/').map(str::to_owned).collect(),
                            methods,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

fn doc_path(path: &str) -> Option<&'static DocPath> {
    let wanted: Vec<&str> = path.split('/').collect();
    doc_paths().iter().find(|d| {
        d.segments.len() == wanted.len()
            && d.segments
                .iter()
                .zip(&wanted)
                .all(|(s, w)| s.starts_with('{') || s == w)
    })
}

/// The methods each path of the OpenAPI document takes, its `{params}`
/// matching any segment.
fn methods_of(path: &str) -> Option<String> {
    doc_path(path).map(|d| {
        d.methods
            .iter()
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// Whether the API answers this request before reading what it carries:
/// with 405 (the path does not take the method) or 401 (the operation
/// needs credentials and none came). Checks of the content wait for those.
#[must_use]
pub fn refused_before_content(path: &str, method: &Method, has_credentials: bool) -> bool {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let Some(d) = doc_path(path) else {
        return false;
    };
    match d.methods.iter().find(|(m, _)| m == method.as_str()) {
        None => true,
        Some((_, secured)) => *secured && !has_credentials,
    }
}

/// [`guarded`], and a 405 says which methods the path takes (`Allow`, RFC 9110).
///
/// # Errors
/// The inner endpoint's error.
pub async fn around<E: Endpoint>(ep: std::sync::Arc<E>, req: Request) -> poem::Result<Response> {
    // Nested under `/api/v1`, the request sees its path without the prefix.
    let path = req.uri().path();
    let path = path.strip_prefix("/api/v1").unwrap_or(path).to_owned();
    let mut resp = guarded(ep, req).await?;
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(v) = methods_of(&path).and_then(|m| HeaderValue::from_str(&m).ok())
    {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    Ok(resp)
}

/// The token's identity and scope, the rate limit, then `Idempotency-Key`
/// for writes or `ETag` for reads.
///
/// # Errors
/// The inner endpoint's error.
async fn guarded<E: Endpoint>(ep: std::sync::Arc<E>, mut req: Request) -> poem::Result<Response> {
    if let (Some(state), Some(token)) = (req.data::<AppState>(), bearer(&req)) {
        if let Err(wait) = state.limiter.check(token) {
            return Ok(rate_limited(wait));
        }
        let actor = match tokens::authenticate(&state.db, token, state.clock.now()).await {
            Ok(actor) => actor,
            Err(e) => {
                return Ok(crate::api::problem::ApiError::from(e).into_response());
            }
        };
        if actor
            .as_ref()
            .is_some_and(|a| a.via == (Via::Token { write: false }))
            && !is_read(req.method())
        {
            return Ok(Problem::new(
                StatusCode::FORBIDDEN,
                "read_only_token",
                "this token has only the read scope: it may GET, nothing else",
            )
            .into_http());
        }
        req.extensions_mut().insert(Authenticated(actor));
    }
    if req.method() != Method::GET {
        return super::idempotency::guard(&*ep, req).await;
    }
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let resp = ep.call(req).await?.into_response();
    if resp.status() != StatusCode::OK {
        return Ok(resp);
    }
    let (parts, body) = resp.into_parts();
    // A streamed answer (the registry export) has no length known ahead:
    // it goes out as it is made, without an ETag, never held whole.
    let body: http_body_util::combinators::BoxBody<bytes::Bytes, std::io::Error> = body.into();
    if http_body::Body::size_hint(&body).exact().is_none() {
        return Ok(Response::from_parts(parts, poem::Body::from(body)));
    }
    let bytes = poem::Body::from(body).into_bytes().await?;
    let tag = format!("\"{}\"", &hex::encode(Sha256::digest(&bytes))[..32]);
    let mut resp = if if_none_match.is_some_and(|h| crate::cache::none_match(&h, &tag)) {
        let mut r = Response::from_parts(parts, poem::Body::empty());
        r.set_status(StatusCode::NOT_MODIFIED);
        r.headers_mut().remove(header::CONTENT_LENGTH);
        r.headers_mut().remove(header::CONTENT_TYPE);
        r
    } else {
        Response::from_parts(parts, poem::Body::from(bytes))
    };
    if let Ok(v) = HeaderValue::from_str(&tag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    Ok(resp)
}

fn rate_limited(wait: u64) -> Response {
    let mut resp = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("this token made too many requests; retry in {wait} s"),
    )
    .into_http();
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_the_methods_it_takes() {
        assert_eq!(methods_of("/me").as_deref(), Some("GET, HEAD"));
        let bids = methods_of("/projects/0190a000-0000-7000-8000-000000000000/bids").unwrap();
        assert!(bids.contains("GET") && bids.contains("POST"), "{bids}");
        assert_eq!(methods_of("/nowhere/at/all"), None);
    }

    #[test]
    fn a_token_over_its_quota_waits_and_others_do_not() {
        let limiter = Limiter::new(3);
        for _ in 0..3 {
            assert!(limiter.check("cgv_a").is_ok());
        }
        let wait = limiter.check("cgv_a").unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(limiter.check("cgv_b").is_ok());
        let off = Limiter::new(0);
        for _ in 0..1000 {
            assert!(off.check("cgv_a").is_ok());
        }
    }
}
