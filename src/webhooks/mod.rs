//! Webhooks: the public event feed pushed to third parties.
//!
//! What it owns: `webhooks` (subscriptions) and `webhook_deliveries` (the
//! delivery log).
//!
//! ```text
//! subscription  active -> disabled (after MAX_FAILURES failures in a row)
//!               disabled -> active (its owner enables it again)
//!               any -> deleted (its owner)
//! ```
//!
//! A subscription names a URL and the event types it wants (none: all) and
//! starts from the events after its creation. The delivery job (under its
//! lease) POSTs each wanted event, in feed order, as the feed shows it,
//! with `X-Cogov-Event`, `X-Cogov-Delivery`, `X-Cogov-Timestamp` and
//! `X-Cogov-Signature: sha256=HEX`, the HMAC-SHA256 of `TIMESTAMP.BODY`
//! under the subscription's secret (shown once, at creation). A 2xx answer
//! moves on to the next event; anything else is logged and the same event
//! is tried again after [`retry_delay`], so order is kept; after
//! [`MAX_FAILURES`] failures in a row the subscription is disabled with the
//! reason. Receivers on loopback or private addresses are refused unless
//! the server allows them (`--webhooks-allow-private`).
//!
//! Who may do what: any signed-in user with a write token subscribes and
//! manages their own subscriptions and reads their delivery log; admins
//! and auditors read every subscription. Creation, deletion, re-enabling
//! and disabling are audited.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use entity::{open_events, webhook_deliveries as deliveries, webhooks};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use crate::audit::{self, Change, Who};
use crate::auth::policy::{Action, check};
use crate::auth::{Actor, policy};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::pagination::PageRequest;

/// The job's lease name.
pub const JOB: &str = "webhooks.deliver";
/// Failures in a row after which a subscription is disabled.
pub const MAX_FAILURES: i32 = 10;
/// Events one subscription gets per run at most.
const BATCH: u64 = 20;

/// Minutes to wait after the `failures`-th failure in a row: 1, 2, 4, ...
/// up to an hour.
#[must_use]
pub fn retry_delay(failures: i32) -> Duration {
    let exp = u32::try_from(failures.clamp(1, 7) - 1).unwrap_or(0);
    Duration::minutes((1_i64 << exp).min(60))
}

/// The signature header's value of `body` sent at `timestamp`.
#[must_use]
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        // HMAC takes keys of any length; this cannot happen.
        return String::new();
    };
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Checks a receiver URL: http(s), a host, and not loopback or private
/// unless allowed.
///
/// # Errors
/// `Invalid` naming `url`.
pub fn check_url(url: &str, allow_private: bool) -> Result<String> {
    let bad = |m: &str| Error::invalid("url", "invalid_url", m);
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| bad("not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("the URL must be http or https"));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| bad("the URL has no host"))?;
    if url.len() > 500 {
        return Err(bad("at most 500 characters"));
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let local = host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(private);
    if local && !allow_private {
        return Err(Error::invalid(
            "url",
            "private_address",
            "receivers on loopback or private addresses are not allowed",
        ));
    }
    Ok(parsed.to_string())
}

/// What a new subscription asks for.
#[derive(Debug, Clone, Default)]
pub struct NewWebhook {
    /// Receiver.
    pub url: String,
    /// Event types wanted (empty: all).
    pub event_types: Vec<String>,
}

fn types_of(w: &webhooks::Model) -> Vec<String> {
    serde_json::from_str(&w.event_types).unwrap_or_default()
}

fn snapshot(w: &webhooks::Model) -> Value {
    json!({"url": w.url, "event_types": types_of(w), "active": w.active,
           "failures": w.failures, "disabled_reason": w.disabled_reason})
}

/// A subscription as its owner sees it.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The row.
    pub row: webhooks::Model,
    /// Event types wanted.
    pub event_types: Vec<String>,
}

impl From<webhooks::Model> for Webhook {
    fn from(row: webhooks::Model) -> Self {
        Self {
            event_types: types_of(&row),
            row,
        }
    }
}

/// Subscribes; returns the subscription and its secret (shown only now).
///
/// # Errors
/// `Forbidden` for a read-only token; `Invalid` naming `url` or
/// `event_types`.
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: NewWebhook,
    allow_private: bool,
    now: DateTime<Utc>,
) -> Result<(Webhook, String)> {
    check(Some(actor), Action::ManageOwnWebhooks)?;
    let url = check_url(&input.url, allow_private)?;
    let mut types = input.event_types;
    types.sort();
    types.dedup();
    if let Some(t) = types
        .iter()
        .find(|t| !crate::open::EVENT_TYPES.contains(&t.as_str()))
    {
        return Err(Error::invalid(
            "event_types",
            "unknown_event_type",
            format!("no such event type: {t}"),
        ));
    }
    let secret = format!("whsec_{}", crate::auth::random_secret(32));
    let tx = db.begin().await?;
    let last_seq = open_events::Entity::find()
        .order_by_desc(open_events::Column::Seq)
        .one(&*tx)
        .await?
        .map_or(0, |e| e.seq);
    let row = webhooks::Model {
        id: Uuid::now_v7(),
        user_id: actor.user_id,
        url,
        event_types: serde_json::to_string(&types).map_err(|e| Error::Internal(e.to_string()))?,
        secret: secret.clone(),
        active: true,
        failures: 0,
        last_seq,
        next_attempt_at: now,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    webhooks::ActiveModel::from(row.clone())
        .insert(&*tx)
        .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "webhook.create",
            "webhook",
            row.id,
            None,
            Some(&snapshot(&row)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((row.into(), secret))
}

fn sees_all(actor: &Actor) -> bool {
    policy::sees_all(Some(actor))
}

async fn own(db: &Db, actor: &Actor, id: Uuid) -> Result<webhooks::Model> {
    webhooks::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .filter(|w| w.user_id == actor.user_id || sees_all(actor))
        .ok_or(Error::NotFound("webhook"))
}

/// One of the caller's own subscriptions, to change (a write token needed).
async fn owned(db: &Db, actor: &Actor, id: Uuid) -> Result<webhooks::Model> {
    check(Some(actor), Action::ManageOwnWebhooks)?;
    webhooks::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .filter(|w| w.user_id == actor.user_id)
        .ok_or(Error::NotFound("webhook"))
}

/// The caller's subscriptions (every one for admins and auditors).
///
/// # Errors
/// The database's error.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Webhook>> {
    let mut q = webhooks::Entity::find().order_by_asc(webhooks::Column::Id);
    if !sees_all(actor) {
        q = q.filter(webhooks::Column::UserId.eq(actor.user_id));
    }
    Ok(q.all(db.conn())
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One subscription.
///
/// # Errors
/// `NotFound` for another user's.
pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> Result<Webhook> {
    own(db, actor, id).await.map(Into::into)
}

/// Its delivery log, newest first.
///
/// # Errors
/// `NotFound` for another user's subscription.
pub async fn deliveries_of(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    page: &PageRequest,
) -> Result<(Vec<deliveries::Model>, Option<String>)> {
    own(db, actor, id).await?;
    let mut q = deliveries::Entity::find()
        .filter(deliveries::Column::WebhookId.eq(id))
        .order_by_desc(deliveries::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(deliveries::Column::Id.lt(after));
    }
    Ok(page.finish(q.all(db.conn()).await?, |d| d.id))
}

/// Deletes a subscription and its log.
///
/// # Errors
/// `NotFound` for another user's; `Forbidden` for a read-only token.
pub async fn delete(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    let w = owned(db, actor, id).await?;
    let tx = db.begin().await?;
    let gone = webhooks::Entity::delete_by_id(id).exec(&*tx).await?;
    crate::db::changed_once(gone.rows_affected, "this subscription")?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<_, ()>("webhook.delete", "webhook", id, Some(&snapshot(&w)), None),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Enables a disabled subscription again (its failures forgotten; it
/// resumes where it stopped).
///
/// # Errors
/// `NotFound` for another user's; `Forbidden` for a read-only token;
/// `Conflict` when it is active with no failures, or another request
/// changed it first.
pub async fn enable(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<Webhook> {
    let w = owned(db, actor, id).await?;
    if w.active && w.failures == 0 {
        return Err(Error::Conflict {
            code: "already_active",
            message: "this subscription is active and has no failures to forget".into(),
        });
    }
    let after = webhooks::Model {
        active: true,
        failures: 0,
        disabled_reason: None,
        next_attempt_at: now,
        updated_at: now,
        ..w.clone()
    };
    let tx = db.begin().await?;
    // Only over the state read: two at once (or one beside a delivery that
    // just disabled it) change it once.
    let hit = webhooks::Entity::update_many()
        .set(webhooks::ActiveModel::from(after.clone()).reset_all())
        .filter(webhooks::Column::Id.eq(id))
        .filter(webhooks::Column::Active.eq(w.active))
        .filter(webhooks::Column::Failures.eq(w.failures))
        .exec(&*tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this subscription")?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "webhook.enable",
            "webhook",
            id,
            Some(&snapshot(&w)),
            Some(&snapshot(&after)),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after.into())
}

/// What a delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Run {
    /// Events delivered.
    pub delivered: u64,
    /// Attempts that failed.
    pub failed: u64,
    /// Subscriptions disabled in this run.
    pub disabled: u64,
}

/// Delivers what is due, under the job's lease: `None` when another server
/// holds it.
///
/// # Errors
/// The database's error (a receiver's failure is logged, not returned).
pub async fn deliver(
    db: &Db,
    client: &reqwest::Client,
    ocid_prefix: &str,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<Option<Run>> {
    crate::jobs::under_lease(
        db,
        JOB,
        holder,
        now,
        deliver_due(db, client, ocid_prefix, now),
    )
    .await
}

/// The HTTP client of deliveries: 10-second timeout, no redirects.
///
/// # Errors
/// `Internal` when TLS cannot be set up.
pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cogov-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Internal(format!("webhook client: {e}")))
}

async fn deliver_due(
    db: &Db,
    client: &reqwest::Client,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<Run> {
    let mut run = Run::default();
    let hooks = webhooks::Entity::find()
        .filter(webhooks::Column::Active.eq(true))
        .filter(webhooks::Column::NextAttemptAt.lte(now))
        .order_by_asc(webhooks::Column::Id)
        .all(db.conn())
        .await?;
    for hook in hooks {
        let wanted = types_of(&hook);
        let events = open_events::Entity::find()
            .filter(open_events::Column::Seq.gt(hook.last_seq))
            .order_by_asc(open_events::Column::Seq)
            .limit(BATCH)
            .all(db.conn())
            .await?;
        let mut last_seq = hook.last_seq;
        let mut failure = None;
        for e in events {
            if !wanted.is_empty() && !wanted.contains(&e.event_type) {
                last_seq = e.seq;
                continue;
            }
            let attempt = i32::try_from(
                deliveries::Entity::find()
                    .filter(deliveries::Column::WebhookId.eq(hook.id))
                    .filter(deliveries::Column::EventSeq.eq(e.seq))
                    .count(db.conn())
                    .await?,
            )
            .unwrap_or(i32::MAX)
            .saturating_add(1);
            let outcome = post(client, &hook, &e, prefix, now).await;
            let tx = db.begin().await?;
            deliveries::ActiveModel::from(deliveries::Model {
                id: outcome.id,
                webhook_id: hook.id,
                event_seq: e.seq,
                event_type: e.event_type.clone(),
                attempt,
                ok: outcome.ok,
                response_status: outcome.status,
                error: outcome.error.clone(),
                duration_ms: outcome.duration_ms,
                created_at: now,
            })
            .insert(&*tx)
            .await?;
            tx.commit().await?;
            if outcome.ok {
                run.delivered += 1;
                last_seq = e.seq;
            } else {
                run.failed += 1;
                failure = Some(
                    outcome
                        .error
                        .unwrap_or_else(|| "the receiver failed".to_owned()),
                );
                break;
            }
        }
        let tx = db.begin().await?;
        let mut update = webhooks::Entity::update_many()
            .col_expr(webhooks::Column::LastSeq, Expr::value(last_seq))
            .col_expr(webhooks::Column::UpdatedAt, Expr::value(now))
            .filter(webhooks::Column::Id.eq(hook.id));
        match failure {
            None => {
                update = update.col_expr(webhooks::Column::Failures, Expr::value(0));
                update.exec(&*tx).await?;
            }
            Some(reason) => {
                let failures = hook.failures + 1;
                update = update
                    .col_expr(webhooks::Column::Failures, Expr::value(failures))
                    .col_expr(
                        webhooks::Column::NextAttemptAt,
                        Expr::value(now + retry_delay(failures)),
                    );
                if failures >= MAX_FAILURES {
                    let why = format!("{failures} failed deliveries in a row; the last: {reason}");
                    update = update
                        .col_expr(webhooks::Column::Active, Expr::value(false))
                        .col_expr(webhooks::Column::DisabledReason, Expr::value(why.clone()));
                    update.exec(&*tx).await?;
                    audit::append(
                        &*tx,
                        &Who::system(),
                        Change::new::<(), _>(
                            "webhook.disable",
                            "webhook",
                            hook.id,
                            None,
                            Some(&json!({"reason": why})),
                        ),
                        now,
                    )
                    .await?;
                    run.disabled += 1;
                } else {
                    update.exec(&*tx).await?;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(run)
}

struct Outcome {
    id: Uuid,
    ok: bool,
    status: Option<i32>,
    error: Option<String>,
    duration_ms: i64,
}

async fn post(
    client: &reqwest::Client,
    hook: &webhooks::Model,
    e: &open_events::Model,
    prefix: &str,
    now: DateTime<Utc>,
) -> Outcome {
    let id = Uuid::now_v7();
    let body = crate::open::public_json(e, prefix).to_string();
    let timestamp = now.timestamp();
    let started = std::time::Instant::now();
    let sent = client
        .post(&hook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Cogov-Event", e.event_type.as_str())
        .header("X-Cogov-Delivery", id.to_string())
        .header("X-Cogov-Timestamp", timestamp.to_string())
        .header(
            "X-Cogov-Signature",
            signature(&hook.secret, timestamp, &body),
        )
        .body(body)
        .send()
        .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match sent {
        Ok(resp) if resp.status().is_success() => Outcome {
            id,
            ok: true,
            status: Some(i32::from(resp.status().as_u16())),
            error: None,
            duration_ms,
        },
        Ok(resp) => Outcome {
            id,
            ok: false,
            status: Some(i32::from(resp.status().as_u16())),
            error: Some(format!("the receiver answered {}", resp.status())),
            duration_ms,
        },
        Err(err) => Outcome {
            id,
            ok: false,
            status: None,
            error: Some(err.to_string()),
            duration_ms,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_timestamp_and_body() {
        // RFC 4231-style check against an independent computation.
        let sig = signature("key", 1_700_000_000, "{}");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64, "{sig}");
        assert_ne!(sig, signature("key", 1_700_000_001, "{}"));
        assert_ne!(sig, signature("other", 1_700_000_000, "{}"));
        assert_eq!(sig, signature("key", 1_700_000_000, "{}"));
    }

    #[test]
    fn retries_double_up_to_an_hour() {
        let m: Vec<i64> = (1..=9).map(|f| retry_delay(f).num_minutes()).collect();
        assert_eq!(m, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn receivers_must_be_public_http_unless_allowed() {
        assert!(check_url("https://example.cn/hook", false).is_ok());
        for bad in ["ftp://example.cn/x", "not a url", "http://"] {
            assert!(check_url(bad, true).is_err(), "{bad}");
        }
        for local in [
            "http://127.0.0.1:9000/h",
            "http://localhost/h",
            "http://10.1.2.3/h",
            "http://192.168.1.1/h",
            "http://[::1]/h",
        ] {
            assert!(
                matches!(check_url(local, false), Err(Error::Invalid(e)) if e[0].code == "private_address"),
                "{local}"
            );
            assert!(check_url(local, true).is_ok(), "{local}");
        }
    }
}
