//! `cogov bench`: a national-size registry and the numbers of its public
//! reads, on whichever database the storage options name.
//!
//! - `bench seed --organizations N` writes N organizations as the import's
//!   CSV (`bench-organizations.csv` in the data directory: the three types
//!   across every province, city and county, valid codes, statuses, grades)
//!   and loads them through the bulk import, timing it; then lists 1% as
//!   abnormal and 0.2% as dishonest through the credit service; then writes
//!   the procurement ([`procurement`]: projects, bids, awards, grants with
//!   installments, payments and reports).
//! - `bench run` starts `cogov serve` on the same storage as a child
//!   process, asks it every kind of public read and search one at a time
//!   (p50, p95, max), registry and procurement alike, streams the exports
//!   (registry CSV, grants CSV and JSON: first byte, total, memory), runs
//!   a mix with concurrent anonymous clients (throughput), and reads the
//!   server's resident memory (now and peak) from `/proc`. Then, for the
//!   reads anonymous visitors make most (an organization and a project by
//!   id, API lists of 20, the `/registry` and `/projects` pages), it
//!   measures throughput against bare poem serving the very bytes cogov
//!   answered, in this process on a runtime of its own, in turns (cogov,
//!   poem, cogov, poem) so both see the same machine. It prints Markdown
//!   tables; the README keeps the numbers of a full-size run.
//!
//! It is a measurement, not a test: nothing here fails on a slow answer,
//! only on a wrong one (a status other than 200).

pub mod procurement;

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};

use crate::audit::Who;
use crate::db::Db;
use crate::divisions::{self, Level};
use crate::error::{Error, Result};
use crate::registry::credit::{self, Kind, Listing};
use crate::registry::import;
use crate::registry::rules::OrgType;
use crate::registry::uscc::Uscc;

/// What `bench seed` made and how long the import took.
#[derive(Debug, Clone)]
pub struct SeedReport {
    /// The CSV written.
    pub file: PathBuf,
    /// Rows imported.
    pub imported: u64,
    /// Rows already there (a re-run).
    pub already_present: u64,
    /// Seconds the import took.
    pub import_secs: f64,
    /// Credit listings made.
    pub listed: u64,
}

const MODIFIERS: [&str; 24] = [
    "阳光",
    "爱心",
    "明德",
    "同心",
    "春晖",
    "晨曦",
    "启明",
    "仁和",
    "博爱",
    "善德",
    "和谐",
    "青禾",
    "新希望",
    "益民",
    "惠民",
    "康宁",
    "向日葵",
    "绿源",
    "长青",
    "星火",
    "蓝天",
    "为民",
    "乐龄",
    "彩虹",
];
const SUBJECTS: [(&str, &str); 16] = [
    ("养老服务", "community_service"),
    ("社会工作", "community_service"),
    ("社区发展", "community_service"),
    ("志愿服务", "community_service"),
    ("慈善", "public_welfare"),
    ("助学", "public_welfare"),
    ("医疗救助", "public_welfare"),
    ("残疾人帮扶", "public_welfare"),
    ("妇女儿童发展", "public_welfare"),
    ("环境保护", "public_welfare"),
    ("乡村振兴", "public_welfare"),
    ("科技创新", "science_and_technology"),
    ("人工智能", "science_and_technology"),
    ("软件行业", "industry_association"),
    ("餐饮行业", "industry_association"),
    ("物流行业", "industry_association"),
];
const SUFFIXES: [(&str, &str); 9] = [
    ("协会", "social_group"),
    ("促进会", "social_group"),
    ("研究会", "social_group"),
    ("联合会", "social_group"),
    ("基金会", "foundation"),
    ("公益基金会", "foundation"),
    ("服务中心", "social_service_agency"),
    ("发展中心", "social_service_agency"),
    ("服务社", "social_service_agency"),
];

/// Writes `n` organizations in the import's format, the same rows for the
/// same `seed`.
///
/// # Errors
/// The writer's error.
pub fn write_csv(out: impl Write, n: u64, seed: u64) -> std::io::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let all = divisions::all();
    let pick = |level: Level| -> Vec<&'static divisions::Division> {
        all.iter().filter(|d| d.level == level).collect()
    };
    let (provinces, cities, counties) = (
        pick(Level::Province),
        pick(Level::City),
        pick(Level::County),
    );
    // Sequence of each code prefix (category and division) used so far.
    let mut sequences: std::collections::HashMap<(char, &str), u32> =
        std::collections::HashMap::new();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(import::COLUMNS)?;
    for _ in 0..n {
        let roll = rng.random_range(0..100);
        let division = match roll {
            0 => None,
            1..=9 => Some(provinces[rng.random_range(0..provinces.len())]),
            10..=29 => Some(cities[rng.random_range(0..cities.len())]),
            _ => Some(counties[rng.random_range(0..counties.len())]),
        };
        let (code, place) = division.map_or(("100000", "中国"), |d| (d.code, d.name));
        let (subject, field) = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
        let (suffix, kind) = SUFFIXES[rng.random_range(0..SUFFIXES.len())];
        let modifier = MODIFIERS[rng.random_range(0..MODIFIERS.len())];
        let name = format!("{place}{modifier}{subject}{suffix}");
        let public_offering = kind == "foundation" && rng.random_range(0..4) == 0;
        let Some(org_type) = OrgType::from_parts(kind, public_offering) else {
            continue;
        };
        let category = org_type.category();
        let sequence = sequences.entry((category.char(), code)).or_insert(0);
        *sequence += 1;
        let Ok(uscc) = Uscc::generate(category, code, *sequence) else {
            continue;
        };
        let year = rng.random_range(1995..=2025);
        let registered_on =
            NaiveDate::from_ymd_opt(year, rng.random_range(1..=12), rng.random_range(1..=28))
                .unwrap_or_default();
        let status = match rng.random_range(0..100) {
            0..=4 => "deregistered",
            5..=6 => "revoked",
            _ => "active",
        };
        let graded = status == "active" && year <= 2019 && rng.random_range(0..100) < 8;
        let (grade, awarded) = if graded {
            let on =
                NaiveDate::from_ymd_opt(rng.random_range(2022..=2025), 6, 1).unwrap_or_default();
            (format!("{}A", rng.random_range(1..=5)), on.to_string())
        } else {
            (String::new(), String::new())
        };
        let funds = if kind == "foundation" {
            2_000_000
        } else {
            rng.random_range(3..500) * 1000
        };
        w.write_record([
            uscc.as_str(),
            &name,
            kind,
            if public_offering { "true" } else { "false" },
            code,
            field,
            "",
            &format!("{place}人民路{}号", rng.random_range(1..999)),
            "张明",
            &format!("开展{subject}相关活动"),
            &format!("{funds}.00"),
            &registered_on.to_string(),
            status,
            &grade,
            &awarded,
        ])?;
    }
    w.flush()
}

/// Builds the national data set: writes the CSV into `dir`, imports it,
/// and lists every 100th organization as abnormal and every 500th as
/// dishonest (through the credit service, 500 to a transaction).
///
/// # Errors
/// The file's or the database's error.
pub async fn seed(
    db: &Db,
    dir: &Path,
    organizations: u64,
    seed: u64,
    now: DateTime<Utc>,
    mut progress: impl FnMut(&str),
) -> Result<SeedReport> {
    let file = dir.join("bench-organizations.csv");
    let io = |e: std::io::Error| Error::Internal(format!("{}: {e}", file.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    {
        let out = std::io::BufWriter::new(std::fs::File::create(&file).map_err(io)?);
        write_csv(out, organizations, seed).map_err(io)?;
    }
    progress(&format!("wrote {}", file.display()));
    let started = Instant::now();
    let input = std::io::BufReader::new(std::fs::File::open(&file).map_err(io)?);
    let mut told = 0;
    let report = import::import_csv(db, input, now, |n| {
        if n / 100_000 > told {
            told = n / 100_000;
            progress(&format!("{n} rows read"));
        }
    })
    .await?;
    let import_secs = started.elapsed().as_secs_f64();
    if let Some(r) = report.rejected.first() {
        return Err(Error::Internal(format!(
            "bench row on line {} rejected: {:?}",
            r.line, r.errors
        )));
    }
    progress(&format!(
        "imported {} in {import_secs:.1} s ({:.0} rows/s)",
        report.created,
        report.created as f64 / import_secs.max(0.001)
    ));
    let listed = if report.created > 0 {
        list_some(db, now).await?
    } else {
        0
    };
    Ok(SeedReport {
        file,
        imported: report.created,
        already_present: report.already_present,
        import_secs,
        listed,
    })
}

/// Lists every 100th active organization (by `seq`) as abnormal, every
/// 500th as dishonest.
async fn list_some(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    use entity::organizations::{Column as C, Entity as Organizations};
    let today = crate::clock::china_date(now);
    let mut listed = 0;
    let mut after = 0_i64;
    loop {
        let rows: Vec<(uuid::Uuid, i64)> = Organizations::find()
            .select_only()
            .column(C::Id)
            .column(C::Seq)
            .filter(C::Seq.gt(after))
            .filter(C::Status.eq(entity::organizations::Status::Active))
            .order_by_asc(C::Seq)
            .limit(50_000)
            .into_tuple()
            .all(db.conn())
            .await?;
        let Some(&(_, last)) = rows.last() else {
            return Ok(listed);
        };
        after = last;
        let picked: Vec<_> = rows.into_iter().filter(|(_, seq)| seq % 100 == 0).collect();
        for chunk in picked.chunks(500) {
            let tx = db.begin().await?;
            for (id, seq) in chunk {
                let kind = if seq % 500 == 0 {
                    Kind::Dishonest
                } else {
                    Kind::Abnormal
                };
                credit::list_in_tx(
                    &*tx,
                    &Who::system(),
                    Listing {
                        organization_id: *id,
                        kind,
                        ground: "基准数据：未按时报送年度工作报告".into(),
                        ground_key: Some(format!("bench-{}", today.year())),
                        started_on: today,
                    },
                    now,
                )
                .await?;
                listed += 1;
            }
            tx.commit().await?;
        }
    }
}

/// One kind of request and its timings.
#[derive(Debug, Clone)]
pub struct Measured {
    /// What was asked.
    pub kind: String,
    /// Requests timed.
    pub n: usize,
    /// Median, ms.
    pub p50: f64,
    /// 95th percentile, ms.
    pub p95: f64,
    /// Slowest, ms.
    pub max: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Resident memory of a process now and at its peak, in MB (Linux).
#[must_use]
pub fn resident_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// What `bench run` asks.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Requests timed per kind.
    pub requests: usize,
    /// Concurrent clients in the mix.
    pub concurrency: usize,
    /// Requests in the mix.
    pub mix_requests: usize,
    /// Requests per turn of the comparison with bare poem (0: skip it).
    pub versus_requests: usize,
}

/// A running server, stopped on drop.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` with the public cache of `cache_mb` megabytes (0: off).
async fn start_server(serve_args: &[String], cache_mb: u64) -> Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| Error::Internal(e.to_string()))?
        .port();
    let exe = std::env::current_exe().map_err(|e| Error::Internal(e.to_string()))?;
    let child = std::process::Command::new(exe)
        .args(serve_args)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .env("COGOV_CACHE_MB", cache_mb.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| Error::Internal(format!("starting the server: {e}")))?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{}/readyz", server.base)).send().await
            && r.status().is_success()
        {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(Error::Internal(
        "the server did not become ready in 60 s".into(),
    ))
}

async fn get_json(client: &reqwest::Client, url: &str) -> Result<serde_json::Value> {
    let r = client
        .get(url)
        .send()
        .await
        .map_err(|e| Error::Internal(format!("{url}: {e}")))?;
    if !r.status().is_success() {
        return Err(Error::Internal(format!("{url}: {}", r.status())));
    }
    let body = r
        .bytes()
        .await
        .map_err(|e| Error::Internal(format!("{url}: {e}")))?;
    serde_json::from_slice(&body).map_err(|e| Error::Internal(format!("{url}: {e}")))
}

fn enc(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

/// The kinds of public reads, each a pool of paths taken in turn, from
/// what the server holds.
async fn kinds(client: &reqwest::Client, base: &str) -> Result<Vec<(String, Vec<String>)>> {
    let first = get_json(client, &format!("{base}/api/v1/organizations?limit=100")).await?;
    let orgs = first["items"].as_array().cloned().unwrap_or_default();
    if orgs.is_empty() {
        return Err(Error::Internal(
            "the registry is empty: run `cogov bench seed` first".into(),
        ));
    }
    let field = |key: &str| -> Vec<String> {
        orgs.iter()
            .filter_map(|o| o[key].as_str().map(str::to_owned))
            .take(20)
            .collect()
    };
    let (ids, names, codes) = (field("id"), field("name"), field("uscc"));
    let counties: Vec<String> = field("division_code")
        .into_iter()
        .filter(|c| !c.ends_with("00"))
        .take(5)
        .collect();
    let county = counties.first().cloned().unwrap_or_else(|| "110101".into());
    let q = |qs: &[&str]| -> Vec<String> {
        qs.iter()
            .map(|q| format!("/api/v1/organizations?q={}", enc(q)))
            .collect()
    };
    let cursor = get_json(
        client,
        &format!("{base}/api/v1/organizations?q={}", enc("会")),
    )
    .await?["next_cursor"]
        .as_str()
        .map(str::to_owned);
    let projects = get_json(client, &format!("{base}/api/v1/projects?limit=20")).await?;
    let project_ids: Vec<String> = projects["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str().map(str::to_owned))
        .collect();
    let mut kinds = vec![
        (
            "search: 1 character".to_owned(),
            q(&["会", "市", "心", "基", "社"]),
        ),
        (
            "search: 2 characters (养老...)".into(),
            q(&["养老", "慈善", "助学", "环境", "科技"]),
        ),
        (
            "search: 3-4 characters".into(),
            q(&["服务中心", "社会工作", "基金会", "促进会"]),
        ),
        (
            "search: a full name".into(),
            names
                .iter()
                .map(|n| format!("/api/v1/organizations?q={}", enc(n)))
                .collect(),
        ),
        (
            "search: no match".into(),
            q(&["量子", "区块链", "zzzz", "养老基金会协会"]),
        ),
        (
            "search: a code typed into q".into(),
            q(&codes.iter().map(String::as_str).collect::<Vec<_>>()),
        ),
        (
            "search: uscc=".into(),
            codes
                .iter()
                .map(|c| format!("/api/v1/organizations?uscc={c}"))
                .collect(),
        ),
        (
            "filter: type".into(),
            vec!["/api/v1/organizations?org_type=foundation".into()],
        ),
        (
            "filter: status revoked".into(),
            vec!["/api/v1/organizations?status=revoked".into()],
        ),
        (
            "filter: province".into(),
            vec![
                "/api/v1/organizations?region=420000".into(),
                "/api/v1/organizations?region=330000".into(),
            ],
        ),
        (
            "filter: county".into(),
            counties
                .iter()
                .map(|c| format!("/api/v1/organizations?region={c}"))
                .collect(),
        ),
        (
            "filter: grade 5A".into(),
            vec!["/api/v1/organizations?grade=5".into()],
        ),
        (
            "filter: dishonest".into(),
            vec!["/api/v1/organizations?credit_status=dishonest".into()],
        ),
        (
            "combined: q + province + type".into(),
            vec![format!(
                "/api/v1/organizations?q={}&region=420000&org_type=social_service_agency",
                enc("养老")
            )],
        ),
        (
            "combined: 1 character + county".into(),
            vec![format!(
                "/api/v1/organizations?q={}&region={county}",
                enc("会")
            )],
        ),
        (
            "combined: q + status + grade".into(),
            vec![format!(
                "/api/v1/organizations?q={}&status=active&grade=3",
                enc("协会")
            )],
        ),
        (
            "organization by id".into(),
            ids.iter()
                .map(|i| format!("/api/v1/organizations/{i}"))
                .collect(),
        ),
        (
            "page /registry".into(),
            vec!["/registry".into(), format!("/registry?q={}", enc("养老"))],
        ),
        ("GET /api/v1/stats".into(), vec!["/api/v1/stats".into()]),
        ("page /dashboard".into(), vec!["/dashboard".into()]),
        ("API projects list".into(), vec!["/api/v1/projects".into()]),
        ("page /projects".into(), vec!["/projects".into()]),
    ];
    if let Some(c) = cursor {
        kinds.push((
            "search: next page".into(),
            vec![format!("/api/v1/organizations?q={}&cursor={c}", enc("会"))],
        ));
    }
    if !project_ids.is_empty() {
        kinds.push((
            "project by id".into(),
            project_ids
                .iter()
                .map(|i| format!("/api/v1/projects/{i}"))
                .collect(),
        ));
    }
    kinds.extend(procurement_kinds(client, base).await?);
    Ok(kinds
        .into_iter()
        .filter(|(_, pool)| !pool.is_empty())
        .collect())
}

/// The procurement reads, from the projects and grants the server holds.
async fn procurement_kinds(
    client: &reqwest::Client,
    base: &str,
) -> Result<Vec<(String, Vec<String>)>> {
    let awarded = get_json(
        client,
        &format!("{base}/api/v1/projects?status=awarded&limit=20"),
    )
    .await?;
    let grants = get_json(client, &format!("{base}/api/v1/grants?limit=20")).await?;
    let of = |page: &serde_json::Value, key: &str| -> Vec<String> {
        page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i[key].as_str().map(str::to_owned))
            .collect()
    };
    let (opened, grant_ids, grantees) = (
        of(&awarded, "id"),
        of(&grants, "id"),
        of(&grants, "organization_id"),
    );
    Ok(vec![
        (
            "projects: title search".to_owned(),
            ["养老", "心理健康", "儿童", "没有这个"]
                .iter()
                .map(|q| format!("/api/v1/projects?q={}", enc(q)))
                .collect(),
        ),
        (
            "projects: status awarded".into(),
            vec!["/api/v1/projects?status=awarded".into()],
        ),
        (
            "project opening record".into(),
            opened
                .iter()
                .map(|i| format!("/api/v1/projects/{i}/opening"))
                .collect(),
        ),
        ("API grants list".into(), vec!["/api/v1/grants".into()]),
        (
            "grants of an organization".into(),
            grantees
                .iter()
                .map(|o| format!("/api/v1/grants?organization_id={o}"))
                .collect(),
        ),
        (
            "grant by id".into(),
            grant_ids
                .iter()
                .map(|i| format!("/api/v1/grants/{i}"))
                .collect(),
        ),
        (
            "organization with grants by id".into(),
            grantees
                .iter()
                .map(|o| format!("/api/v1/organizations/{o}"))
                .collect(),
        ),
        ("page /grants".into(), vec!["/grants".into()]),
        (
            "OCDS releases".into(),
            vec!["/api/v1/open/ocds/releases".into()],
        ),
    ])
}

/// Reads an export to its end: size, first byte, total time and the
/// server's resident memory at its highest meanwhile, as a report line.
async fn export_line(client: &reqwest::Client, base: &str, path: &str, pid: u32) -> Result<String> {
    let started = Instant::now();
    let mut r = client
        .get(format!("{base}{path}"))
        .send()
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    if !r.status().is_success() {
        return Err(Error::Internal(format!("{path}: {}", r.status())));
    }
    let mut first_byte = None;
    let mut bytes = 0_usize;
    let mut peak = 0.0_f64;
    while let Some(chunk) = r
        .chunk()
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
    {
        first_byte.get_or_insert_with(|| started.elapsed());
        bytes += chunk.len();
        peak = peak.max(resident_mb(pid).0);
    }
    Ok(format!(
        "| {path} | {:.1} | {:.0} | {:.1} | {peak:.0} |\n",
        bytes as f64 / 1e6,
        first_byte.unwrap_or_default().as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64(),
    ))
}

async fn timed(client: &reqwest::Client, url: &str) -> Result<f64> {
    let started = Instant::now();
    let r = client
        .get(url)
        .send()
        .await
        .map_err(|e| Error::Internal(format!("{url}: {e}")))?;
    let status = r.status();
    let body = r
        .bytes()
        .await
        .map_err(|e| Error::Internal(format!("{url}: {e}")))?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if !status.is_success() {
        return Err(Error::Internal(format!(
            "{url}: {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        )));
    }
    Ok(ms)
}

/// Runs the benchmark against a server started with `serve_args` (the
/// storage options) and returns its report as Markdown.
///
/// # Errors
/// A server that does not start, or a read that does not answer 200.
pub async fn run(serve_args: &[String], options: &RunOptions) -> Result<String> {
    // The database path first: every read built, none kept.
    let server = start_server(serve_args, 0).await?;
    let pid = server.child.id();
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let kinds = kinds(&client, &base).await?;
    let mut out = String::new();
    let (rss, _) = resident_mb(pid);
    let _ = writeln!(
        out,
        "public cache off: every answer built\n\nserver started: {rss:.0} MB resident\n"
    );
    let _ = writeln!(
        out,
        "| read | n | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|"
    );
    let mut measured = Vec::new();
    for (kind, pool) in &kinds {
        for path in pool.iter().take(2) {
            timed(&client, &format!("{base}{path}")).await?;
        }
        let mut times = Vec::with_capacity(options.requests);
        for i in 0..options.requests {
            times.push(timed(&client, &format!("{base}{}", pool[i % pool.len()])).await?);
        }
        times.sort_by(f64::total_cmp);
        let m = Measured {
            kind: kind.clone(),
            n: times.len(),
            p50: percentile(&times, 50.0),
            p95: percentile(&times, 95.0),
            max: times.last().copied().unwrap_or(0.0),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.1} | {:.1} |",
            m.kind, m.n, m.p50, m.p95, m.max
        );
        measured.push(m);
    }
    let (rss, peak) = resident_mb(pid);
    let _ = writeln!(
        out,
        "\nafter the reads: {rss:.0} MB resident, peak {peak:.0} MB\n"
    );

    // The exports, streamed.
    out.push_str(
        "| export | MB | first byte ms | all s | server resident up to, MB |\n|---|---:|---:|---:|---:|\n",
    );
    for path in [
        "/api/v1/organizations/export.csv",
        "/api/v1/open/grants.csv",
        "/api/v1/open/grants.json",
    ] {
        out.push_str(&export_line(&client, &base, path, pid).await?);
    }
    out.push('\n');

    // The mix: every kind, concurrent anonymous clients.
    let paths: Vec<String> = kinds
        .iter()
        .flat_map(|(_, pool)| pool.iter().cloned())
        .collect();
    out.push_str(&mix(&client, &server, &paths, options).await?);
    // The same with the public cache on (the default), and both against bare poem.
    let cached = start_server(serve_args, crate::config::DEFAULT_CACHE_MB).await?;
    out.push_str("\npublic cache on (the default):\n\n");
    out.push_str(&mix(&client, &cached, &paths, options).await?);
    if options.versus_requests > 0 {
        out.push_str(&versus_bare(&client, &server, &cached, &kinds, options).await?);
    }
    drop(cached);
    drop(server);
    Ok(out)
}

/// `options.mix_requests` requests of every kind from concurrent clients:
/// throughput, latency and the server's memory, as a line of the report.
async fn mix(
    client: &reqwest::Client,
    server: &Server,
    paths: &[String],
    options: &RunOptions,
) -> Result<String> {
    let (pid, base) = (server.child.id(), server.base.clone());
    let started = Instant::now();
    let per_client = options.mix_requests / options.concurrency.max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..options.concurrency {
        let (client, base, paths) = (client.clone(), base.clone(), paths.to_vec());
        tasks.spawn(async move {
            let mut times = Vec::with_capacity(per_client);
            for i in 0..per_client {
                let path = &paths[(c * 7 + i) % paths.len()];
                times.push(timed(&client, &format!("{base}{path}")).await?);
            }
            Ok::<_, Error>(times)
        });
    }
    let mut times = Vec::new();
    while let Some(done) = tasks.join_next().await {
        times.extend(done.map_err(|e| Error::Internal(e.to_string()))??);
    }
    let secs = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let (rss, peak) = resident_mb(pid);
    Ok(format!(
        "mix of every read, {} concurrent clients: {} requests in {secs:.1} s = {:.0} requests/s, p50 {:.1} ms, p95 {:.1} ms; server resident {rss:.0} MB, peak {peak:.0} MB\n",
        options.concurrency,
        times.len(),
        times.len() as f64 / secs.max(0.001),
        percentile(&times, 50.0),
        percentile(&times, 95.0),
    ))
}

/// The reads compared with bare poem, by the names [`kinds`] gives them.
const VERSUS: [&str; 6] = [
    "organization by id",
    "project by id",
    "API projects list",
    "filter: type",
    "page /registry",
    "page /projects",
];

/// A bare poem server answering each path with the bytes cogov gave for
/// it, on a runtime of its own; stopped when dropped.
struct Bare {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Bare {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start_bare(answers: std::collections::HashMap<String, (String, bytes::Bytes)>) -> Result<Bare> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| Error::Internal(e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?;
    drop(listener);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let answers = std::sync::Arc::new(answers);
    let thread = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let app = poem::endpoint::make_sync(move |req: poem::Request| {
                let key = req
                    .uri()
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned();
                match answers.get(&key) {
                    Some((content_type, body)) => poem::Response::builder()
                        .content_type(content_type.as_str())
                        .body(body.clone()),
                    None => poem::Response::builder()
                        .status(poem::http::StatusCode::NOT_FOUND)
                        .finish(),
                }
            });
            let _ = poem::Server::new(poem::listener::TcpListener::bind(addr))
                .run_with_graceful_shutdown(
                    app,
                    async move {
                        let _ = stopped.await;
                    },
                    None,
                )
                .await;
        });
    });
    Ok(Bare {
        base: format!("http://{addr}"),
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// Requests per second of `concurrency` clients asking `paths` in turn,
/// `total` requests in all.
async fn throughput(
    client: &reqwest::Client,
    base: &str,
    paths: &[String],
    concurrency: usize,
    total: usize,
) -> Result<f64> {
    let per_client = (total / concurrency.max(1)).max(1);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..concurrency.max(1) {
        let (client, base, paths) = (client.clone(), base.to_owned(), paths.to_vec());
        tasks.spawn(async move {
            for i in 0..per_client {
                timed(&client, &format!("{base}{}", paths[(c + i) % paths.len()])).await?;
            }
            Ok::<_, Error>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| Error::Internal(e.to_string()))??;
    }
    Ok((per_client * concurrency.max(1)) as f64 / started.elapsed().as_secs_f64().max(1e-6))
}

/// The comparison with bare poem, as a Markdown table.
async fn versus_bare(
    client: &reqwest::Client,
    uncached: &Server,
    cached: &Server,
    kinds: &[(String, Vec<String>)],
    options: &RunOptions,
) -> Result<String> {
    let base = uncached.base.as_str();
    let chosen: Vec<(&str, Vec<String>)> = VERSUS
        .iter()
        .filter_map(|name| {
            kinds
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, pool)| (*name, pool.iter().take(5).cloned().collect()))
        })
        .collect();
    let mut answers = std::collections::HashMap::new();
    for (_, paths) in &chosen {
        for path in paths {
            let r = client
                .get(format!("{base}{path}"))
                .send()
                .await
                .map_err(|e| Error::Internal(format!("{path}: {e}")))?;
            let content_type = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_owned();
            let body = r
                .bytes()
                .await
                .map_err(|e| Error::Internal(format!("{path}: {e}")))?;
            answers.insert(path.clone(), (content_type, body));
        }
    }
    let bare = start_bare(answers)?;
    let mut ready = false;
    for _ in 0..100 {
        if client.get(&bare.base).send().await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if !ready {
        return Err(Error::Internal("bare poem did not start".into()));
    }
    let (n, c) = (options.versus_requests, options.concurrency);
    let mut out = format!(
        "\nagainst bare poem serving the same bytes ({c} clients, {n} requests a turn; turns: cache off, cache on, poem, twice; the mean of each's two):\n\n\
         | read | cache off requests/s | cache on requests/s | bare poem requests/s | off / poem | on / poem |\n|---|---:|---:|---:|---:|---:|\n"
    );
    for (name, paths) in &chosen {
        let (mut off, mut on, mut poem) = (0.0, 0.0, 0.0);
        for _ in 0..2 {
            off += throughput(client, base, paths, c, n).await? / 2.0;
            on += throughput(client, &cached.base, paths, c, n).await? / 2.0;
            poem += throughput(client, &bare.base, paths, c, n).await? / 2.0;
        }
        let _ = writeln!(
            out,
            "| {name} | {off:.0} | {on:.0} | {poem:.0} | {:.1}% | {:.1}% |",
            100.0 * off / poem.max(1e-6),
            100.0 * on / poem.max(1e-6)
        );
    }
    Ok(out)
}
