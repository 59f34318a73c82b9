//! The command line: `migrate`, `user create` (password from stdin) and
//! `audit verify` naming a tampered entry.

use std::io::Write as _;
use std::process::{Command, Stdio};

use sea_orm::ConnectionTrait as _;

fn cogov(data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cogov"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn user_create_reads_the_password_from_stdin_and_audit_verify_names_a_tampered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = cogov(dir.path(), &["migrate"], None);
    assert_eq!(code, 0, "{out}{err}");

    let (code, _, err) = cogov(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "first@example.cn",
            "--role",
            "admin",
        ],
        Some("short\n"),
    );
    assert_eq!(code, 2, "a weak password is refused");
    assert!(err.contains("password"), "{err}");
    for email in ["first@example.cn", "second@example.cn"] {
        let (code, out, err) = cogov(
            dir.path(),
            &[
                "user",
                "create",
                "--email",
                email,
                "--role",
                "registrar",
                "--password-stdin",
            ],
            Some("a good password 42\n"),
        );
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains(email));
    }

    let (code, out, _) = cogov(dir.path(), &["audit", "verify"], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 entries verified"), "{out}");

    let url = format!("sqlite://{}?mode=rw", dir.path().join("cogov.db").display());
    let db = cogov::db::Db::connect(&url).await.unwrap();
    db.conn()
        .execute_unprepared("UPDATE audit_entries SET actor_role = 'admin' WHERE seq = 2")
        .await
        .unwrap();
    db.conn().clone().close().await.ok();

    let (code, out, _) = cogov(dir.path(), &["audit", "verify"], None);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("BROKEN at entry 2"), "{out}");
}

#[test]
fn openapi_prints_the_committed_document() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = cogov(dir.path(), &["openapi"], None);
    assert_eq!(code, 0);
    assert_eq!(out, cogov::api::spec_json());
}

#[test]
fn import_reports_rejected_lines_and_a_rerun_changes_nothing_then_export_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let good = cogov::registry::uscc::Uscc::generate(
        cogov::registry::uscc::Category::Foundation,
        "420000",
        3,
    )
    .unwrap();
    let csv = format!(
        "uscc,name,org_type,public_offering,division_code,field,supervising_unit,address,legal_representative,business_scope,funds_yuan,registered_on,status,grade,grade_awarded_on\n\
         {good},湖北省春晖慈善基金会,foundation,true,420000,public_welfare,,武汉市,王伟,慈善,4000000.00,2015-06-01,active,,\n\
         51420000MJH200395X,坏代码协会,social_group,,420000,other,,,,,30000,2015-06-01,,,\n"
    );
    let file = dir.path().join("orgs.csv");
    std::fs::write(&file, csv).unwrap();
    let path = file.to_str().unwrap();
    let (code, out, err) = cogov(dir.path(), &["import", "organizations", path], None);
    assert_eq!(code, 3, "rows were rejected: {out}{err}");
    assert!(out.contains("line 3: uscc:"), "{out}");
    assert!(
        out.contains("1 imported, 0 already registered, 1 rejected"),
        "{out}"
    );
    let (code, out, _) = cogov(dir.path(), &["import", "organizations", path], None);
    assert_eq!(code, 3);
    assert!(
        out.contains("0 imported, 1 already registered, 1 rejected"),
        "{out}"
    );

    let (code, exported, err) = cogov(dir.path(), &["export", "organizations"], None);
    assert_eq!(code, 0, "{err}");
    assert!(exported.contains(&format!("{good},湖北省春晖慈善基金会,foundation,true")));

    let (code, _, err) = cogov(
        dir.path(),
        &["import", "organizations", "/nonexistent.csv"],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent.csv"), "{err}");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "name,city\nx,y\n").unwrap();
    let (code, _, err) = cogov(
        dir.path(),
        &["import", "organizations", bad.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the header lacks"), "{err}");

    let (code, out, _) = cogov(dir.path(), &["job", "credit"], None);
    assert_eq!(code, 0);
    assert!(out.contains("listed"), "{out}");
}

#[test]
fn the_master_key_is_made_once_kept_private_and_a_lost_or_wrong_key_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = cogov(dir.path(), &["migrate"], None);
    assert_eq!(code, 0, "{out}{err}");
    let key = dir.path().join("master.key");
    let text = std::fs::read_to_string(&key).expect("the first start makes the key");
    assert_eq!(text.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner alone");
    }
    let (code, _, _) = cogov(dir.path(), &["migrate"], None);
    assert_eq!(code, 0, "the same key starts again");

    std::fs::rename(&key, dir.path().join("elsewhere.key")).unwrap();
    let (code, out, err) = cogov(dir.path(), &["migrate"], None);
    assert_ne!(code, 0, "{out}");
    assert!(
        err.contains("master key") && err.contains("backup"),
        "{err}"
    );
    assert!(!key.exists(), "no new key is made over sealed data");

    let wrong = "ab".repeat(32);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cogov"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("migrate")
        .env_remove("DATABASE_URL")
        .env("COGOV_MASTER_KEY", &wrong)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!status.success());
    assert!(
        err.contains("not the one this database was sealed with"),
        "{err}"
    );
    assert!(!err.contains(&wrong), "the key is never printed");

    let (code, _, _) = cogov(
        dir.path(),
        &[
            "--master-key-file",
            dir.path().join("elsewhere.key").to_str().unwrap(),
            "migrate",
        ],
        None,
    );
    assert_eq!(code, 0, "the restored key opens it again");
}

#[tokio::test]
async fn audit_checkpoint_signs_the_head_into_a_log_and_verify_catches_a_truncation_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("elsewhere").join("checkpoints.jsonl");
    let log_arg = log.to_str().unwrap();
    for email in ["a@example.cn", "b@example.cn"] {
        let (code, out, err) = cogov(
            dir.path(),
            &[
                "user",
                "create",
                "--email",
                email,
                "--role",
                "registrar",
                "--password-stdin",
            ],
            Some("a good password 42\n"),
        );
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, err) = cogov(
        dir.path(),
        &["--checkpoint-log", log_arg, "audit", "checkpoint"],
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("checkpoint of entry 2"), "{out}");
    let (code, out, _) = cogov(
        dir.path(),
        &["--checkpoint-log", log_arg, "audit", "checkpoint"],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing new"), "{out}");
    let (code, out, _) = cogov(
        dir.path(),
        &["--checkpoint-log", log_arg, "audit", "verify"],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 signed checkpoint(s) checked; the chain agrees with them up to entry 2"),
        "{out}"
    );
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines.lines().count(), 1, "{lines}");

    // The second user and the checkpoint's own entry go, the head moves back.
    let url = format!("sqlite://{}?mode=rw", dir.path().join("cogov.db").display());
    let db = cogov::db::Db::connect(&url).await.unwrap();
    for sql in [
        "DELETE FROM audit_entries WHERE seq > 1",
        "UPDATE audit_head SET last_seq = 1, last_hash = (SELECT hash FROM audit_entries WHERE seq = 1)",
    ] {
        db.conn().execute_unprepared(sql).await.unwrap();
    }
    db.conn().clone().close().await.ok();
    let (code, out, _) = cogov(dir.path(), &["audit", "verify"], None);
    assert_eq!(
        code, 0,
        "without the log the database alone cannot tell: {out}"
    );
    let (code, out, _) = cogov(
        dir.path(),
        &["--checkpoint-log", log_arg, "audit", "verify"],
        None,
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("disagrees with a checkpoint at entry 2"),
        "{out}"
    );
    assert!(out.contains("gone"), "{out}");
}

#[tokio::test]
async fn serve_writes_json_logs_and_answers_metrics_on_loopback_only_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cogov"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--log-format", "json", "serve", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .env_remove("DATABASE_URL")
        .env_remove("COGOV_METRICS_TOKEN")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let metrics = if up {
        let resp = http.get(format!("{base}/metrics")).send().await.unwrap();
        Some((resp.status().as_u16(), resp.text().await.unwrap()))
    } else {
        None
    };
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let (status, text) = metrics.unwrap_or_else(|| panic!("the server did not start: {err}"));
    assert_eq!(status, 200, "loopback reads the metrics: {text}");
    assert!(
        text.contains("cogov_http_requests_total{") && text.contains("route=\"/healthz\""),
        "{text}"
    );
    let lines: Vec<serde_json::Value> = err
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "request" && l["status"] == 200 && l["level"] == "INFO"),
        "a request logged as one JSON object: {err}"
    );
    assert!(!err.contains('\u{1b}'), "no colour codes in a log file");
}
