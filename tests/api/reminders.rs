//! Reminders and the outbox on both databases, with a moved clock: a grant
//! awaiting acceptance, reports due within 7 days and overdue, returned
//! reports; each once per recipient however often the job runs; mail
//! delivered, retried with backoff and given up on; the notification API
//! and pages with their refusals.

use crate::common::procurement::awarded;
use crate::common::{PASSWORD, TestApp, json, spawn};
use chrono::{DateTime, Duration, TimeZone, Utc};
use cogov::auth::Role;
use cogov::clock::Clock;
use cogov::grants::reminders;
use cogov::notifications::mail::{self, Delivery, MailSettings, Postman};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

/// 09:00 Beijing on the given day of 2026.
fn beijing_morning(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 1, 0, 0).unwrap()
}

async fn remind(app: &TestApp) -> u64 {
    reminders::run(app.db(), "test", app.clock.now())
        .await
        .unwrap()
        .expect("the lease is free")
        .notifications
}

async fn notifications_of(app: &TestApp, email: &str) -> Vec<entity::notifications::Model> {
    let user = entity::users::Entity::find()
        .filter(entity::users::Column::Email.eq(email))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    entity::notifications::Entity::find()
        .filter(entity::notifications::Column::UserId.eq(user.id))
        .order_by_asc(entity::notifications::Column::Id)
        .all(app.db().conn())
        .await
        .unwrap()
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    entity::audit_entries::Entity::find()
        .filter(entity::audit_entries::Column::Action.eq(action))
        .count(app.db().conn())
        .await
        .unwrap()
}

/// The decoded text of a stored `.eml` (lettre base64-encodes Chinese).
pub(crate) fn mail_body(raw: &str) -> String {
    use base64::Engine as _;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("Content-Transfer-Encoding: base64"), "{head}");
    let compact: String = body.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

pub(crate) fn dir_postman(dir: &std::path::Path) -> Postman {
    Postman::new(&MailSettings {
        dir: Some(dir.to_path_buf()),
        from: "cogov <noreply@cogov.test>".into(),
        public_url: Some("https://cogov.example.cn".into()),
        ..MailSettings::default()
    })
    .unwrap()
}

/// The awarded grant, a second person in the winning organization, and
/// tokens: (grant id, winner admin token, member write token, buyer token).
async fn grant_with_member(app: &TestApp) -> (String, String, String, String) {
    let (e, g) = awarded(app).await;
    // The reminders start from a clean slate: what the evaluation and the
    // offer told (tested in `decisions`) is forgotten, so the job's own
    // messages are the only ones here.
    entity::outbox::Entity::delete_many()
        .exec(app.db().conn())
        .await
        .unwrap();
    entity::notifications::Entity::delete_many()
        .exec(app.db().conn())
        .await
        .unwrap();
    let member = app
        .user_in(
            "member3@org.cn",
            Role::OrgMember,
            None,
            Some(e.bidders[2].organization_id),
        )
        .await;
    let member_token = app.token(&member, true).await;
    (
        g["id"].as_str().unwrap().to_owned(),
        e.bidders[2].token.clone(),
        member_token,
        e.world.buyer.clone(),
    )
}

#[tokio::test]
async fn reminders_reach_the_organization_once_each_however_often_the_job_runs() {
    let app = spawn().await;
    let (grant, admin, member, buyer) = grant_with_member(&app).await;

    // Awaiting acceptance: the org admin is told once; members are not.
    assert_eq!(remind(&app).await, 1);
    assert_eq!(remind(&app).await, 0, "a second run sends nothing again");
    app.clock.advance(Duration::days(3));
    assert_eq!(remind(&app).await, 0);
    let to_admin = notifications_of(&app, "admin3@org.cn").await;
    assert_eq!(to_admin.len(), 1);
    assert_eq!(to_admin[0].kind, "grant_awaiting_acceptance");
    assert_eq!(to_admin[0].link, format!("/grants/{grant}"));
    assert!(notifications_of(&app, "member3@org.cn").await.is_empty());
    assert_eq!(audit_count(&app, "grant.remind").await, 1);

    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/accept"),
            Some(&admin),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);

    // The first progress report is due on 1 July: nothing 8 days ahead,
    // then one "due soon" to both people, however many days it stays due soon.
    app.clock.set(beijing_morning(6, 23));
    assert_eq!(remind(&app).await, 0);
    app.clock.set(beijing_morning(6, 24));
    assert_eq!(remind(&app).await, 2);
    assert_eq!(remind(&app).await, 0);
    app.clock.set(beijing_morning(7, 1));
    assert_eq!(
        remind(&app).await,
        0,
        "due today is still the same reminder"
    );

    // Overdue: on the first late day, then weekly.
    app.clock.set(beijing_morning(7, 2));
    assert_eq!(remind(&app).await, 2);
    app.clock.set(beijing_morning(7, 8));
    assert_eq!(remind(&app).await, 0);
    app.clock.set(beijing_morning(7, 9));
    assert_eq!(remind(&app).await, 2);
    assert_eq!(remind(&app).await, 0);
    let kinds: Vec<String> = notifications_of(&app, "member3@org.cn")
        .await
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(
        kinds,
        ["report_due_soon", "report_overdue", "report_overdue"]
    );
    assert_eq!(audit_count(&app, "report.remind").await, 3);

    // Two servers at once: the lease and the dedup keys keep it to one each.
    app.clock.set(beijing_morning(7, 16));
    let now = app.clock.now();
    let (a, b) = tokio::join!(
        reminders::run(app.db(), "server-a", now),
        reminders::run(app.db(), "server-b", now),
    );
    let created: u64 = [a.unwrap(), b.unwrap()]
        .into_iter()
        .flatten()
        .map(|r| r.notifications)
        .sum();
    assert_eq!(created, 2);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(remind(&app).await, 0);

    // A submitted report is no longer chased.
    let (_, g) = json(app.get(&format!("/api/v1/grants/{grant}"), None).await).await;
    let first_progress = g["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["due_on"] == "2026-07-01")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grant-reports/{first_progress}/submit"),
            Some(&member),
            json!({"body": "第一季度已服务 120 户老人。", "people_served": 120, "spending_fen": 5_000_000}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    app.clock.set(beijing_morning(7, 23));
    assert_eq!(remind(&app).await, 0, "the submitted report is not overdue");

    // Returned for changes: everyone in the organization is told at once, with the note.
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grant-reports/{first_progress}/review"),
            Some(&buyer),
            json!({"accept": false, "note": "请补充服务对象名单"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let returned: Vec<_> = notifications_of(&app, "member3@org.cn")
        .await
        .into_iter()
        .filter(|n| n.kind == "report_returned")
        .collect();
    assert_eq!(returned.len(), 1);
    assert!(returned[0].params.contains("请补充服务对象名单"));
    assert_eq!(
        notifications_of(&app, "admin3@org.cn")
            .await
            .iter()
            .filter(|n| n.kind == "report_returned")
            .count(),
        1
    );
    // Returned and past its date, it is overdue again: the next weekly round comes.
    app.clock.set(beijing_morning(7, 30));
    assert_eq!(remind(&app).await, 2);

    // Every notification is queued as mail once, sent once.
    let dir = tempfile::tempdir().unwrap();
    let postman = dir_postman(dir.path());
    let queued = entity::outbox::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(queued, 1 + 2 + 2 + 2 + 2 + 2 + 2);
    let d = mail::deliver(app.db(), &postman, "test", app.clock.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        d,
        Delivery {
            sent: queued,
            retrying: 0,
            failed: 0
        }
    );
    let again = mail::deliver(app.db(), &postman, "test", app.clock.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, Delivery::default());
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert_eq!(files.len() as u64, queued);
    let to_member: Vec<&String> = files
        .iter()
        .filter(|m| m.contains("To: member3@org.cn"))
        .collect();
    assert_eq!(to_member.len(), 6);
    let bodies: Vec<String> = to_member.iter().map(|m| mail_body(m)).collect();
    assert!(
        bodies
            .iter()
            .all(|b| b.contains(&format!("https://cogov.example.cn/grants/{grant}"))),
        "mails link to the grant"
    );
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("逾期 15 天") && b.contains("15 day(s) overdue")),
        "in Chinese and English: {bodies:?}"
    );
}

#[tokio::test]
async fn failed_mail_is_retried_with_backoff_then_given_up() {
    let app = spawn().await;
    let _ = grant_with_member(&app).await;
    assert_eq!(remind(&app).await, 1);
    // Nothing listens on port 1 of the loopback: every attempt fails.
    let postman = Postman::new(&MailSettings {
        smtp_url: Some("smtp://127.0.0.1:1".into()),
        from: "cogov <noreply@cogov.test>".into(),
        ..MailSettings::default()
    })
    .unwrap();
    let attempt = |app: &TestApp| {
        let now = app.clock.now();
        let db = app.db().clone();
        let postman = &postman;
        async move {
            mail::deliver(&db, postman, "test", now)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let mail_row = async |app: &TestApp| {
        entity::outbox::Entity::find()
            .one(app.db().conn())
            .await
            .unwrap()
            .unwrap()
    };
    for (n, wait) in [1, 4, 16, 64, 256].into_iter().enumerate() {
        let d = attempt(&app).await;
        assert_eq!(
            (d.retrying, d.sent, d.failed),
            (1, 0, 0),
            "attempt {}",
            n + 1
        );
        let row = mail_row(&app).await;
        assert_eq!(row.attempts, i32::try_from(n + 1).unwrap());
        assert!(row.last_error.is_some());
        assert_eq!(
            row.next_attempt_at,
            app.clock.now() + Duration::minutes(wait)
        );
        // Not due again before its time.
        app.clock
            .advance(Duration::minutes(wait) - Duration::seconds(1));
        assert_eq!(attempt(&app).await, Delivery::default());
        app.clock.advance(Duration::seconds(1));
    }
    let d = attempt(&app).await;
    assert_eq!(d.failed, 1, "the sixth failure gives up");
    let row = mail_row(&app).await;
    assert_eq!(
        (row.status, row.attempts),
        (mail::Status::Failed, mail::MAX_ATTEMPTS)
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(attempt(&app).await, Delivery::default());
}

async fn get_lang(app: &TestApp, path: &str, token: &str, lang: &str) -> (u16, Value) {
    json(
        app.client
            .get(path)
            .header("authorization", format!("Bearer {token}"))
            .header("accept-language", lang)
            .send()
            .await,
    )
    .await
}

#[tokio::test]
async fn people_read_and_mark_only_their_own_notifications() {
    let app = spawn().await;
    let (grant, admin, member, _) = grant_with_member(&app).await;
    assert_eq!(remind(&app).await, 1);
    let (s, _) = json(
        app.post_json(
            &format!("/api/v1/grants/{grant}/accept"),
            Some(&admin),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    app.clock.set(beijing_morning(6, 26));
    assert_eq!(remind(&app).await, 2);
    app.clock.set(beijing_morning(7, 3));
    assert_eq!(remind(&app).await, 2);

    // The list: newest first, in the asked language, with the facts.
    let (s, page) = get_lang(&app, "/api/v1/me/notifications", &admin, "en").await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["unread"], 3);
    let items = page["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "report_overdue",
            "report_due_soon",
            "grant_awaiting_acceptance"
        ]
    );
    assert_eq!(items[0]["days"], 2);
    assert_eq!(items[0]["due_on"], "2026-07-01");
    assert_eq!(items[0]["report_kind"], "progress");
    let message = items[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Progress report") && message.contains("2 day(s) overdue"),
        "{message}"
    );
    let (_, zh) = get_lang(&app, "/api/v1/me/notifications", &admin, "zh-CN").await;
    assert!(
        zh["items"][0]["message"]
            .as_str()
            .unwrap()
            .contains("逾期 2 天")
    );
    let (_, one) = json(
        app.get("/api/v1/me/notifications?limit=1", Some(&admin))
            .await,
    )
    .await;
    let cursor = one["next_cursor"].as_str().unwrap();
    let (_, rest) = json(
        app.get(
            &format!("/api/v1/me/notifications?limit=5&cursor={cursor}"),
            Some(&admin),
        )
        .await,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);

    // Marking: one's own only; read-only tokens may not; twice is harmless.
    let theirs = items[0]["id"].as_str().unwrap();
    let read = format!("/api/v1/me/notifications/{theirs}/read");
    let (s, _) = json(app.post_json(&read, Some(&member), json!({})).await).await;
    assert_eq!(s, 404, "another person's notification is not found");
    let admin_user = entity::users::Entity::find()
        .filter(entity::users::Column::Email.eq("admin3@org.cn"))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let read_only = app.token(&admin_user, false).await;
    let (s, _) = json(app.post_json(&read, Some(&read_only), json!({})).await).await;
    assert_eq!(s, 403);
    let (s, n) = json(app.post_json(&read, Some(&admin), json!({})).await).await;
    assert_eq!(s, 200);
    let first_read = n["read_at"].clone();
    assert!(first_read.is_string());
    app.clock.advance(Duration::minutes(5));
    let (_, n) = json(app.post_json(&read, Some(&admin), json!({})).await).await;
    assert_eq!(
        n["read_at"], first_read,
        "reading again keeps the first time"
    );
    let (_, unread) = json(
        app.get("/api/v1/me/notifications?unread=true", Some(&admin))
            .await,
    )
    .await;
    assert_eq!(unread["items"].as_array().unwrap().len(), 2);
    assert_eq!(unread["unread"], 2);
    let (s, marked) = json(
        app.post_json("/api/v1/me/notifications/read-all", Some(&admin), json!({}))
            .await,
    )
    .await;
    assert_eq!((s, marked["marked"].as_u64()), (200, Some(2)));
    let (_, member_page) = json(app.get("/api/v1/me/notifications", Some(&member)).await).await;
    assert_eq!(member_page["unread"], 2, "the member's stay unread");
    assert_eq!(
        app.get("/api/v1/me/notifications", None).await.0.status(),
        401
    );
    let (s, _) = json(
        app.get("/api/v1/me/notifications?limit=0", Some(&admin))
            .await,
    )
    .await;
    assert_eq!(s, 400);

    // The pages: the count in the menu, the list, opening marks read and goes there.
    let mut browser = app.browser();
    browser.login("member3@org.cn", PASSWORD).await;
    let page = browser.get("/notifications").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<span class=\"count unread\""),
        "unread count in the menu"
    );
    assert!(page.body.contains("逾期 2 天"), "{}", page.body);
    let member_items = notifications_of(&app, "member3@org.cn").await;
    let newest = member_items.iter().max_by_key(|n| n.id).unwrap();
    let csrf = page.csrf();
    let opened = browser
        .post(
            &format!("/notifications/{}/open", newest.id),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(opened.status, 303);
    assert_eq!(opened.location.as_deref(), Some(newest.link.as_str()));
    let theirs_page = browser
        .post(
            &format!("/notifications/{theirs}/open"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(theirs_page.status, 404);
    let forged = browser
        .post("/notifications/read-all", &[("csrf_token", "forged")])
        .await;
    assert_eq!(forged.status, 403);
    let all = browser
        .post("/notifications/read-all", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(all.status, 303);
    let page = browser.get("/notifications").await;
    assert!(
        !page.body.contains("<span class=\"count unread\""),
        "nothing unread"
    );

    // The outbox page: admins and auditors only.
    assert_eq!(browser.get("/admin/outbox").await.status, 403);
    app.user("ops@cogov.cn", Role::Admin).await;
    let mut ops = app.browser();
    ops.login("ops@cogov.cn", PASSWORD).await;
    let outbox = ops.get("/admin/outbox?status=pending").await;
    assert_eq!(outbox.status, 200);
    assert!(outbox.body.contains("member3@org.cn"), "{}", outbox.body);
}
