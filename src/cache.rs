//! Answers to anonymous readers, kept in memory: what the public asks for
//! most (an organization, a project, the first pages of the lists, the
//! public pages) is built once and served again until a committed change
//! could have altered it.
//!
//! Owns nothing of the domain; it sits between the request log and the
//! cookie handling ([`crate::app::build_app`]) and decides only whether a
//! stored answer may stand in for a new one:
//!
//! - **what is kept**: `GET` answers `200` to requests without credentials
//!   (no `Authorization`, no cookie but the CSRF and language cookies),
//!   with a known length up to [`MAX_ENTRY`], setting no cookie; keyed by
//!   the URI and what selects the language and format (`Accept`,
//!   `Accept-Language`, the language cookie). At most `--cache-mb` in all
//!   (`crate::config::DEFAULT_CACHE_MB`; 0 turns the cache off), least recently used
//!   out first.
//! - **when it stops standing**: every committed change writes its audit
//!   entry in the same transaction ([`crate::audit`]), so the audit chain's
//!   head names the state of the database. An answer is served again only
//!   while the head is where it was when the answer was made (read for
//!   every request, one row by key, a read that began after the request
//!   came shared by those waiting on it, so a change committed by another
//!   instance on the same PostgreSQL counts at once) and for at most
//!   [`MAX_AGE_SECS`] by the service's clock (what changes with time alone:
//!   a deadline passing).
//! - **what differs per visitor**: a page carries the visitor's CSRF token
//!   (the forms of an anonymous page: language, sign-in). The request
//!   reaches the pages with a token always (a new one when the visitor has
//!   none, sent back as the cookie the pages would set), the stored copy
//!   holds a placeholder where the token was, and each visitor gets their
//!   own token put back.
//! - **`ETag`**: a stored API answer keeps the tag it was made with; an
//!   `If-None-Match` naming it is answered `304` without building anything.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use poem::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::app::AppState;
use crate::web::{CSRF_COOKIE, LANG_COOKIE};

/// Whether an `If-None-Match` value names `tag` (or is `*`).
#[must_use]
pub fn none_match(header_value: &str, tag: &str) -> bool {
    header_value
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == tag || t.strip_prefix("W/").is_some_and(|weak| weak == tag))
}

/// The largest answer kept.
pub const MAX_ENTRY: usize = 512 * 1024;
/// How long an answer stands at most, whatever the database says.
pub const MAX_AGE_SECS: i64 = 5;
/// Where the visitor's CSRF token was in a stored page.
const PLACEHOLDER: &[u8] = b"\x7fcogov-csrf\x7f";

/// One kept answer.
#[derive(Debug)]
struct Entry {
    /// The audit head when it was made.
    generation: i64,
    made_at: DateTime<Utc>,
    headers: HeaderMap,
    body: Bytes,
    /// Whether the body holds the placeholder.
    per_visitor: bool,
}

#[derive(Clone)]
struct ByLength;

impl quick_cache::Weighter<String, Arc<Entry>> for ByLength {
    fn weight(&self, key: &String, entry: &Arc<Entry>) -> u64 {
        (key.len() + entry.body.len() + 256) as u64
    }
}

/// The kept answers of this process (`None`: the cache is off).
pub struct PublicCache {
    entries: Option<quick_cache::sync::Cache<String, Arc<Entry>, ByLength>>,
    /// The last read of the audit head: when it started, what it found.
    head: tokio::sync::Mutex<Option<(std::time::Instant, i64)>>,
}

impl std::fmt::Debug for PublicCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicCache")
            .field("entries", &self.entries.as_ref().map(|e| e.len()))
            .field("bytes", &self.entries.as_ref().map(|e| e.weight()))
            .finish()
    }
}

impl PublicCache {
    /// A cache of at most `capacity` bytes; 0 keeps nothing.
    #[must_use]
    pub fn new(capacity: u64) -> Self {
        Self {
            entries: (capacity > 0)
                .then(|| quick_cache::sync::Cache::with_weighter(4096, capacity, ByLength)),
            head: tokio::sync::Mutex::new(None),
        }
    }
}

/// The key of a request whose answer may be kept, `None` for one that is
/// not anonymous or not a plain `GET`.
#[must_use]
pub fn key_of(req: &Request) -> Option<String> {
    if req.method() != Method::GET
        || req.headers().contains_key(header::AUTHORIZATION)
        || req.headers().contains_key(header::RANGE)
    {
        return None;
    }
    let path = req.uri().path();
    if ["/metrics", "/healthz", "/readyz"].contains(&path) {
        return None;
    }
    let mut lang = "";
    for value in req.headers().get_all(header::COOKIE) {
        for pair in value.to_str().ok()?.split(';') {
            let (name, value) = pair.trim().split_once('=').unwrap_or((pair.trim(), ""));
            match name {
                CSRF_COOKIE => {}
                LANG_COOKIE => lang = value,
                "" => {}
                _ => return None,
            }
        }
    }
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    Some(format!(
        "{}\n{}\n{}\n{lang}",
        req.uri().path_and_query().map_or(path, |p| p.as_str()),
        header(header::ACCEPT),
        header(header::ACCEPT_LANGUAGE),
    ))
}

/// The audit chain's head: what names the database's committed state.
///
/// Read for every request, but shared: a request takes a read that
/// started after it arrived (so it sees every change committed before it
/// came), and the requests that arrive while one read is under way wait for
/// it and then share the next, so many readers at once cost the database
/// one row now and then instead of one each.
async fn generation(state: &AppState) -> Option<i64> {
    let arrived = std::time::Instant::now();
    let mut last = state.cache.head.lock().await;
    if let Some((started, head)) = *last
        && started >= arrived
    {
        return Some(head);
    }
    let started = std::time::Instant::now();
    let head = read_head(state).await?;
    *last = Some((started, head));
    Some(head)
}

async fn read_head(state: &AppState) -> Option<i64> {
    use sea_orm::ConnectionTrait as _;
    let conn = state.db.conn();
    // Written out rather than built: it runs on every anonymous read.
    let head = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT last_seq FROM audit_head WHERE id = 1",
        ))
        .await
        .and_then(|row| row.map(|r| r.try_get_by_index::<i64>(0)).transpose());
    match head {
        Ok(seq) => Some(seq.unwrap_or(0)),
        Err(e) => {
            tracing::warn!(error = %e, "cache: reading the audit head failed; not caching");
            None
        }
    }
}

/// The visitor's CSRF token from their cookie: `Ok(None)` without one,
/// `Err(())` for one the pages would replace (too short).
fn csrf_of(req: &Request) -> Result<Option<String>, ()> {
    let token = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CSRF_COOKIE)
        .map(|(_, value)| value.to_owned());
    match token {
        Some(t) if t.len() < 32 => Err(()),
        t => Ok(t),
    }
}

/// `body` with every `from` replaced by `to`.
fn replace_all(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    let finder = memchr::memmem::Finder::new(from);
    while let Some(at) = finder.find(rest) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Serves a kept answer when one stands, else builds it and keeps it when
/// it may be kept (see the module's doc).
///
/// # Errors
/// The inner endpoint's error.
pub async fn around<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let Some(key) = key_of(&req) else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    let Some(state) = req.data::<AppState>().cloned() else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    let Some(cache) = state.cache.entries.as_ref() else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    let Some(generation) = generation(&state).await else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    let now = state.clock.now();
    let page = !req.uri().path().starts_with("/api/");
    // Pages always see a token: the visitor's, or a new one they are given.
    let mut new_token = None;
    let token = if page {
        let Ok(visitor) = csrf_of(&req) else {
            return ep.call(req).await.map(IntoResponse::into_response);
        };
        let token = visitor.unwrap_or_else(|| {
            let t = crate::auth::random_secret(32);
            let pair = format!("{CSRF_COOKIE}={t}");
            let cookies = match req
                .headers()
                .get(header::COOKIE)
                .and_then(|v| v.to_str().ok())
            {
                Some(c) if !c.trim().is_empty() => format!("{c}; {pair}"),
                _ => pair,
            };
            if let Ok(v) = HeaderValue::from_str(&cookies) {
                req.headers_mut().insert(header::COOKIE, v);
            }
            new_token = Some(t.clone());
            t
        });
        Some(token)
    } else {
        None
    };
    let set_cookie = |resp: &mut Response| {
        if let Some(t) = &new_token {
            let cookie = crate::web::cookie(&state, CSRF_COOKIE, t, None);
            if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    };

    if let Some(entry) = cache.get(&key)
        && entry.generation == generation
        && now.signed_duration_since(entry.made_at).num_seconds() < MAX_AGE_SECS
        && entry.made_at <= now
    {
        crate::telemetry::record_cache(true);
        let mut resp = served(&req, &entry, token.as_deref());
        set_cookie(&mut resp);
        return Ok(resp);
    }
    crate::telemetry::record_cache(false);

    let resp = ep.call(req).await?.into_response();
    // Pages say `no-store` to browsers and proxies (they carry a CSRF
    // token); that is not about this cache, which keys by the visitor's
    // credentials. `private` is: an answer meant for one person.
    let keep = resp.status() == StatusCode::OK
        && !resp.headers().contains_key(header::SET_COOKIE)
        && !resp
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("private"));
    if !keep {
        let mut resp = resp;
        set_cookie(&mut resp);
        return Ok(resp);
    }
    let (parts, body) = resp.into_parts();
    let body: http_body_util::combinators::BoxBody<Bytes, std::io::Error> = body.into();
    let size = http_body::Body::size_hint(&body).exact();
    if size.is_none_or(|n| n > MAX_ENTRY as u64) {
        let mut resp = Response::from_parts(parts, poem::Body::from(body));
        set_cookie(&mut resp);
        return Ok(resp);
    }
    let bytes = poem::Body::from(body).into_bytes().await?;
    let (stored, per_visitor) = match &token {
        Some(t) if memchr::memmem::find(&bytes, t.as_bytes()).is_some() => (
            Bytes::from(replace_all(&bytes, t.as_bytes(), PLACEHOLDER)),
            true,
        ),
        _ => (bytes.clone(), false),
    };
    let mut headers = parts.headers.clone();
    headers.remove(header::CONTENT_LENGTH);
    cache.insert(
        key,
        Arc::new(Entry {
            generation,
            made_at: now,
            headers,
            body: stored,
            per_visitor,
        }),
    );
    let mut resp = Response::from_parts(parts, poem::Body::from(bytes));
    set_cookie(&mut resp);
    Ok(resp)
}

/// A kept answer for this request: `304` when its `If-None-Match` names
/// the kept tag, else the body with the visitor's token put back.
fn served(req: &Request, entry: &Entry, token: Option<&str>) -> Response {
    let tag = entry
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok());
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if let (Some(tag), Some(wanted)) = (tag, if_none_match)
        && none_match(wanted, tag)
    {
        let mut resp = Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .finish();
        *resp.headers_mut() = entry.headers.clone();
        resp.headers_mut().remove(header::CONTENT_LENGTH);
        resp.headers_mut().remove(header::CONTENT_TYPE);
        return resp;
    }
    let body = match (entry.per_visitor, token) {
        (true, Some(t)) => Bytes::from(replace_all(&entry.body, PLACEHOLDER, t.as_bytes())),
        _ => entry.body.clone(),
    };
    let mut resp = Response::builder().status(StatusCode::OK).body(body);
    *resp.headers_mut() = entry.headers.clone();
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_names_a_tag_in_a_list_weakly_or_by_star() {
        assert!(none_match("\"abc\"", "\"abc\""));
        assert!(none_match("\"x\", \"abc\"", "\"abc\""));
        assert!(none_match("W/\"abc\"", "\"abc\""));
        assert!(none_match("*", "\"abc\""));
        assert!(!none_match("\"abd\"", "\"abc\""));
    }

    #[test]
    fn replace_all_swaps_every_occurrence_and_nothing_else() {
        assert_eq!(replace_all(b"a-T-b-T", b"T", b"xyz"), b"a-xyz-b-xyz");
        assert_eq!(replace_all(b"none here", b"T", b"xyz"), b"none here");
        assert_eq!(replace_all(b"", b"T", b"x"), b"");
    }

    fn get(path: &str, headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().uri(path.parse().unwrap());
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.finish()
    }

    #[test]
    fn only_anonymous_plain_gets_are_kept() {
        assert!(key_of(&get("/registry", &[])).is_some());
        assert!(
            key_of(&get(
                "/registry",
                &[("cookie", "cogov_csrf=abc; cogov_lang=en")]
            ))
            .is_some()
        );
        assert!(key_of(&get("/registry", &[("cookie", "cogov_session=s")])).is_none());
        assert!(key_of(&get("/registry", &[("cookie", "cogov_csrf=a; other=b")])).is_none());
        assert!(key_of(&get("/api/v1/stats", &[("authorization", "Bearer t")])).is_none());
        assert!(key_of(&get("/metrics", &[])).is_none());
        let post = Request::builder()
            .method(Method::POST)
            .uri("/registry".parse().unwrap())
            .finish();
        assert!(key_of(&post).is_none());
    }

    #[test]
    fn the_key_tells_languages_and_formats_apart_but_not_csrf_tokens() {
        let zh = key_of(&get("/registry", &[("cookie", "cogov_csrf=one")]));
        assert_eq!(
            zh,
            key_of(&get("/registry", &[("cookie", "cogov_csrf=two")]))
        );
        assert_ne!(
            zh,
            key_of(&get("/registry", &[("cookie", "cogov_lang=en")]))
        );
        assert_ne!(zh, key_of(&get("/registry", &[("accept-language", "en")])));
        assert_ne!(zh, key_of(&get("/registry?q=a", &[])));
        assert_ne!(
            key_of(&get("/api/v1/grants", &[("accept", "text/csv")])),
            key_of(&get("/api/v1/grants", &[]))
        );
    }
}
