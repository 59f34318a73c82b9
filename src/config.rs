//! Command line and configuration: parsed once with clap; every option can
//! also come from a `COGOV_*` environment variable (the database URL from
//! `DATABASE_URL`). Secrets never reach the logs.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// cogov: social organization registry and government procurement portal.
#[derive(Debug, Parser)]
#[command(name = "cogov", version, about)]
pub struct Cli {
    /// Where to store the database (SQLite) and files.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// How log lines are written: `text` or `json` (one object per line).
    #[arg(
        long,
        env = "COGOV_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    pub log_format: crate::telemetry::LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where data lives.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory for the SQLite database and uploaded files.
    #[arg(long, env = "COGOV_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (`postgres://...`); when absent, SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The master key file that seals bids at rest (default
    /// `<data-dir>/master.key`, made on first start); back it up with the data.
    #[arg(long, env = "COGOV_MASTER_KEY_FILE", global = true)]
    pub master_key_file: Option<PathBuf>,
    /// The master key itself, 64 hex digits (instead of the file; every
    /// instance on one PostgreSQL needs the same).
    #[arg(
        long,
        env = "COGOV_MASTER_KEY",
        global = true,
        hide_env_values = true,
        hide = true
    )]
    pub master_key: Option<String>,
    /// Where signed audit checkpoints are appended, one JSON line each
    /// (default `<data-dir>/audit-checkpoints.jsonl`); best on storage the
    /// database's users cannot write.
    #[arg(long, env = "COGOV_CHECKPOINT_LOG", global = true)]
    pub checkpoint_log: Option<PathBuf>,
}

impl StorageArgs {
    /// The checkpoint log's path.
    #[must_use]
    pub fn checkpoint_log_path(&self) -> PathBuf {
        self.checkpoint_log
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-checkpoints.jsonl"))
    }

    /// Where the master key comes from.
    #[must_use]
    pub fn master_key_source(&self) -> crate::keys::MasterKeySource {
        crate::keys::MasterKeySource::new(
            self.master_key.clone(),
            self.master_key_file.clone(),
            &self.data_dir,
        )
    }

    /// The URL to connect to: `DATABASE_URL` when it names PostgreSQL, else
    /// `<data-dir>/cogov.db`.
    #[must_use]
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                url.clone()
            }
            Some(url) if url.starts_with("sqlite:") => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("cogov.db").display()
            ),
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API, the pages and the background jobs.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Print the OpenAPI document.
    Openapi,
    /// Work with the audit chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Bulk import.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Bulk export.
    #[command(subcommand)]
    Export(ExportCommand),
    /// The national-size data set and the benchmark of public reads.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Run a background job once now (jobs also run on a timer in `serve`).
    #[command(subcommand)]
    Job(JobCommand),
    /// Copy a SQLite deployment (database, files, master key) into DIR while
    /// it serves.
    Backup {
        /// An empty or new directory.
        dir: PathBuf,
    },
    /// Copy a backup made by `backup` into the (empty) data directory.
    Restore {
        /// The backup's directory.
        dir: PathBuf,
    },
}

/// `import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import organizations from a CSV file (the columns of `export
    /// organizations`); rejected rows are reported by line, and a re-run skips
    /// codes already registered. Exit status 3 when any row was rejected.
    Organizations {
        /// The CSV file (UTF-8, with a header line).
        file: PathBuf,
    },
}

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the public registry as CSV to stdout.
    Organizations,
}

/// `bench` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Write N organizations as the import's CSV into the data directory and
    /// import them (timed), then list 1% abnormal and 0.2% dishonest; then
    /// the procurement: projects of a bench department with their bids,
    /// awards and grants (installments, payments, reports).
    Seed {
        /// Organizations to add.
        #[arg(long, default_value_t = 1_000_000)]
        organizations: u64,
        /// Projects to add (default: one per 40 organizations).
        #[arg(long)]
        projects: Option<u64>,
        /// Bids on each project once opened.
        #[arg(long, default_value_t = 9)]
        bids_per_project: u64,
        /// The random seed (the same seed writes the same rows).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Start `serve` on this storage and time every kind of public read and
    /// search, the registry export and a concurrent mix; prints Markdown.
    Run {
        /// Requests timed per kind of read.
        #[arg(long, default_value_t = 100)]
        requests: usize,
        /// Concurrent clients in the mix.
        #[arg(long, default_value_t = 20)]
        concurrency: usize,
        /// Requests in the mix.
        #[arg(long, default_value_t = 2000)]
        mix_requests: usize,
        /// Requests per turn when comparing with bare poem (0 skips it).
        #[arg(long, default_value_t = 4000)]
        versus_requests: usize,
    },
}

/// `job` subcommands.
#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// List organizations with overdue annual reports as abnormal, and those
    /// abnormal for 2 years as dishonest (once per day).
    Credit {
        /// Day (MM-DD of the next year) foundations' annual reports are due.
        #[arg(long, env = "COGOV_REPORT_DUE_FOUNDATIONS", default_value = "03-31", value_parser = parse_month_day)]
        report_due_foundations: (u32, u32),
        /// Day (MM-DD of the next year) other organizations' annual reports are due.
        #[arg(long, env = "COGOV_REPORT_DUE_OTHERS", default_value = "05-31", value_parser = parse_month_day)]
        report_due_others: (u32, u32),
    },
    /// Remind organizations of grants awaiting acceptance and of reports
    /// due within 7 days or overdue, then send the mail that is due.
    Reminders {
        /// Where mail goes.
        #[command(flatten)]
        mail: MailArgs,
        /// The public URL of the service, for links in mails.
        #[arg(long, env = "COGOV_PUBLIC_URL")]
        public_url: Option<String>,
    },
}

/// Where e-mail goes: SMTP when configured, else a directory of `.eml`
/// files, else the log.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// Send mail through this SMTP server, e.g.
    /// `smtps://user:password@smtp.example.cn` or
    /// `smtp://smtp.example.cn:587?tls=required` (lettre's URL form).
    #[arg(long, env = "COGOV_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Without SMTP, write each mail as an `.eml` file into this directory
    /// (without either, mail is only logged).
    #[arg(long, env = "COGOV_MAIL_DIR")]
    pub mail_dir: Option<PathBuf>,
    /// The From address of mail.
    #[arg(
        long,
        env = "COGOV_MAIL_FROM",
        default_value = "cogov <noreply@cogov.localhost>"
    )]
    pub mail_from: String,
}

impl MailArgs {
    /// The mail settings, with the public URL for links.
    #[must_use]
    pub fn settings(&self, public_url: Option<&str>) -> crate::notifications::mail::MailSettings {
        crate::notifications::mail::MailSettings {
            smtp_url: self.smtp_url.clone(),
            dir: self.mail_dir.clone(),
            from: self.mail_from.clone(),
            public_url: public_url.map(str::to_owned),
        }
    }
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COGOV_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Seed demo accounts (one per role) and a demo department, and print their logins.
    #[arg(long, env = "COGOV_DEMO")]
    pub demo: bool,
    /// The public URL users reach the service at; cookies are `Secure` when it is https.
    #[arg(long, env = "COGOV_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Serve TLS with this certificate chain (PEM); needs `--tls-key`.
    #[arg(long, env = "COGOV_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) for `--tls-cert`.
    #[arg(long, env = "COGOV_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Re-read templates from this directory on every render (development).
    #[arg(long, env = "COGOV_DEV_TEMPLATES")]
    pub dev_templates: Option<PathBuf>,
    /// Minutes of inactivity after which a browser session ends.
    #[arg(long, env = "COGOV_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// Hours after sign-in at which a browser session ends regardless of use.
    #[arg(long, env = "COGOV_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,
    /// Time zone times are shown in.
    #[arg(long, env = "COGOV_TIMEZONE", default_value = "Asia/Shanghai")]
    pub timezone: chrono_tz::Tz,
    /// Largest accepted upload, in megabytes.
    #[arg(long, env = "COGOV_MAX_UPLOAD_MB", default_value_t = 20)]
    pub max_upload_mb: u64,
    /// Day (MM-DD of the next year) foundations' annual reports are due.
    #[arg(long, env = "COGOV_REPORT_DUE_FOUNDATIONS", default_value = "03-31", value_parser = parse_month_day)]
    pub report_due_foundations: (u32, u32),
    /// Day (MM-DD of the next year) other organizations' annual reports are due.
    #[arg(long, env = "COGOV_REPORT_DUE_OTHERS", default_value = "05-31", value_parser = parse_month_day)]
    pub report_due_others: (u32, u32),
    /// Where mail goes.
    #[command(flatten)]
    pub mail: MailArgs,
    /// The OCDS ocid prefix: the one the Open Contracting Partnership
    /// registered for this publisher (`ocds-` and six characters).
    #[arg(long, env = "COGOV_OCID_PREFIX", default_value = DEFAULT_OCID_PREFIX)]
    pub ocid_prefix: String,
    /// API requests one token may make per minute (bursts up to the same
    /// number); beyond it, 429 with `Retry-After`. 0 turns the limit off.
    #[arg(long, env = "COGOV_API_RATE_PER_MINUTE", default_value_t = 600)]
    pub api_rate_per_minute: u32,
    /// Let webhook receivers be on loopback or private addresses (testing,
    /// receivers inside the government network).
    #[arg(long, env = "COGOV_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,
    /// A token `GET /metrics` requires (`Authorization: Bearer <token>`);
    /// without it, the metrics answer only connections from loopback.
    #[arg(long, env = "COGOV_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Megabytes of answers kept in memory for anonymous readers (0 turns
    /// the public cache off).
    #[arg(long, env = "COGOV_CACHE_MB", default_value_t = DEFAULT_CACHE_MB)]
    pub cache_mb: u64,
}

/// Megabytes of answers the public cache keeps unless configured otherwise.
pub const DEFAULT_CACHE_MB: u64 = 32;

/// The ocid prefix until a registered one is configured.
pub const DEFAULT_OCID_PREFIX: &str = "ocds-cogov0";

/// Reads `MM-DD` (a day that exists in every year, so not `02-29`).
///
/// # Errors
/// A message naming the expected form.
pub fn parse_month_day(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}` is not a day as MM-DD");
    let (m, d) = s.split_once('-').ok_or_else(bad)?;
    let (m, d): (u32, u32) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    chrono::NaiveDate::from_ymd_opt(2025, m, d).ok_or_else(bad)?;
    Ok((m, d))
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from a prompt, or from stdin with `--password-stdin`.
    Create(UserCreateArgs),
}

/// Options of `user create`.
#[derive(Debug, Clone, Args)]
pub struct UserCreateArgs {
    /// E-mail address, used to sign in.
    #[arg(long, env = "COGOV_USER_EMAIL")]
    pub email: String,
    /// Role of the account.
    #[arg(long, env = "COGOV_USER_ROLE", value_enum)]
    pub role: RoleArg,
    /// Name shown to others (defaults to the part of the e-mail before `@`).
    #[arg(long, env = "COGOV_USER_NAME")]
    pub name: Option<String>,
    /// Department id, for purchasers.
    #[arg(long, env = "COGOV_USER_DEPARTMENT", conflicts_with = "organization")]
    pub department: Option<uuid::Uuid>,
    /// Organization id, for org members and org admins.
    #[arg(long, env = "COGOV_USER_ORGANIZATION")]
    pub organization: Option<uuid::Uuid>,
    /// Read the password from the first line of stdin instead of prompting.
    #[arg(long, env = "COGOV_PASSWORD_STDIN")]
    pub password_stdin: bool,
}

/// Roles as the command line spells them.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum RoleArg {
    /// Staff of a social organization.
    OrgMember,
    /// Legal representative or delegate of an organization.
    OrgAdmin,
    /// Civil-affairs staff.
    Registrar,
    /// Department staff who buy services.
    Purchaser,
    /// Evaluator on project panels.
    Expert,
    /// Oversight, read-only.
    Auditor,
    /// System administrator.
    Admin,
}

impl From<RoleArg> for crate::auth::Role {
    fn from(r: RoleArg) -> Self {
        use crate::auth::Role;
        match r {
            RoleArg::OrgMember => Role::OrgMember,
            RoleArg::OrgAdmin => Role::OrgAdmin,
            RoleArg::Registrar => Role::Registrar,
            RoleArg::Purchaser => Role::Purchaser,
            RoleArg::Expert => Role::Expert,
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the chain and name the first broken entry; check it against the
    /// signed checkpoints (the chain's, the checkpoint log's and any given)
    /// and every bid against its receipt.
    Verify {
        /// More checkpoints kept outside this deployment: JSON lines, or
        /// pages of the feed (`/api/v1/events?event_type=audit.checkpoint`).
        #[arg(long = "checkpoints", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Sign a checkpoint of the chain now and append it to the checkpoint log.
    Checkpoint,
}

/// Settings the running service needs, derived from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure`.
    pub secure_cookies: bool,
    /// Re-read templates from here on each render.
    pub dev_templates: Option<PathBuf>,
    /// Idle expiry of sessions.
    pub session_idle: chrono::Duration,
    /// Absolute expiry of sessions.
    pub session_max: chrono::Duration,
    /// Zone for showing times.
    pub timezone: chrono_tz::Tz,
    /// Data directory (files).
    pub data_dir: PathBuf,
    /// Largest accepted upload in bytes.
    pub max_upload_bytes: u64,
    /// When annual reports are due.
    pub report_due: crate::registry::annual_reports::DueDates,
    /// Where mail goes: `smtp`, `dir` or `log` (shown on the outbox page).
    pub mail_transport: &'static str,
    /// The OCDS ocid prefix (registered with the Open Contracting Partnership).
    pub ocid_prefix: String,
    /// The public URL of the service, when configured (for absolute links).
    pub public_url: Option<String>,
    /// API requests a token may make per minute (0: no limit).
    pub api_rate_per_minute: u32,
    /// Webhook receivers may be on loopback or private addresses.
    pub webhooks_allow_private: bool,
    /// The token `GET /metrics` requires (none: loopback only).
    pub metrics_token: Option<String>,
    /// Bytes of answers the public cache keeps (0: off).
    pub cache_bytes: u64,
}

impl Settings {
    /// Settings for `serve`.
    #[must_use]
    pub fn from_serve(args: &ServeArgs, storage: &StorageArgs) -> Self {
        let https = args
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        Self {
            secure_cookies: https || args.tls_cert.is_some(),
            dev_templates: args.dev_templates.clone(),
            session_idle: chrono::Duration::minutes(args.session_idle_minutes.max(1)),
            session_max: chrono::Duration::hours(args.session_max_hours.max(1)),
            timezone: args.timezone,
            data_dir: storage.data_dir.clone(),
            max_upload_bytes: args.max_upload_mb.saturating_mul(1024 * 1024),
            report_due: crate::registry::annual_reports::DueDates {
                foundations: args.report_due_foundations,
                others: args.report_due_others,
            },
            mail_transport: match (&args.mail.smtp_url, &args.mail.mail_dir) {
                (Some(_), _) => "smtp",
                (None, Some(_)) => "dir",
                (None, None) => "log",
            },
            ocid_prefix: args.ocid_prefix.clone(),
            public_url: args
                .public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_owned()),
            api_rate_per_minute: args.api_rate_per_minute,
            webhooks_allow_private: args.webhooks_allow_private,
            metrics_token: args.metrics_token.clone().filter(|t| !t.is_empty()),
            cache_bytes: args.cache_mb.saturating_mul(1024 * 1024),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            dev_templates: None,
            session_idle: chrono::Duration::minutes(30),
            session_max: chrono::Duration::hours(12),
            timezone: chrono_tz::Asia::Shanghai,
            data_dir: PathBuf::from("data"),
            max_upload_bytes: 20 * 1024 * 1024,
            report_due: crate::registry::annual_reports::DueDates::default(),
            mail_transport: "log",
            ocid_prefix: DEFAULT_OCID_PREFIX.to_owned(),
            public_url: None,
            api_rate_per_minute: 600,
            webhooks_allow_private: false,
            metrics_token: None,
            cache_bytes: DEFAULT_CACHE_MB * 1024 * 1024,
        }
    }
}
