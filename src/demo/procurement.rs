//! Demo procurement: projects of the demo department in every state (draft;
//! open with sealed bids, questions and an amendment; evaluating, with four
//! of five experts' sheets in and `expert@demo.cogov.cn` still to declare
//! and score; notice, with an open challenge; awarded, after a dismissed
//! challenge; failed; cancelled), with bids from demo organizations that
//! have their own accounts (`bidder-N@demo.cogov.cn`) and a pool of demo
//! experts (`expert-N@demo.cogov.cn`); and awarded projects whose grants
//! are in every state ([`super::grants`]). Past steps run at past instants,
//! through the same functions as the API.

use chrono::{DateTime, Duration, Utc};
use entity::{organizations, projects as project_rows, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::DEMO_PASSWORD;
use crate::auth::users::NewUser;
use crate::auth::{Actor, Role, Via};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::procurement::award;
use crate::procurement::bids::{self, BidInput};
use crate::procurement::catalog;
use crate::procurement::challenges::{self, Decision};
use crate::procurement::projects::{self, ProjectInput};
use crate::procurement::rules::{Criterion, Method, Rule};
use crate::procurement::{panels, scoring};

async fn actor(db: &Db, email: &str) -> Result<Actor> {
    let u = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(db.conn())
        .await?
        .ok_or_else(|| Error::Internal(format!("demo account {email} missing")))?;
    Actor::from_user(&u, Via::Session).ok_or_else(|| Error::Internal("demo role".into()))
}

/// Accounts for five eligible demo organizations (active, no listing, a valid grade of 3A or better).
async fn bidders(db: &Db, now: DateTime<Utc>) -> Result<Vec<Actor>> {
    let today = crate::clock::china_date(now);
    let orgs = organizations::Entity::find()
        .filter(organizations::Column::Status.eq(organizations::Status::Active))
        .filter(organizations::Column::CreditStatus.eq("none"))
        .filter(organizations::Column::Grade.gte(3))
        .filter(organizations::Column::GradeValidUntil.gte(today))
        .order_by_asc(organizations::Column::Id)
        .limit(5)
        .all(db.conn())
        .await?;
    let mut out = Vec::new();
    for (n, org) in orgs.iter().enumerate() {
        let email = format!("bidder-{}@demo.cogov.cn", n + 1);
        let exists = users::Entity::find()
            .filter(users::Column::Email.eq(email.clone()))
            .count(db.conn())
            .await?
            > 0;
        if !exists {
            crate::auth::users::create(
                db,
                None,
                NewUser {
                    email: email.clone(),
                    display_name: format!("{}负责人", org.name),
                    password: DEMO_PASSWORD.into(),
                    role: Role::OrgAdmin,
                    department_id: None,
                    organization_id: Some(org.id),
                },
                now,
            )
            .await?;
        }
        out.push(actor(db, &email).await?);
    }
    Ok(out)
}

/// The demo expert pool: the printed `expert@demo.cogov.cn` and four more.
async fn experts(db: &Db, now: DateTime<Utc>) -> Result<Vec<Actor>> {
    const NAMES: [&str; 4] = ["王磊", "孙丽", "周强", "吴芳"];
    let mut out = vec![actor(db, "expert@demo.cogov.cn").await?];
    for (n, name) in NAMES.iter().enumerate() {
        let email = format!("expert-{}@demo.cogov.cn", n + 2);
        let exists = users::Entity::find()
            .filter(users::Column::Email.eq(email.clone()))
            .count(db.conn())
            .await?
            > 0;
        if !exists {
            crate::auth::users::create(
                db,
                None,
                NewUser {
                    email: email.clone(),
                    display_name: format!("{name} (评审专家)"),
                    password: DEMO_PASSWORD.into(),
                    role: Role::Expert,
                    department_id: None,
                    organization_id: None,
                },
                now,
            )
            .await?;
        }
        out.push(actor(db, &email).await?);
    }
    Ok(out)
}

/// An expert declares no conflict about every bidder, scores every
/// eligible bid (varied, within each weight) and submits the sheet.
async fn score_sheet(
    db: &Db,
    expert: &Actor,
    project: &projects::Project,
    k: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    let id = project.row.id;
    let (_, entries) = bids::opening_record(db, id).await?;
    for e in &entries {
        panels::declare(db, expert, id, e.organization_id, false, None, at).await?;
    }
    for (n, e) in entries.iter().filter(|e| e.eligible).enumerate() {
        let n = i64::try_from(n).unwrap_or(0);
        for (i, c) in project.criteria.iter().enumerate() {
            if c.is_price {
                continue;
            }
            let max = i64::from(c.weight) * 100;
            let points =
                max * (70 + (n * 7 + k * 3 + i64::try_from(i).unwrap_or(0) * 5) % 25) / 100;
            let comment = if points * 100 >= max * 85 {
                "方案完整，措施具体，团队经验丰富。"
            } else {
                "基本满足要求，个别环节不够细化。"
            };
            let mark = scoring::Mark {
                bid_id: e.bid_id,
                criterion_index: i,
                points,
                comment,
            };
            scoring::score(db, expert, id, mark, at).await?;
        }
    }
    scoring::submit_sheet(db, expert, id, at).await
}

/// Creates and publishes a project at `at`; then `bidders` bid, the n-th
/// (from 0) `step` fen below `first`, at `bid_at(n)`.
async fn tender(
    db: &Db,
    buyer: &Actor,
    input: ProjectInput,
    at: DateTime<Utc>,
    bidders: &[Actor],
    (first, step): (i64, i64),
    bid_at: impl Fn(i64) -> DateTime<Utc>,
) -> Result<projects::Project> {
    let p = projects::create(db, buyer, input, at).await?;
    projects::publish(db, buyer, p.row.id, at).await?;
    for (n, b) in (0_i64..).zip(bidders) {
        let bid_input = bid(first - n * step, usize::try_from(n).unwrap_or(0));
        bids::submit(db, b, p.row.id, bid_input, bid_at(n)).await?;
    }
    Ok(p)
}

/// A public tender taken at past instants from `t` through bids, the
/// panel's sheets, the award to rank 1 and a closed challenge window;
/// returns the grant the award job created.
async fn awarded_grant(
    db: &Db,
    buyer: &Actor,
    experts: &[Actor],
    bidders: &[Actor],
    input: ProjectInput,
    t: DateTime<Utc>,
    prices: (i64, i64),
) -> Result<Uuid> {
    let deadline = input.bid_deadline;
    let p = tender(db, buyer, input, t, bidders, prices, |n| {
        t + Duration::days(3 + n)
    })
    .await?;
    bids::open_project(db, p.row.id, deadline).await?;
    let panel: Vec<Uuid> = experts.iter().map(|e| e.user_id).collect();
    panels::assign(db, buyer, p.row.id, &panel, deadline - Duration::days(3)).await?;
    let p = projects::get(db, Some(buyer), p.row.id).await?;
    for (k, expert) in (0_i64..).zip(experts) {
        score_sheet(db, expert, &p, k + 1, deadline + Duration::days(2)).await?;
    }
    let first = scoring::ranking(db, buyer, p.row.id)
        .await?
        .first()
        .map(|r| r.key)
        .ok_or_else(|| Error::Internal("demo tender has no ranking".into()))?;
    award::propose(
        db,
        buyer,
        p.row.id,
        first,
        None,
        deadline + Duration::days(4),
    )
    .await?;
    award::finalize(db, p.row.id, deadline + Duration::days(30)).await?;
    let (grants, _) = crate::grants::service::list(
        db,
        Some(buyer),
        &crate::grants::service::Filter {
            project_id: Some(p.row.id),
            ..Default::default()
        },
        &crate::pagination::PageRequest::parse(None, None)?,
    )
    .await?;
    grants
        .first()
        .map(|g| g.row.id)
        .ok_or_else(|| Error::Internal("demo award made no grant".into()))
}

fn criteria(price: u32) -> Vec<Criterion> {
    vec![
        Criterion {
            name: "服务方案".into(),
            weight: 60 - price.min(60),
            is_price: false,
        },
        Criterion {
            name: "团队与经验".into(),
            weight: 40,
            is_price: false,
        },
        Criterion {
            name: "价格".into(),
            weight: price,
            is_price: true,
        },
    ]
}

fn bid(price_fen: i64, n: usize) -> BidInput {
    BidInput {
        price_fen,
        technical_proposal: format!("方案 {n}：分片包干、上门评估、个案管理、月度回访。"),
        team: "项目主管 1 人，持证社工 4 人，护理员 8 人".into(),
        plan: "第一个月完成需求评估，之后按周上门服务，季度总结。".into(),
        file_ids: Vec::new(),
    }
}

/// Seeds the demo projects once (nothing when the demo department has any).
///
/// # Errors
/// The database's error, or a rule the demo data breaks (a bug).
pub async fn seed(db: &Db, department: Uuid, now: DateTime<Utc>) -> Result<()> {
    let existing = project_rows::Entity::find()
        .filter(project_rows::Column::DepartmentId.eq(department))
        .count(db.conn())
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let buyer = actor(db, "purchaser@demo.cogov.cn").await?;
    let bidders = bidders(db, now).await?;
    let cats = catalog::list(db, true).await?;
    let cat = |code: &str| {
        cats.iter()
            .find(|c| c.code == code)
            .map_or(Uuid::nil(), |c| c.id)
    };
    let days = Duration::days;
    let input = |title: &str,
                 code: &str,
                 method: Method,
                 budget_yuan: i64,
                 deadline: DateTime<Utc>,
                 price: u32,
                 rules: Vec<Rule>| {
        // Service begins well after the award (evaluation, the notice period and a
        // challenge take about five weeks in the demo), as it would in life.
        let start = crate::clock::china_date(deadline) + chrono::Days::new(45);
        ProjectInput {
            title: title.into(),
            description: format!("{title}：面向辖区居民提供专业服务，服务期一年，按季度考核。"),
            category_id: cat(code),
            region_code: "110105".into(),
            budget_fen: budget_yuan * 100,
            method,
            service_start: start,
            service_end: start
                .checked_add_months(chrono::Months::new(12))
                .and_then(|d| d.pred_opt())
                .unwrap_or(start),
            eligibility: rules,
            criteria: criteria(price),
            bid_deadline: deadline,
        }
    };

    // Draft.
    projects::create(
        db,
        &buyer,
        input(
            "朝阳区社区心理健康服务项目（草稿）",
            "G02",
            Method::PublicTender,
            600_000,
            now + days(40),
            20,
            vec![],
        ),
        now,
    )
    .await?;

    // Open, with sealed bids, a question answered and an amendment.
    let t0 = now - days(3);
    let open = tender(
        db,
        &buyer,
        input(
            "朝阳区居家养老上门服务项目",
            "A01",
            Method::PublicTender,
            1_200_000,
            now + days(25),
            20,
            vec![Rule::MinGrade { grade: 3 }],
        ),
        t0,
        &bidders[..bidders.len().min(3)],
        (110_000_000, 3_000_000),
        |n| t0 + Duration::hours(6 + n),
    )
    .await?;
    if let Some(asker) = bidders.first() {
        let q = projects::ask(
            db,
            asker,
            open.row.id,
            "服务对象是否包括低保家庭中的失能老人？",
            t0 + days(1),
        )
        .await?;
        projects::answer(
            db,
            &buyer,
            open.row.id,
            q.id,
            "包括，名单将在合同签订后提供。",
            t0 + days(2),
        )
        .await?;
    }
    projects::amend(
        db,
        &buyer,
        open.row.id,
        "补充说明：服务区域包括朝阳区全部 43 个街乡。",
        None,
        t0 + days(2),
    )
    .await?;

    // Evaluating: bids opened at a past deadline.
    let t1 = now - days(60);
    let eval = tender(
        db,
        &buyer,
        input(
            "朝阳区社区日间照料中心运营项目",
            "A02",
            Method::PublicTender,
            2_000_000,
            t1 + days(25),
            30,
            vec![Rule::NotAbnormal],
        ),
        t1,
        &bidders,
        (190_000_000, 5_000_000),
        |_| t1 + days(5),
    )
    .await?;
    bids::open_project(db, eval.row.id, t1 + days(25)).await?;
    let experts = experts(db, now).await?;
    let panel: Vec<Uuid> = experts.iter().map(|e| e.user_id).collect();
    panels::assign(db, &buyer, eval.row.id, &panel, t1 + days(20)).await?;
    let eval = projects::get(db, Some(&buyer), eval.row.id).await?;
    for (k, expert) in experts.iter().enumerate().skip(1) {
        score_sheet(db, expert, &eval, k as i64, t1 + days(27)).await?;
    }

    // Notice: awarded to rank 1 yesterday, one bidder has challenged.
    let t4 = now - days(30);
    let notice = tender(
        db,
        &buyer,
        input(
            "朝阳区困境儿童关爱服务项目",
            "E01",
            Method::PublicTender,
            800_000,
            t4 + days(21),
            30,
            vec![Rule::MinGrade { grade: 3 }],
        ),
        t4,
        &bidders[..bidders.len().min(4)],
        (76_000_000, 2_500_000),
        |n| t4 + days(3 + n),
    )
    .await?;
    bids::open_project(db, notice.row.id, t4 + days(21)).await?;
    panels::assign(db, &buyer, notice.row.id, &panel, t4 + days(15)).await?;
    let notice = projects::get(db, Some(&buyer), notice.row.id).await?;
    for (k, expert) in experts.iter().enumerate() {
        score_sheet(db, expert, &notice, k as i64, t4 + days(23)).await?;
    }
    let best = scoring::ranking(db, &buyer, notice.row.id).await?;
    if let Some(first) = best.first() {
        award::propose(db, &buyer, notice.row.id, first.key, None, now - days(1)).await?;
    }
    // The runner-up challenges the scoring.
    let (_, entries) = bids::opening_record(db, notice.row.id).await?;
    let runner_up = best
        .get(1)
        .and_then(|r| entries.iter().find(|e| e.bid_id == r.key))
        .and_then(|e| {
            bidders
                .iter()
                .find(|b| b.organization_id == Some(e.organization_id))
        });
    if let Some(who) = runner_up {
        challenges::file_challenge(
            db,
            who,
            notice.row.id,
            "我机构在服务方案一项的得分明显偏低，评审未考虑我机构已在本区开展三年同类服务的经验，请求复核。",
            &[],
            now - days(1) + Duration::hours(5),
        )
        .await?;
    }

    // Awarded: the window closed after a dismissed challenge.
    let t5 = now - days(75);
    let awarded = tender(
        db,
        &buyer,
        input(
            "朝阳区社区社会工作服务站运营项目",
            "C01",
            Method::PublicTender,
            1_500_000,
            t5 + days(22),
            20,
            vec![Rule::MinGrade { grade: 3 }],
        ),
        t5,
        &bidders,
        (145_000_000, 4_000_000),
        |_| t5 + days(4),
    )
    .await?;
    bids::open_project(db, awarded.row.id, t5 + days(22)).await?;
    panels::assign(db, &buyer, awarded.row.id, &panel, t5 + days(10)).await?;
    let awarded = projects::get(db, Some(&buyer), awarded.row.id).await?;
    for (k, expert) in experts.iter().enumerate() {
        score_sheet(db, expert, &awarded, k as i64 + 2, t5 + days(24)).await?;
    }
    let ranking = scoring::ranking(db, &buyer, awarded.row.id).await?;
    if let Some(first) = ranking.first() {
        award::propose(db, &buyer, awarded.row.id, first.key, None, t5 + days(26)).await?;
        let (_, entries) = bids::opening_record(db, awarded.row.id).await?;
        let last = ranking
            .last()
            .and_then(|r| entries.iter().find(|e| e.bid_id == r.key));
        if let Some(who) = last.and_then(|e| {
            bidders
                .iter()
                .find(|b| b.organization_id == Some(e.organization_id))
        }) {
            let c = challenges::file_challenge(
                db,
                who,
                awarded.row.id,
                "中标人报价低于成本，可能影响服务质量。",
                &[],
                t5 + days(27),
            )
            .await?;
            challenges::reply(
                db,
                &buyer,
                c.row.id,
                Decision::Dismissed,
                "中标人已提交成本构成说明，报价不低于成本，质疑不成立。",
                t5 + days(30),
            )
            .await?;
        }
        award::finalize(db, awarded.row.id, t5 + days(60)).await?;
    }

    // Grants in every state (see `super::grants`).
    let declined = crate::grants::service::list(
        db,
        Some(&buyer),
        &crate::grants::service::Filter {
            project_id: Some(awarded.row.id),
            ..Default::default()
        },
        &crate::pagination::PageRequest::parse(None, None)?,
    )
    .await?
    .0
    .first()
    .map(|g| g.row.id);
    let ta = now - days(200);
    let active = awarded_grant(
        db,
        &buyer,
        &experts,
        &bidders,
        input(
            "朝阳区残疾人社区康复服务项目",
            "D01",
            Method::PublicTender,
            900_000,
            ta + days(22),
            30,
            vec![Rule::MinGrade { grade: 3 }],
        ),
        ta,
        (86_000_000, 1_500_000),
    )
    .await?;
    let tc = now - days(560);
    let completed = awarded_grant(
        db,
        &buyer,
        &experts,
        &bidders,
        input(
            "朝阳区社区法律援助服务项目",
            "H01",
            Method::PublicTender,
            500_000,
            tc + days(22),
            30,
            vec![Rule::MinGrade { grade: 3 }],
        ),
        tc,
        (48_000_000, 1_000_000),
    )
    .await?;
    let tt = now - days(150);
    let terminated = awarded_grant(
        db,
        &buyer,
        &experts,
        &bidders,
        input(
            "朝阳区社区防灾减灾宣传教育项目",
            "J01",
            Method::PublicTender,
            300_000,
            tt + days(22),
            30,
            vec![],
        ),
        tt,
        (28_500_000, 500_000),
    )
    .await?;
    super::grants::seed(
        db,
        &buyer,
        &bidders,
        super::grants::Demo {
            declined,
            active,
            completed,
            terminated,
        },
        now,
    )
    .await?;

    // Failed: one bid under competitive consultation.
    let t2 = now - days(40);
    let failed = projects::create(
        db,
        &buyer,
        input(
            "朝阳区青少年暑期成长营项目",
            "E02",
            Method::CompetitiveConsultation,
            300_000,
            t2 + days(12),
            20,
            vec![],
        ),
        t2,
    )
    .await?;
    projects::publish(db, &buyer, failed.row.id, t2).await?;
    if let Some(b) = bidders.get(3) {
        bids::submit(db, b, failed.row.id, bid(28_000_000, 3), t2 + days(2)).await?;
    }
    bids::open_project(db, failed.row.id, t2 + days(12)).await?;

    // Cancelled.
    let t3 = now - days(10);
    let cancelled = projects::create(
        db,
        &buyer,
        input(
            "朝阳区垃圾分类宣传项目",
            "K01",
            Method::CompetitiveNegotiation,
            150_000,
            now + days(10),
            20,
            vec![],
        ),
        t3,
    )
    .await?;
    projects::publish(db, &buyer, cancelled.row.id, t3).await?;
    projects::cancel(
        db,
        &buyer,
        cancelled.row.id,
        "区财政预算调整，本项目暂停采购。",
        now - days(5),
    )
    .await?;
    Ok(())
}
