//! In a real browser (Chromium through ChromeDriver, driven by
//! fantoccini): the demo server as `cogov serve --demo` starts it, every
//! role's pages in both languages at a phone's width (390 px) and a
//! desktop's (1280 px). No page is wider than its window, none fails, none
//! shows a word of the other language's catalogue, and axe-core finds no
//! serious or critical accessibility violation on any of them.
//!
//! `.ci/run` installs Debian's `chromium` and `chromium-driver` and sets
//! `COGOV_BROWSER_TESTS=required`, so a missing browser fails there; on a
//! machine without one the tests say so and pass only when not required.
//! They drive the SQLite demo server, so the PostgreSQL run leaves them out.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether to run: a browser is here, and this is not the PostgreSQL run.
fn wanted() -> bool {
    if std::env::var("COGOV_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        return false;
    }
    let here =
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists();
    let required = std::env::var("COGOV_BROWSER_TESTS").is_ok_and(|v| v == "required");
    assert!(
        here || !required,
        "COGOV_BROWSER_TESTS=required but {CHROMEDRIVER} or {CHROMIUM} is missing"
    );
    if !here {
        eprintln!(
            "browser tests skipped: no {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
        );
    }
    here
}

/// Waits until `port` accepts connections.
async fn listening(port: u16) {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nothing listens on {port}");
}

/// The demo server and a ChromeDriver, for one test.
struct Stage {
    base: String,
    driver: String,
    _server: Running,
    _chromedriver: Running,
    _dir: tempfile::TempDir,
}

async fn stage() -> Stage {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Running(
        Command::new(env!("CARGO_BIN_EXE_cogov"))
            .args([
                "serve",
                "--demo",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir.path())
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cogov serve"),
    );
    let dport = free_port();
    let chromedriver = Running(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={dport}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver"),
    );
    listening(port).await;
    listening(dport).await;
    Stage {
        base: format!("http://127.0.0.1:{port}"),
        driver: format!("http://127.0.0.1:{dport}"),
        _server: server,
        _chromedriver: chromedriver,
        _dir: dir,
    }
}

/// A headless Chromium as wide as `width`, a phone's below 600 px.
async fn browser(stage: &Stage, width: u32) -> Client {
    let mut options = json!({
        "binary": CHROMIUM,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    options["mobileEmulation"] = json!({
        "deviceMetrics": {"width": width, "height": 900, "pixelRatio": 1.0, "mobile": width < 600}
    });
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    // ChromeDriver speaks plain HTTP on the loopback: no TLS needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&stage.driver)
        .await
        .expect("a browser session")
}

async fn sign_in(c: &Client, base: &str, email: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(cogov::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("main form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Lands on the task list.
    for _ in 0..300 {
        if c.current_url().await.unwrap().path() == "/tasks" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{email} did not land on /tasks");
}

/// What a page is: its width, its title, its text.
async fn look(c: &Client) -> (u64, String, String) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, document.title, document.body.innerText];",
            vec![],
        )
        .await
        .unwrap();
    (
        v[0].as_u64().unwrap(),
        v[1].as_str().unwrap().to_owned(),
        v[2].as_str().unwrap().to_owned(),
    )
}

/// axe-core's script (`COGOV_AXE_JS`, the path of `axe.min.js` from the npm
/// registry's `axe-core`), required with the browser.
fn axe_script() -> Option<String> {
    let path = std::env::var("COGOV_AXE_JS").ok().filter(|p| !p.is_empty());
    let required = std::env::var("COGOV_BROWSER_TESTS").is_ok_and(|v| v == "required");
    match path {
        Some(p) => Some(std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))),
        None => {
            assert!(
                !required,
                "COGOV_BROWSER_TESTS=required but COGOV_AXE_JS is not set"
            );
            eprintln!("accessibility checks skipped: COGOV_AXE_JS not set (npm install axe-core)");
            None
        }
    }
}

/// The serious and critical accessibility violations axe finds on the
/// page: rule, impact, and the first offending element.
async fn violations(c: &Client, axe: &str) -> Vec<String> {
    c.execute(axe, vec![]).await.unwrap();
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']}).then(r => done(
               r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ' (' + v.impact + '): ' + v.nodes[0].html.slice(0, 160))));",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Each identity's pages.
const TOURS: [(&str, &[&str]); 6] = [
    (
        "-",
        &[
            "/",
            "/projects",
            "/registry",
            "/grants",
            "/dashboard",
            "/login",
            "/signup",
            "/forgot-password",
        ],
    ),
    (
        "org-admin@demo.cogov.cn",
        &[
            "/tasks",
            "/my",
            "/my/organization",
            "/my/annual-reports",
            "/applications/new?kind=change",
            "/grants?mine=1",
            "/notifications",
            "/account",
        ],
    ),
    (
        "registrar@demo.cogov.cn",
        &["/tasks", "/registrar", "/registry", "/account"],
    ),
    (
        "purchaser@demo.cogov.cn",
        &[
            "/tasks",
            "/purchaser",
            "/projects/new",
            "/grants?mine=1",
            "/notifications",
        ],
    ),
    ("expert@demo.cogov.cn", &["/tasks", "/panels"]),
    (
        "admin@demo.cogov.cn",
        &[
            "/tasks",
            "/admin/users",
            "/admin/departments",
            "/admin/requirements",
            "/admin/outbox",
        ],
    ),
];

#[tokio::test]
async fn every_role_s_pages_fit_the_window_in_both_languages() {
    if !wanted() {
        return;
    }
    let stage = stage().await;
    let axe = axe_script();
    let english_only = ["Sign in", "Your tasks", "Projects", "Registry", "Dashboard"];
    for width in [390u32, 1280] {
        for lang in ["zh-CN", "en"] {
            for (who, pages) in TOURS {
                let c = browser(&stage, width).await;
                c.goto(&format!("{}/lang/{lang}?next=/", stage.base))
                    .await
                    .unwrap();
                if who != "-" {
                    sign_in(&c, &stage.base, who).await;
                }
                for page in pages {
                    c.goto(&format!("{}{page}", stage.base)).await.unwrap();
                    let (scroll, title, text) = look(&c).await;
                    let at = format!("{who} {lang} {width}px {page}");
                    assert!(scroll <= u64::from(width), "{at}: {scroll} px wide");
                    assert!(
                        !title.starts_with("4") && !title.starts_with("5"),
                        "{at}: {title}"
                    );
                    assert!(!text.contains("Internal Server Error"), "{at}");
                    // Accessibility: at a phone's width, in both languages.
                    if let Some(axe) = axe.as_deref().filter(|_| width < 600) {
                        let found = violations(&c, axe).await;
                        assert!(
                            found.is_empty(),
                            "{at}: serious accessibility violations: {found:?}"
                        );
                    }
                    if lang == "zh-CN" {
                        for word in english_only {
                            assert!(
                                !text.contains(word),
                                "{at}: English \"{word}\" on a Chinese page"
                            );
                        }
                    } else {
                        for word in ["登录", "待办事项", "购买服务项目", "登记查询"]
                        {
                            assert!(
                                !text.contains(word),
                                "{at}: Chinese \"{word}\" on an English page"
                            );
                        }
                    }
                }
                c.close().await.unwrap();
            }
        }
    }
}

/// Fills the field `id` with `text`.
async fn fill(c: &Client, id: &str, text: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Chooses `value` in the select `id`.
async fn choose(c: &Client, id: &str, value: &str) {
    c.find(Locator::Css(&format!("#{id} option[value='{value}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Presses the button of the form that posts to an action ending in `tail`,
/// and waits for the page it leads to.
async fn press(c: &Client, tail: &str) {
    click_through(c, &format!("form[action$='{tail}'] button[type=submit]")).await;
}

/// Follows the link to an address ending in `tail`, and waits for the page.
async fn follow(c: &Client, tail: &str) {
    click_through(c, &format!("main a[href$='{tail}']")).await;
}

/// Clicks what `css` finds and waits for the page it leads to: until the
/// document that had it is gone and the new one has loaded (polled, never
/// a fixed wait).
async fn click_through(c: &Client, css: &str) {
    c.execute("window.__cogovLeaving = true;", vec![])
        .await
        .unwrap();
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("nothing at {css}: {e}"))
        .click()
        .await
        .unwrap();
    for _ in 0..600 {
        let loaded = c
            .execute(
                "return window.__cogovLeaving === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await;
        if loaded.is_ok_and(|v| v == serde_json::Value::Bool(true)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} led nowhere");
}

/// The page's text, after checking it fits a phone.
async fn phone_text(c: &Client, at: &str) -> String {
    text_within(c, 390, at).await
}

/// The page's text, after checking it fits `width` and is no error page.
async fn text_within(c: &Client, width: u64, at: &str) -> String {
    let (scroll, title, text) = look(c).await;
    assert!(scroll <= width, "{at}: {scroll} px wide");
    assert!(
        !title.starts_with('4') && !title.starts_with('5'),
        "{at}: {title}\n{text}"
    );
    text
}

#[tokio::test]
async fn on_a_phone_a_newcomer_applies_with_materials_is_returned_fixes_and_is_approved() {
    if !wanted() {
        return;
    }
    let stage = stage().await;
    let base = stage.base.clone();
    let files = tempfile::tempdir().unwrap();
    let pdf = files.path().join("材料.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    .unwrap();

    // Signs up and lands on the task list after signing in.
    let me = browser(&stage, 390).await;
    me.goto(&format!("{base}/lang/zh-CN?next=/signup"))
        .await
        .unwrap();
    fill(&me, "email", "chenguang@example.cn").await;
    fill(&me, "display_name", "王芳").await;
    fill(&me, "password", "chenguang pass 2026").await;
    press(&me, "/signup").await;
    me.goto(&format!("{base}/login")).await.unwrap();
    fill(&me, "email", "chenguang@example.cn").await;
    fill(&me, "password", "chenguang pass 2026").await;
    press(&me, "/login").await;
    assert_eq!(me.current_url().await.unwrap().path(), "/tasks");

    // Applies: the draft, then each required document through the form.
    me.goto(&format!("{base}/applications/new?kind=registration"))
        .await
        .unwrap();
    fill(&me, "name", "北京市晨光养老服务中心").await;
    choose(&me, "org_type", "social_service_agency").await;
    choose(&me, "division_code", "110000").await;
    choose(&me, "field", "community_service").await;
    fill(&me, "address", "北京市东城区和平里1号").await;
    fill(&me, "legal_representative", "王芳").await;
    fill(&me, "business_scope", "居家养老服务").await;
    fill(&me, "funds_yuan", "50000").await;
    press(&me, "/applications").await;
    let app_url = me.current_url().await.unwrap().to_string();
    assert!(app_url.contains("/applications/"), "{app_url}");
    let text = phone_text(&me, "the draft").await;
    assert!(
        text.contains("申请材料清单") && text.contains("尚未上传"),
        "{text}"
    );
    for label in [
        "charter",
        "office_proof",
        "proof_of_funds",
        "legal_representative_id",
    ] {
        choose(&me, "label", label).await;
        me.find(Locator::Id("file"))
            .await
            .unwrap()
            .send_keys(pdf.to_str().unwrap())
            .await
            .unwrap();
        press(&me, "/documents").await;
    }
    let text = phone_text(&me, "materials attached").await;
    assert!(!text.contains("尚未上传"), "every item ticked: {text}");
    follow(&me, "/check").await;
    let text = phone_text(&me, "check your answers").await;
    assert!(
        text.contains("提交前请核对申请内容")
            && text.contains("北京市东城区和平里1号")
            && text.contains("材料.pdf"),
        "the answers and the materials, before sending: {text}"
    );
    press(&me, "/submit").await;
    let text = phone_text(&me, "submitted").await;
    assert!(text.contains("已提交"), "told what happened: {text}");

    // The registrar finds it among the tasks and returns it.
    let reg = browser(&stage, 390).await;
    reg.goto(&format!("{base}/lang/zh-CN?next=/"))
        .await
        .unwrap();
    sign_in(&reg, &base, "registrar@demo.cogov.cn").await;
    let text = phone_text(&reg, "registrar's tasks").await;
    assert!(text.contains("北京市晨光养老服务中心"), "{text}");
    reg.goto(&app_url).await.unwrap();
    fill(&reg, "return-reason", "请补充理事会成员名单").await;
    press(&reg, "/return").await;

    // The applicant sees the reason, and resubmits.
    me.goto(&app_url).await.unwrap();
    let text = phone_text(&me, "returned").await;
    assert!(text.contains("请补充理事会成员名单"), "{text}");
    follow(&me, "/check").await;
    press(&me, "/submit").await;

    // Approved after confirming, with the code it shows.
    reg.goto(&app_url).await.unwrap();
    let text = phone_text(&reg, "to decide").await;
    assert!(text.contains("批准后将发放的统一社会信用代码"), "{text}");
    press(&reg, "/approve").await;
    let text = phone_text(&reg, "confirm").await;
    assert!(text.contains("确认批准这份申请"), "{text}");
    press(&reg, "/approve").await;
    let text = phone_text(&reg, "approved").await;
    assert!(text.contains("已批准"), "{text}");

    // In the public registry.
    let public = browser(&stage, 390).await;
    public
        .goto(&format!(
            "{base}/lang/zh-CN?next=/registry%3Fq%3D%25E6%2599%25A8%25E5%2585%2589"
        ))
        .await
        .unwrap();
    let text = phone_text(&public, "the registry").await;
    assert!(text.contains("北京市晨光养老服务中心"), "{text}");
    for c in [me, reg, public] {
        c.close().await.unwrap();
    }
}

/// Clicks every element `css` finds (radio buttons of a form).
async fn click_all(c: &Client, css: &str) {
    for e in c.find_all(Locator::Css(css)).await.unwrap() {
        e.click().await.unwrap();
    }
}

/// Fills every field `css` finds with `text`.
async fn fill_all(c: &Client, css: &str, text: &str) {
    for e in c.find_all(Locator::Css(css)).await.unwrap() {
        e.send_keys(text).await.unwrap();
    }
}

/// A browser in `lang` at `width`, signed in as `who`.
async fn signed_in(stage: &Stage, width: u32, lang: &str, who: &str) -> Client {
    let c = browser(stage, width).await;
    c.goto(&format!("{}/lang/{lang}?next=/", stage.base))
        .await
        .unwrap();
    sign_in(&c, &stage.base, who).await;
    c
}

#[tokio::test]
async fn a_bid_is_checked_and_sealed_an_expert_declares_and_scores_a_report_is_reviewed() {
    if !wanted() {
        return;
    }
    let stage = stage().await;
    let base = stage.base.clone();

    // An organization bids from its workspace on a phone, in Chinese: the
    // open projects, one, the form, "check your answers", sealed.
    let org = signed_in(&stage, 390, "zh-CN", "bidder-4@demo.cogov.cn").await;
    org.goto(&format!("{base}/projects?status=open"))
        .await
        .unwrap();
    let text = phone_text(&org, "open projects").await;
    assert!(text.contains("征集中"), "{text}");
    click_through(&org, "main table a[href^='/projects/']").await;
    fill(&org, "price_yuan", "1000000").await;
    fill(&org, "technical_proposal", "分片包干，上门评估，个案管理").await;
    fill(&org, "team", "社工 5 人").await;
    fill(&org, "plan", "四月启动，按月回访").await;
    press(&org, "/bids/check").await;
    let text = phone_text(&org, "check the bid").await;
    assert!(
        text.contains("提交前请核对投标内容")
            && text.contains("1,000,000.00")
            && text.contains("分片包干，上门评估，个案管理"),
        "{text}"
    );
    press(&org, "/bids").await;
    let text = phone_text(&org, "sealed").await;
    assert!(
        text.contains("投标文件已密封提交") && text.contains("投标回执"),
        "{text}"
    );

    // An expert, in English on a wide screen: the task, the declaration,
    // the score sheet, submitted.
    let expert = signed_in(&stage, 1280, "en", "expert@demo.cogov.cn").await;
    expert.goto(&format!("{base}/tasks")).await.unwrap();
    let text = text_within(&expert, 1280, "the expert's tasks").await;
    assert!(text.contains("Conflict declarations to make"), "{text}");
    follow(&expert, "/evaluation").await;
    click_all(&expert, "form[action$='/declarations'] input[value='none']").await;
    press(&expert, "/declarations").await;
    let text = text_within(&expert, 1280, "declared").await;
    assert!(text.contains("Your declarations were saved"), "{text}");
    fill_all(&expert, "form[action$='/scores'] input[id^='p-']", "25").await;
    fill_all(
        &expert,
        "form[action$='/scores'] textarea[id^='c-']",
        "Sound plan, experienced team.",
    )
    .await;
    click_through(&expert, "form[action$='/scores'] button[name='submit']").await;
    let text = text_within(&expert, 1280, "scored").await;
    assert!(
        text.contains("Your scores were saved")
            && text.contains("Your sheet is submitted and can no longer change"),
        "{text}"
    );

    // A grantee accepts its grant and reports, on a phone in English; the
    // purchaser reviews it on a wide screen in Chinese.
    let grantee = signed_in(&stage, 390, "en", "bidder-2@demo.cogov.cn").await;
    grantee.goto(&format!("{base}/tasks")).await.unwrap();
    click_through(&grantee, "main a[href^='/grants/']").await;
    let grant = grantee.current_url().await.unwrap().to_string();
    assert!(grant.contains("/grants/"), "{grant}");
    press(&grantee, "/accept").await;
    let text = phone_text(&grantee, "accepted").await;
    assert!(text.contains("Accepted"), "{text}");
    let report = grantee
        .find(Locator::Css(
            "form[action$='/submit'] textarea[name='body']",
        ))
        .await
        .unwrap();
    report
        .send_keys("First quarter: 120 households assessed, 36 visited weekly.")
        .await
        .unwrap();
    press(&grantee, "/submit").await;
    let text = phone_text(&grantee, "reported").await;
    assert!(text.contains("120 households assessed"), "{text}");

    let buyer = signed_in(&stage, 1280, "zh-CN", "purchaser@demo.cogov.cn").await;
    buyer.goto(&format!("{base}/tasks")).await.unwrap();
    let text = text_within(&buyer, 1280, "the purchaser's tasks").await;
    assert!(text.contains("待审核的项目报告"), "{text}");
    buyer.goto(&grant).await.unwrap();
    press(&buyer, "/review").await;
    let text = text_within(&buyer, 1280, "reviewed").await;
    assert!(text.contains("审核结果已保存并通知对方"), "{text}");
    for c in [org, expert, grantee, buyer] {
        c.close().await.unwrap();
    }
}
