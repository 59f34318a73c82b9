//! `Idempotency-Key` on writes (`POST`, `PUT`, `PATCH`, `DELETE`).
//!
//! A client that may retry a write sends a key of its choosing (1-255
//! visible ASCII characters). The first request with a key runs and its
//! answer is kept for 24 hours (unless it is a 5xx, which may be retried);
//! a request with the same key, method, path and body gets that answer again
//! with `Idempotency-Replayed: true` and changes nothing; the same key with
//! another request is refused with 422 (`idempotency_key_reused`), and a
//! retry while the first is still running with 409
//! (`idempotency_in_progress`, `Retry-After: 1`). Keys belong to the caller:
//! the bearer token, or the client address for anonymous writes.
//!
//! Retries after a crash resolve. Each request runs as an attempt that holds
//! the key (`attempt`), and every write transaction it commits records, in
//! that same transaction, that the attempt committed (`db::Fence`). So:
//! - a key whose attempt never committed (its process died, or it is slow)
//!   is taken over by an identical retry after [`TAKEOVER_SECS`]; should the
//!   old attempt still try to commit, its transaction fails and writes
//!   nothing (409 `idempotency_superseded`), so the write happens once;
//! - a key whose attempt committed but whose answer was never stored (the
//!   process died in between) answers 409 `idempotency_committed`: the
//!   write happened once, read its result.
//!
//! No retry waits on a dead process for longer than [`TAKEOVER_SECS`].

use chrono::Duration;
use entity::idempotency_keys as keys;
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};
use sha2::{Digest as _, Sha256};

use super::problem::Problem;
use crate::app::AppState;
use crate::error::FieldError;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The answer header on a replay.
pub const REPLAYED: &str = "idempotency-replayed";
/// How long answers are kept.
pub const KEEP_HOURS: i64 = 24;
/// A claim that has not committed after this long may be taken over by an
/// identical retry (its process may have died; if not, the fence keeps its
/// write from committing as well).
pub const TAKEOVER_SECS: i64 = 5;

/// Whether a key is acceptable: 1-255 visible ASCII characters.
#[must_use]
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

fn sha(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    Problem::with_fields(
        status,
        code,
        detail,
        vec![FieldError {
            field: "Idempotency-Key".into(),
            code: code.into(),
            message: detail.into(),
        }],
    )
    .into_http()
}

fn internal(e: &sea_orm::DbErr) -> poem::Error {
    if crate::error::Error::Db(e.clone()).is_contention() {
        tracing::warn!(error = %e, "idempotency store busy: answered 503");
        let mut resp = super::problem::busy().into_http();
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(super::problem::BUSY_RETRY_AFTER),
        );
        return poem::Error::from_response(resp);
    }
    tracing::error!(error = %e, "idempotency store failed");
    poem::Error::from_response(super::problem::internal().into_http())
}

/// Runs a write once per key; other requests pass straight through.
///
/// # Errors
/// The inner endpoint's error, or a database failure as a 500.
pub async fn guard<E: Endpoint>(ep: &E, mut req: Request) -> poem::Result<Response> {
    let is_write = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned));
    let (Some(key), true, Some(state)) = (key, is_write, req.data::<AppState>().cloned()) else {
        return Ok(ep.call(req).await?.into_response());
    };
    let Some(key) = key.ok().filter(|k| valid_key(k)) else {
        return Ok(problem(
            StatusCode::BAD_REQUEST,
            "invalid",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        ));
    };
    let caller = match req.headers().get(header::AUTHORIZATION) {
        Some(auth) => format!("auth:{}", sha(&[auth.as_bytes()])),
        None => format!(
            "addr:{}",
            req.remote_addr()
                .as_socket_addr()
                .map_or_else(String::new, |a| a.ip().to_string())
        ),
    };
    let key_hash = sha(&[caller.as_bytes(), key.as_bytes()]);
    let body = req.take_body().into_bytes().await?;
    let path = req
        .uri()
        .path_and_query()
        .map_or("", |p| p.as_str())
        .to_owned();
    let request_hash = sha(&[req.method().as_str().as_bytes(), path.as_bytes(), &body]);
    req.set_body(body);
    let now = state.clock.now();
    // Every write here goes through the writer's path (`Db::begin`), like
    // any other, so a key never races a bid for SQLite's lock.
    let tx = state.db.begin().await.map_err(|e| internal(&e))?;
    let conn = &*tx;

    // Forget an expired answer, then claim the key (or find who has it).
    keys::Entity::delete_many()
        .filter(keys::Column::KeyHash.eq(key_hash.clone()))
        .filter(keys::Column::CreatedAt.lt(now - Duration::hours(KEEP_HOURS)))
        .exec(conn)
        .await
        .map_err(|e| internal(&e))?;
    let attempt = uuid::Uuid::now_v7();
    let mut claimed = keys::Entity::insert(keys::ActiveModel {
        key_hash: Set(key_hash.clone()),
        request_hash: Set(request_hash.clone()),
        status: Set(0),
        content_type: Set(None),
        body: Set(None),
        created_at: Set(now),
        attempt: Set(Some(attempt)),
        committed: Set(false),
    })
    .on_conflict(
        OnConflict::column(keys::Column::KeyHash)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await
    .map_err(|e| internal(&e))?
        == 1;
    let kept = if claimed {
        None
    } else {
        keys::Entity::find_by_id(key_hash.clone())
            .one(conn)
            .await
            .map_err(|e| internal(&e))?
    };
    // An identical retry takes over an attempt that never committed and has
    // had its time: only one of them can commit (`db::Fence`).
    if let Some(k) = kept.as_ref().filter(|k| {
        k.request_hash == request_hash
            && k.status == 0
            && !k.committed
            && k.created_at < now - Duration::seconds(TAKEOVER_SECS)
    }) {
        claimed = keys::Entity::update_many()
            .col_expr(keys::Column::Attempt, Expr::value(attempt))
            .col_expr(keys::Column::CreatedAt, Expr::value(now))
            .filter(keys::Column::KeyHash.eq(key_hash.clone()))
            .filter(match k.attempt {
                Some(a) => keys::Column::Attempt.eq(a),
                None => keys::Column::Attempt.is_null(),
            })
            .filter(keys::Column::Committed.eq(false))
            .filter(keys::Column::Status.eq(0))
            .exec(conn)
            .await
            .map_err(|e| internal(&e))?
            .rows_affected
            == 1;
    }
    tx.commit().await.map_err(|e| internal(&e))?;
    if !claimed {
        return Ok(match kept {
            Some(k) if k.request_hash != request_hash => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for another request",
            ),
            Some(k) if k.status != 0 => match state.db.keys().and_then(|ring| {
                ring.idempotency().open(
                    &bound_to(&k.key_hash),
                    k.body.as_deref().unwrap_or_default(),
                )
            }) {
                Ok(body) => replay(&k, body),
                Err(e) => {
                    tracing::error!(error = %e, "a kept answer does not open");
                    super::problem::internal().into_http()
                }
            },
            // Committed, and the answer not stored a while later: the
            // process died between the two.
            Some(k) if k.committed && k.created_at < now - Duration::seconds(TAKEOVER_SECS) => {
                problem(
                    StatusCode::CONFLICT,
                    "idempotency_committed",
                    "the request with this Idempotency-Key was carried out, but its answer was \
                     lost when the server stopped; read the current state to see its result",
                )
            }
            // Still running.
            _ => {
                let mut resp = problem(
                    StatusCode::CONFLICT,
                    "idempotency_in_progress",
                    "the first request with this Idempotency-Key is still running",
                );
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                resp
            }
        });
    }

    let fence = crate::db::Fence::new(key_hash.clone(), attempt);
    let resp = match crate::db::FENCE.scope(fence.clone(), ep.call(req)).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = resp.into_parts();
    let bytes = body.into_bytes().await?;
    // The answer may repeat a sealed bid: it is kept sealed too (`keys`).
    let sealed = state
        .db
        .keys()
        .ok()
        .map(|k| k.idempotency().seal(&bound_to(&key_hash), &bytes));
    // In the writer's turn the request kept since its commit (SQLite), so
    // the answer is stored right behind the write it answers for.
    let tx = state
        .db
        .begin_in_turn(fence.into_turn())
        .await
        .map_err(|e| internal(&e))?;
    let conn = &*tx;
    // Only this attempt's: one taken over by a retry leaves the key alone.
    let mine = Condition::all()
        .add(keys::Column::KeyHash.eq(key_hash.clone()))
        .add(keys::Column::Attempt.eq(attempt));
    let kept = match (&sealed, status.is_server_error()) {
        (Some(t), false) => keys::Entity::update_many()
            .col_expr(
                keys::Column::Status,
                Expr::value(i32::from(status.as_u16())),
            )
            .col_expr(keys::Column::ContentType, Expr::value(content_type))
            .col_expr(keys::Column::Body, Expr::value(t.clone()))
            .filter(mine)
            .exec(conn)
            .await
            .map(drop),
        // A failure of ours, or an answer we cannot keep: let the key be
        // retried, unless the write committed (then a retry learns that).
        _ => keys::Entity::delete_many()
            .filter(mine)
            .filter(keys::Column::Committed.eq(false))
            .exec(conn)
            .await
            .map(drop),
    };
    kept.map_err(|e| internal(&e))?;
    tx.commit().await.map_err(|e| internal(&e))?;
    Ok(Response::from_parts(parts, poem::Body::from(bytes)))
}

fn bound_to(key_hash: &str) -> String {
    format!("idempotency:{key_hash}")
}

fn replay(k: &keys::Model, body: Vec<u8>) -> Response {
    let status = u16::try_from(k.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut resp = Response::builder().status(status).body(body);
    if let Some(ct) = k
        .content_type
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    resp.headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(valid_key("order-2026-11-23-0001"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("has space"));
        assert!(!valid_key("键"));
    }

    #[test]
    fn hashes_keep_their_parts_apart() {
        assert_ne!(sha(&[b"ab", b"c"]), sha(&[b"a", b"bc"]));
    }
}
