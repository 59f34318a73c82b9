//! `cogov`: parse the command line, set up logging, run the command.

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser as _;
use cogov::auth::users::{self, NewUser};
use cogov::clock::{Clock, SystemClock};
use cogov::config::{
    AuditCommand, BenchCommand, Cli, Command, ExportCommand, ImportCommand, JobCommand, ServeArgs,
    Settings, StorageArgs, UserCommand, UserCreateArgs,
};
use cogov::db::Db;
use cogov::grants::reminders;
use cogov::notifications::mail::{self, Postman};
use cogov::registry::annual_reports::DueDates;
use cogov::{AppState, Error, audit, build_app, checkpoints, demo};
use poem::listener::{Listener, RustlsCertificate, RustlsConfig, TcpListener};
use sea_orm::{EntityTrait as _, PaginatorTrait as _};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    cogov::telemetry::init_logs(cli.log_format);
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(storage: &StorageArgs) -> anyhow::Result<Db> {
    if storage
        .database_url
        .as_deref()
        .is_none_or(|u| !u.starts_with("postgres"))
    {
        std::fs::create_dir_all(&storage.data_dir)
            .with_context(|| format!("creating data directory {}", storage.data_dir.display()))?;
    }
    let db = Db::connect_and_migrate(&storage.database_url())
        .await
        .context("opening and migrating the database")?;
    let keys =
        cogov::keys::Keyring::load(db.conn(), &storage.master_key_source(), chrono::Utc::now())
            .await
            .context("loading the master key")?;
    Ok(db.with_keyring(keys))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(&cli.storage, *args).await.map(|()| ExitCode::SUCCESS),
        Command::Migrate => {
            open(&cli.storage).await?;
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => {
            print!("{}", cogov::api::spec_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Create(args)) => create_user(&cli.storage, args).await,
        Command::Import(ImportCommand::Organizations { file }) => {
            import_organizations(&cli.storage, &file).await
        }
        Command::Export(ExportCommand::Organizations) => {
            let db = open(&cli.storage).await?;
            let today = cogov::clock::china_date(SystemClock.now());
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut pages = std::pin::pin!(cogov::registry::import::export_stream(
                db,
                Default::default(),
                today
            ));
            while let Some(page) = futures_util::StreamExt::next(&mut pages).await {
                std::io::Write::write_all(&mut out, &page?)?;
            }
            std::io::Write::flush(&mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Seed {
            organizations,
            projects,
            bids_per_project,
            seed,
        }) => {
            let db = open(&cli.storage).await?;
            let report = cogov::bench::seed(
                &db,
                &cli.storage.data_dir,
                organizations,
                seed,
                SystemClock.now(),
                |m| println!("{m}"),
            )
            .await?;
            println!(
                "{} imported ({} already there) in {:.1} s = {:.0} rows/s; {} listed on the credit lists",
                report.imported,
                report.already_present,
                report.import_secs,
                report.imported as f64 / report.import_secs.max(0.001),
                report.listed
            );
            let made = cogov::bench::procurement::seed(
                &db,
                projects.unwrap_or(organizations / 40),
                bids_per_project,
                seed,
                SystemClock.now(),
                |m| println!("{m}"),
            )
            .await?;
            println!(
                "{} projects, {} bids, {} grants, {} payments, {} reports in {:.1} s",
                made.projects, made.bids, made.grants, made.disbursements, made.reports, made.secs
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Run {
            requests,
            concurrency,
            mix_requests,
            versus_requests,
        }) => {
            let mut args = vec![
                "--data-dir".to_owned(),
                cli.storage.data_dir.display().to_string(),
            ];
            if let Some(url) = &cli.storage.database_url {
                args.extend(["--database-url".to_owned(), url.clone()]);
            }
            if let Some(file) = &cli.storage.master_key_file {
                args.extend(["--master-key-file".to_owned(), file.display().to_string()]);
            }
            let options = cogov::bench::RunOptions {
                requests,
                concurrency,
                mix_requests,
                versus_requests,
            };
            print!("{}", cogov::bench::run(&args, &options).await?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Job(JobCommand::Credit {
            report_due_foundations,
            report_due_others,
        }) => {
            let db = open(&cli.storage).await?;
            let due = DueDates {
                foundations: report_due_foundations,
                others: report_due_others,
            };
            let run =
                cogov::registry::jobs::run_credit_job(&db, &job_holder(), SystemClock.now(), due)
                    .await?;
            if run.ran {
                println!(
                    "listed {} as abnormal and {} as dishonest",
                    run.abnormal, run.dishonest
                );
            } else {
                println!("nothing to do: already run today, or running elsewhere");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Job(JobCommand::Reminders { mail, public_url }) => {
            let db = open(&cli.storage).await?;
            let postman = Postman::new(&mail.settings(public_url.as_deref()))?;
            let holder = job_holder();
            match reminders::run(&db, &holder, SystemClock.now()).await? {
                Some(run) => println!("{} notifications created", run.notifications),
                None => println!("reminders are running elsewhere"),
            }
            match mail::deliver(&db, &postman, &holder, SystemClock.now()).await? {
                Some(d) => println!(
                    "mail to {}: {} sent, {} to retry, {} given up",
                    postman.describe(),
                    d.sent,
                    d.retrying,
                    d.failed
                ),
                None => println!("mail is being sent elsewhere"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { dir } => {
            let db = open(&cli.storage).await?;
            let done = cogov::backup::backup(
                &db,
                &cli.storage.data_dir,
                &cli.storage.master_key_source(),
                &dir,
            )
            .await?;
            println!(
                "backup in {}: {} files, {} bytes; it holds the master key: keep it as safe as the server",
                dir.display(),
                done.files,
                done.bytes
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { dir } => {
            let done = cogov::backup::restore(&dir, &cli.storage.data_dir)?;
            println!(
                "restored {} files ({} bytes) into {}; check it with `cogov audit verify`",
                done.files,
                done.bytes,
                cli.storage.data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Checkpoint) => {
            let db = open(&cli.storage).await?;
            let log = cli.storage.checkpoint_log_path();
            match checkpoints::run(&db, &job_holder(), SystemClock.now(), &log).await? {
                Some(c) => println!(
                    "checkpoint of entry {} ({}) signed and appended to {}",
                    c.seq,
                    c.hash,
                    log.display()
                ),
                None => {
                    println!("no checkpoint: nothing new since the last, or being made elsewhere")
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify { checkpoints }) => {
            let db = open(&cli.storage).await?;
            let mut given = Vec::new();
            let log = cli.storage.checkpoint_log_path();
            let files = checkpoints.iter().chain(log.exists().then_some(&log));
            for file in files {
                given.extend(checkpoints::read_file(file).map_err(anyhow::Error::msg)?);
            }
            verify(&db, given).await
        }
    }
}

/// `cogov audit verify`: exit 0 when the chain, its checkpoints and every
/// bid agree; 2, naming each thing that does not, otherwise.
async fn verify(
    db: &cogov::db::Db,
    given: Vec<checkpoints::Checkpoint>,
) -> anyhow::Result<ExitCode> {
    let report = audit::verify(db.conn()).await?;
    let anchors = checkpoints::verify(db, given).await?;
    let bids = cogov::procurement::bids::verify_all(db).await?;
    let mut intact = true;
    match &report.broken {
        None => println!("audit chain intact: {} entries verified", report.checked),
        Some(b) => {
            intact = false;
            println!("audit chain BROKEN at entry {}: {}", b.seq, b.reason);
            println!("{} entries before it verified", report.checked);
        }
    }
    for p in &anchors.problems {
        intact = false;
        println!(
            "audit chain disagrees with a checkpoint at entry {}: {}",
            p.seq, p.reason
        );
    }
    match (anchors.checked, anchors.anchored_to) {
        (0, _) => println!("no signed checkpoints yet (`cogov audit checkpoint` makes one)"),
        (n, Some(seq)) => println!(
            "{n} signed checkpoint(s) checked; the chain agrees with them up to entry {seq}"
        ),
        (n, None) => println!("{n} signed checkpoint(s) checked; none agrees with the chain"),
    }
    for id in &bids {
        intact = false;
        println!("bid {id} does not match its receipt: changed outside cogov");
    }
    let rows = cogov::integrity::check(db.conn()).await?;
    for f in &rows {
        intact = false;
        println!("{} {}: {}", f.kind, f.id, f.reason);
    }
    if rows.is_empty() {
        println!("every audited row agrees with its history");
    }
    Ok(if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

async fn serve(storage: &StorageArgs, args: ServeArgs) -> anyhow::Result<()> {
    let db = open(storage).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let settings = Settings::from_serve(&args, storage);
    cogov::telemetry::install();
    cogov::procurement::catalog::ensure_seeded(&db, clock.now()).await?;
    if args.demo {
        let logins = demo::seed(&db, clock.now()).await?;
        println!("Demo accounts (password: {}):", demo::DEMO_PASSWORD);
        for l in &logins {
            println!("  {:<11} {}", l.role.as_str(), l.email);
        }
    } else if entity::users::Entity::find().count(db.conn()).await? == 0 {
        println!("No accounts yet. Create the first admin with:");
        println!("  cogov user create --email you@example.cn --role admin");
        println!("(or start with --demo to get one account for every role)");
    }
    let postman = Postman::new(&args.mail.settings(args.public_url.as_deref()))?;
    println!("mail goes to {}", postman.describe());
    let webhook_client = cogov::webhooks::client()?;
    spawn_jobs(
        db.clone(),
        clock.clone(),
        settings.report_due,
        postman,
        webhook_client,
        settings.ocid_prefix.clone(),
        storage.checkpoint_log_path(),
    );
    let state = AppState::new(db, clock, settings)?;
    let app = build_app(state);
    let scheme = if args.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    println!("cogov listening on {scheme}://{}", args.bind);
    tracing::info!(bind = %args.bind, "listening");
    let listener = TcpListener::bind(args.bind);
    match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => {
            let cert =
                std::fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?;
            let key = std::fs::read(&key).with_context(|| format!("reading {}", key.display()))?;
            let tls = RustlsConfig::new().fallback(RustlsCertificate::new().cert(cert).key(key));
            poem::Server::new(listener.rustls(tls))
                .run_with_graceful_shutdown(app, shutdown(), None)
                .await?;
        }
        _ => {
            poem::Server::new(listener)
                .run_with_graceful_shutdown(app, shutdown(), None)
                .await?;
        }
    }
    Ok(())
}

/// A name for this process as a lease holder.
fn job_holder() -> String {
    format!("pid{}-{}", std::process::id(), uuid::Uuid::now_v7())
}

/// Runs the background jobs on timers: the bid opening and the award of
/// notices whose challenge window closed and webhook deliveries every 15
/// seconds, reminders and mail every 30 seconds, the credit job and the
/// audit checkpoint every ten minutes (each decides whether it has work,
/// and takes its lease first).
fn spawn_jobs(
    db: Db,
    clock: Arc<dyn Clock>,
    due: DueDates,
    postman: Postman,
    webhook_client: reqwest::Client,
    ocid_prefix: String,
    checkpoint_log: std::path::PathBuf,
) {
    let holder = job_holder();
    let (mail_db, mail_clock, mail_holder) = (db.clone(), clock.clone(), holder.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            match reminders::run(&mail_db, &mail_holder, mail_clock.now()).await {
                Ok(Some(run)) if run.notifications > 0 => {
                    tracing::info!(count = run.notifications, "reminders created");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "reminder job failed"),
            }
            match mail::deliver(&mail_db, &postman, &mail_holder, mail_clock.now()).await {
                Ok(Some(d)) if d != mail::Delivery::default() => tracing::info!(
                    sent = d.sent,
                    retrying = d.retrying,
                    failed = d.failed,
                    "mail delivered"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "mail job failed"),
            }
        }
    });
    let (opening_db, opening_clock, opening_holder) = (db.clone(), clock.clone(), holder.clone());
    tokio::spawn(async move {
        // Bids open at their deadline: look every 15 seconds.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            tick.tick().await;
            match cogov::procurement::bids::open_due(
                &opening_db,
                &opening_holder,
                opening_clock.now(),
            )
            .await
            {
                Ok(opened) if !opened.is_empty() => {
                    tracing::info!(count = opened.len(), "bids opened");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "opening job failed"),
            }
            // Public events go out to webhook subscribers.
            match cogov::webhooks::deliver(
                &opening_db,
                &webhook_client,
                &ocid_prefix,
                &opening_holder,
                opening_clock.now(),
            )
            .await
            {
                Ok(Some(run)) if run != cogov::webhooks::Run::default() => tracing::info!(
                    delivered = run.delivered,
                    failed = run.failed,
                    disabled = run.disabled,
                    "webhooks"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "webhook job failed"),
            }
            // Award notices whose challenge window has closed become final.
            match cogov::procurement::award::award_due(
                &opening_db,
                &opening_holder,
                opening_clock.now(),
            )
            .await
            {
                Ok(awarded) if !awarded.is_empty() => {
                    tracing::info!(count = awarded.len(), "projects awarded");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "award job failed"),
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            match cogov::registry::jobs::run_credit_job(&db, &holder, clock.now(), due).await {
                Ok(run) if run.ran => tracing::info!(
                    abnormal = run.abnormal,
                    dishonest = run.dishonest,
                    "credit job done"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "credit job failed"),
            }
            // The audit chain's head is signed and published when it moved.
            if let Err(e) = checkpoints::run(&db, &holder, clock.now(), &checkpoint_log).await {
                tracing::error!(error = %e, "audit checkpoint failed");
            }
        }
    });
}

async fn import_organizations(
    storage: &StorageArgs,
    file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let db = open(storage).await?;
    let open_file = || {
        std::fs::File::open(file)
            .map(std::io::BufReader::new)
            .with_context(|| format!("reading {}", file.display()))
    };
    // One pass to count the rows for the progress bar, one to import: the
    // file is never held whole.
    let rows = std::io::BufRead::split(open_file()?, b'\n')
        .count()
        .saturating_sub(1) as u64;
    let bar = indicatif::ProgressBar::new(rows.max(1));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = cogov::registry::import::import_csv(&db, open_file()?, SystemClock.now(), |n| {
        bar.set_position(n);
    })
    .await;
    bar.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(Error::BadInput(errors)) => {
            for e in errors {
                eprintln!("{}: {}", file.display(), e.message);
            }
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    for r in &report.rejected {
        for e in &r.errors {
            println!("line {}: {}: {}", r.line, e.field, e.message);
        }
    }
    println!(
        "{} imported, {} already registered, {} rejected",
        report.created,
        report.already_present,
        report.rejected.len()
    );
    Ok(if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

async fn shutdown() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The new account's password: prompted for twice at a terminal, else (or
/// with `--password-stdin`) the first line of stdin. Never from argv.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if !from_stdin && std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        anyhow::ensure!(first == again, "the passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

async fn create_user(storage: &StorageArgs, args: UserCreateArgs) -> anyhow::Result<ExitCode> {
    let db = open(storage).await?;
    let password = read_password(args.password_stdin)?;
    let input = NewUser {
        display_name: args
            .name
            .clone()
            .unwrap_or_else(|| args.email.split('@').next().unwrap_or_default().to_owned()),
        email: args.email,
        password,
        role: args.role.into(),
        department_id: args.department,
        organization_id: args.organization,
    };
    match users::create(&db, None, input, SystemClock.now()).await {
        Ok(u) => {
            println!("created {} ({}) with id {}", u.email, u.role, u.id);
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Invalid(errors)) => {
            for e in errors {
                eprintln!("{}: {}", e.field, e.message);
            }
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}
