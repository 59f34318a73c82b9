//! What the running service says about itself: `GET /metrics` in the
//! Prometheus text format, and the log format.
//!
//! Owns the process-wide metrics recorder (the `metrics` crate's facade,
//! rendered by `metrics-exporter-prometheus`); areas record through the
//! functions here and never see the exporter. It reads the database only to
//! take gauges at scrape time (pool, mail outbox, webhook backlog), each one
//! bounded query; it decides nothing about the domain.
//!
//! Series:
//! - `cogov_http_requests_total{method,route,status}` and
//!   `cogov_http_request_duration_seconds{method,route}` (histogram): `route`
//!   is the API operation's id in the OpenAPI document (`get_organization`)
//!   or a page's route template (`/registry/:id`), never the path, so ids
//!   do not multiply series; paths no route matched count as `unmatched`.
//! - `cogov_job_runs_total{job,outcome}` (`ok`, `failed`) and
//!   `cogov_job_duration_seconds{job}`: every background job run under its
//!   lease ([`crate::jobs::under_lease`]).
//! - `cogov_cache_requests_total{outcome}` (`hit`, `miss`): anonymous reads
//!   the public cache answered or built ([`crate::cache`]).
//! - `cogov_db_pool_connections`, `cogov_db_pool_idle`,
//!   `cogov_db_pool_max`, `cogov_db_statements_total`.
//! - `cogov_mail_outbox_pending`, `cogov_webhook_backlog_events` (public
//!   events not yet delivered to active subscriptions, summed).
//!
//! Who may read it: with a token configured (`--metrics-token`), a request
//! bearing it, from anywhere; without one, only connections from the
//! loopback address ([`may_scrape`]). Everyone else gets 404, as if there
//! were no such page.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{ConnectionTrait as _, DbBackend, Statement};

use crate::db::Db;

/// Upper bounds (seconds) of the latency histograms' buckets.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// The process's recorder, installed on first use. Histograms are drained
/// into their buckets every few seconds by a thread of their own, so memory
/// stays flat whether or not anyone scrapes.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("duration_seconds".to_owned()),
                LATENCY_BUCKETS,
            )
            .expect("the bucket list is not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics shows only gauges");
        }
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
        if let Err(e) = spawned {
            // Each scrape still drains the histograms (see `render`).
            tracing::warn!(error = %e, "no metrics upkeep thread");
        }
        handle
    })
}

/// Installs the recorder now (the server calls this at start, so the first
/// request is counted).
pub fn install() {
    handle();
}

/// Counts one answered request.
pub fn record_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    handle();
    let (method, route) = (method.to_owned(), route.to_owned());
    metrics::counter!(
        "cogov_http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!(
        "cogov_http_request_duration_seconds",
        "method" => method,
        "route" => route
    )
    .record(elapsed.as_secs_f64());
}

/// Counts one run of a background job.
pub fn record_job(job: &str, ok: bool, elapsed: Duration) {
    handle();
    let job = job.to_owned();
    metrics::counter!(
        "cogov_job_runs_total",
        "job" => job.clone(),
        "outcome" => if ok { "ok" } else { "failed" }
    )
    .increment(1);
    metrics::histogram!("cogov_job_duration_seconds", "job" => job).record(elapsed.as_secs_f64());
}

/// Counts one anonymous read the public cache answered (`hit`) or built.
pub fn record_cache(hit: bool) {
    handle();
    metrics::counter!(
        "cogov_cache_requests_total",
        "outcome" => if hit { "hit" } else { "miss" }
    )
    .increment(1);
}

/// Whether a scrape may read the metrics: with a `token` configured, only
/// a request whose `Authorization` is `Bearer <token>` (compared in
/// constant time); without one, only a connection from loopback.
#[must_use]
pub fn may_scrape(
    token: Option<&str>,
    authorization: Option<&str>,
    peer: Option<std::net::IpAddr>,
) -> bool {
    match token {
        Some(token) => authorization
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|given| {
                use subtle::ConstantTimeEq as _;
                bool::from(given.as_bytes().ct_eq(token.as_bytes()))
            }),
        None => peer.is_some_and(|ip| ip.is_loopback()),
    }
}

/// The metrics as Prometheus text, gauges read from the database now.
///
/// # Errors
/// The database's error (the scrape fails; nothing else does).
pub async fn render(db: &Db) -> crate::error::Result<String> {
    let handle = handle();
    handle.run_upkeep();
    let (size, idle, max) = db.pool_use();
    metrics::gauge!("cogov_db_pool_connections").set(f64::from(size));
    metrics::gauge!("cogov_db_pool_idle").set(idle as f64);
    metrics::gauge!("cogov_db_pool_max").set(f64::from(max));
    metrics::counter!("cogov_db_statements_total").absolute(db.statements());
    let backend = db.conn().get_database_backend();
    let count = |sql: &str| Statement::from_string(backend, sql.to_owned());
    let pending = scalar(
        db,
        count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE status = '{}'",
            entity::outbox::Status::Pending.as_str()
        )),
    )
    .await?;
    metrics::gauge!("cogov_mail_outbox_pending").set(pending as f64);
    let cast = match backend {
        DbBackend::Postgres => "::BIGINT",
        _ => "",
    };
    let backlog = scalar(
        db,
        count(&format!(
            "SELECT COALESCE(SUM(h.head - w.last_seq){cast}, 0) FROM webhooks w, \
             (SELECT COALESCE(MAX(seq), 0) AS head FROM open_events) h \
             WHERE w.active AND h.head > w.last_seq"
        )),
    )
    .await?;
    metrics::gauge!("cogov_webhook_backlog_events").set(backlog as f64);
    Ok(handle.render())
}

async fn scalar(db: &Db, statement: Statement) -> crate::error::Result<i64> {
    Ok(db
        .conn()
        .query_one_raw(statement)
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event; colour only on a terminal.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Sets up the process's log: level from `RUST_LOG` (default info, the
/// database driver and migrations at warn), to standard error.
pub fn init_logs(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        // Colour codes only for a person at a terminal, not in a log file.
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_token_is_the_only_way_in() {
        let local = Some(std::net::IpAddr::from([127, 0, 0, 1]));
        let remote = Some(std::net::IpAddr::from([203, 0, 113, 9]));
        assert!(may_scrape(Some("s3cret"), Some("Bearer s3cret"), remote));
        assert!(!may_scrape(Some("s3cret"), Some("Bearer s3cre"), local));
        assert!(!may_scrape(Some("s3cret"), Some("s3cret"), local));
        assert!(!may_scrape(Some("s3cret"), None, local));
    }

    #[test]
    fn without_a_token_only_loopback() {
        assert!(may_scrape(
            None,
            None,
            Some(std::net::IpAddr::from([127, 0, 0, 1]))
        ));
        assert!(may_scrape(None, None, Some("::1".parse().unwrap())));
        assert!(!may_scrape(
            None,
            None,
            Some(std::net::IpAddr::from([10, 0, 0, 2]))
        ));
        assert!(!may_scrape(None, Some("Bearer x"), None));
    }
}
