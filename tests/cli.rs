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
