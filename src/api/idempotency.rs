//! `Idempotency-Key` on writes (`POST`, `PUT`, `PATCH`, `DELETE`).
//!
//! A client that may retry a write sends a key of its choosing (1-255
//! visible ASCII characters). The first request with a key runs and its
//! answer is kept for 24 hours (unless it is a 5xx, which may be retried);
//! a request with the same key, method, path and body gets that answer again
//! with `Idempotency-Replayed: true` and changes nothing; the same key with
//! another request is refused with 422 (`idempotency_key_reused`), and a
//! retry while the first is still running with 409
//! (`idempotency_in_progress`). Keys belong to the caller: the bearer
//! token, or the client address for anonymous writes.

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
/// A claim still running after this long was abandoned (its process died):
/// the next identical request runs afresh. Requests finish in well under it.
pub const ABANDONED_SECS: i64 = 60;

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

    // Forget an expired answer, and a claim whose request never finished
    // (its process died): then claim the key (or find who has it).
    keys::Entity::delete_many()
        .filter(keys::Column::KeyHash.eq(key_hash.clone()))
        .filter(
            Condition::any()
                .add(keys::Column::CreatedAt.lt(now - Duration::hours(KEEP_HOURS)))
                .add(
                    Condition::all()
                        .add(keys::Column::Status.eq(0))
                        .add(keys::Column::CreatedAt.lt(now - Duration::seconds(ABANDONED_SECS))),
                ),
        )
        .exec(conn)
        .await
        .map_err(|e| internal(&e))?;
    let claimed = keys::Entity::insert(keys::ActiveModel {
        key_hash: Set(key_hash.clone()),
        request_hash: Set(request_hash.clone()),
        status: Set(0),
        content_type: Set(None),
        body: Set(None),
        created_at: Set(now),
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
    tx.commit().await.map_err(|e| internal(&e))?;
    let conn = state.db.conn();
    if !claimed {
        let kept = keys::Entity::find_by_id(key_hash.clone())
            .one(conn)
            .await
            .map_err(|e| internal(&e))?;
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
            // Still running (or just given up on after a failure of ours).
            _ => problem(
                StatusCode::CONFLICT,
                "idempotency_in_progress",
                "the first request with this Idempotency-Key is still running",
            ),
        });
    }

    let resp = match ep.call(req).await {
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
    let tx = state.db.begin().await.map_err(|e| internal(&e))?;
    let conn = &*tx;
    let kept = match (&sealed, status.is_server_error()) {
        (Some(t), false) => keys::Entity::update_many()
            .col_expr(
                keys::Column::Status,
                Expr::value(i32::from(status.as_u16())),
            )
            .col_expr(keys::Column::ContentType, Expr::value(content_type))
            .col_expr(keys::Column::Body, Expr::value(t.clone()))
            .filter(keys::Column::KeyHash.eq(key_hash))
            .exec(conn)
            .await
            .map(drop),
        // A failure of ours, or an answer we cannot keep: let the key be retried.
        _ => keys::Entity::delete_by_id(key_hash)
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
