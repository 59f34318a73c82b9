//! Test helpers: spawn the whole app in-process on a fresh migrated database
//! (SQLite in a temporary directory, or a new PostgreSQL database when
//! `COGOV_TEST_DATABASE_URL` names a server), with a clock the test moves.
#![allow(dead_code, missing_docs)]

pub mod procurement;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use cogov::auth::tokens::{self, Scope};
use cogov::auth::users::{self, NewUser};
use cogov::auth::{Actor, Role, Via};
use cogov::clock::{Clock, ManualClock};
use cogov::config::Settings;
use cogov::db::Db;
use cogov::{AppState, build_app};
use poem::endpoint::BoxEndpoint;
use poem::test::{TestClient, TestResponse};
use poem::{EndpointExt, Response};
use sea_orm::{ConnectionTrait, Database};

pub const PASSWORD: &str = "correct horse 42";

pub struct TestApp {
    pub client: TestClient<BoxEndpoint<'static, Response>>,
    pub state: AppState,
    pub clock: ManualClock,
    /// The database's URL, for a second instance on it.
    pub url: String,
    _dir: tempfile::TempDir,
}

/// Friday 13 February 2026, 09:00 Beijing time.
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-02-13T01:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

async fn fresh_database(dir: &tempfile::TempDir) -> String {
    match std::env::var("COGOV_TEST_DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => {
            let template = TEMPLATE
                .get_or_init(|| migrated_template(server.clone()))
                .await;
            let name = format!("cogov_t_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(server.clone())
                .await
                .expect("test PostgreSQL reachable");
            admin
                .execute_unprepared(&format!(
                    "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                ))
                .await
                .expect("create test database");
            admin.close().await.ok();
            database_url(&server, &name)
        }
        _ => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("cogov.db").display()
        ),
    }
}

/// The migrated database each PostgreSQL test's database is copied from,
/// made once per test process: a copy takes a fraction of a second, the
/// migrations several.
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn migrated_template(server: String) -> String {
    let name = format!("cogov_t_template_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(server.clone())
        .await
        .expect("test PostgreSQL reachable");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create the template database");
    admin.close().await.ok();
    // Migrated, then closed: a database being copied may have no one on it.
    let db = Db::connect_and_migrate(&database_url(&server, &name))
        .await
        .expect("migrated template database");
    db.conn().clone().close().await.ok();
    name
}

/// `server`'s URL naming the database `name` instead.
fn database_url(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (server.to_owned(), String::new()),
    };
    let root = base
        .rsplit_once('/')
        .map_or(base.as_str(), |(r, _)| r)
        .to_owned();
    format!("{root}/{name}{query}")
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// Like [`spawn`], with settings changed by `tune`.
pub async fn spawn_with(tune: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir).await;
    let db = Db::connect_and_migrate(&url)
        .await
        .expect("migrated test database");
    let keys = cogov::keys::Keyring::load(
        db.conn(),
        &cogov::keys::MasterKeySource::new(None, None, dir.path()),
        start_time(),
    )
    .await
    .expect("a master key in the test's data directory");
    let db = db.with_keyring(keys);
    let clock = ManualClock::new(start_time());
    let mut settings = Settings {
        data_dir: dir.path().to_path_buf(),
        ..Settings::default()
    };
    tune(&mut settings);
    let state = AppState::new(db, Arc::new(clock.clone()), settings).unwrap();
    let client = TestClient::new(build_app(state.clone()).map_to_response().boxed());
    TestApp {
        client,
        state,
        clock,
        url,
        _dir: dir,
    }
}

impl TestApp {
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// What `cogov audit verify` checks holds: an unbroken chain, every bid
    /// matching its receipt, every audited row agreeing with its history.
    #[allow(dead_code)]
    pub async fn assert_history_agrees(&self) {
        let chain = cogov::audit::verify(self.db().conn()).await.unwrap();
        assert_eq!(chain.broken, None, "the audit chain");
        let bids = cogov::procurement::bids::verify_all(self.db())
            .await
            .unwrap();
        assert!(
            bids.is_empty(),
            "bids that do not match their receipts: {bids:?}"
        );
        let rows = cogov::integrity::check(self.db().conn()).await.unwrap();
        assert_eq!(rows, vec![], "rows that disagree with their history");
    }

    /// A second instance of the service on the same database (its own
    /// connections, writer queue and process state; the same clock and
    /// master key), as a deployment of two servers has.
    pub async fn second_instance(&self) -> TestClient<BoxEndpoint<'static, Response>> {
        let db = Db::connect(&self.url).await.expect("second connection");
        self.instance_on(db)
    }

    /// An instance of the service on `db` (a connection to this app's database).
    pub fn instance_on(&self, db: Db) -> TestClient<BoxEndpoint<'static, Response>> {
        let db = db.with_keyring(self.db().keys().unwrap().clone());
        let state = AppState::new(
            db,
            Arc::new(self.clock.clone()),
            (*self.state.settings).clone(),
        )
        .unwrap();
        TestClient::new(build_app(state).map_to_response().boxed())
    }

    /// Creates an account through the area function (as the command line does).
    pub async fn user(&self, email: &str, role: Role) -> entity::users::Model {
        self.user_in(email, role, None, None).await
    }

    pub async fn user_in(
        &self,
        email: &str,
        role: Role,
        department_id: Option<uuid::Uuid>,
        organization_id: Option<uuid::Uuid>,
    ) -> entity::users::Model {
        let input = NewUser {
            email: email.into(),
            display_name: email.split('@').next().unwrap().into(),
            password: PASSWORD.into(),
            role,
            department_id,
            organization_id,
        };
        users::create(self.db(), None, input, self.clock.now())
            .await
            .unwrap()
    }

    /// A personal token for `user`: write scope when `write`.
    pub async fn token(&self, user: &entity::users::Model, write: bool) -> String {
        let actor = Actor::from_user(user, Via::Session).unwrap();
        let scopes = if write {
            vec![Scope::Read, Scope::Write]
        } else {
            vec![Scope::Read]
        };
        tokens::create(self.db(), &actor, "test", &scopes, self.clock.now())
            .await
            .unwrap()
            .1
    }

    /// A user of `role` and a write token for them.
    pub async fn user_with_token(&self, email: &str, role: Role) -> (entity::users::Model, String) {
        let u = self.user(email, role).await;
        let t = self.token(&u, true).await;
        (u, t)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        let mut r = self.client.get(path);
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.send().await
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: serde_json::Value,
    ) -> TestResponse {
        self.send_json(self.client.post(path), token, body).await
    }

    pub async fn put_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: serde_json::Value,
    ) -> TestResponse {
        self.send_json(self.client.put(path), token, body).await
    }

    async fn send_json(
        &self,
        mut r: poem::test::TestRequestBuilder<'_, BoxEndpoint<'static, Response>>,
        token: Option<&str>,
        body: serde_json::Value,
    ) -> TestResponse {
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.body_json(&body).send().await
    }

    pub fn browser(&self) -> Browser<'_> {
        Browser {
            app: self,
            cookies: BTreeMap::new(),
        }
    }
}

/// Status and JSON body of a response.
pub async fn json(resp: TestResponse) -> (u16, serde_json::Value) {
    let status = resp.0.status().as_u16();
    let ct = resp.0.content_type().unwrap_or_default().to_owned();
    let text = resp.0.into_body().into_string().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({ct}): {text}"));
    (status, value)
}

/// The codes of a problem's `errors`.
pub fn problem_codes(body: &serde_json::Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The field names of a problem's `errors`.
pub fn problem_fields(body: &serde_json::Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A browser: keeps cookies, follows nothing, reads CSRF tokens from forms.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: poem::http::HeaderMap,
}

impl Page {
    /// The value of the first `csrf_token` hidden field.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self
            .body
            .find(marker)
            .expect("page has a form with a CSRF token")
            + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

impl Browser<'_> {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, resp: TestResponse) -> Page {
        let headers = resp.0.headers().clone();
        for sc in headers.get_all("set-cookie") {
            let sc = sc.to_str().unwrap();
            let pair = sc.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            let removed = sc.contains("Max-Age=0") || v.is_empty();
            if removed {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = resp.0.status().as_u16();
        let location = headers
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let bytes = resp.0.into_body().into_bytes().await.unwrap();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Page {
            status,
            location,
            body,
            headers,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let resp = self
            .app
            .client
            .get(path)
            .header("cookie", self.cookie_header())
            .send()
            .await;
        self.finish(resp).await
    }

    pub async fn get_with(&mut self, path: &str, header: (&str, &str)) -> Page {
        let resp = self
            .app
            .client
            .get(path)
            .header("cookie", self.cookie_header())
            .header(header.0, header.1)
            .send()
            .await;
        self.finish(resp).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let resp = self
            .app
            .client
            .post(path)
            .header("cookie", self.cookie_header())
            .form(&form)
            .send()
            .await;
        self.finish(resp).await
    }

    /// Posts a multipart form with text fields and one file.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Page {
        let boundary = "cogov-page-boundary";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        let (field, name, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let resp = self
            .app
            .client
            .post(path)
            .header("cookie", self.cookie_header())
            .content_type(format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await;
        self.finish(resp).await
    }

    /// Signs in through the login form; returns the response to the POST.
    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        self.post(
            "/login",
            &[
                ("csrf_token", &csrf),
                ("email", email),
                ("password", password),
                ("next", "/account"),
            ],
        )
        .await
    }
}
