//! The procurement half of the national data set: projects of a bench
//! department, opened bids from registered organizations, awards, and the
//! grants they made with installments, payments and reports.
//!
//! Rows are written in bulk (500 to a statement, a few hundred projects to
//! a transaction) in the shapes the services leave them: numbers from the
//! year's sequence (which is moved past them), bids opened with their
//! receipts' hashes and the opening record, the award's ranking and panel
//! snapshots, grants whose paid installments match their payments. What
//! the services also do and this does not: audit entries and the public
//! feed (OCDS releases) for these projects, panels and score sheets. The
//! reads the benchmark measures (lists, search, a project, a grant,
//! statistics, exports) read only the rows written here.
//!
//! Shape, for P projects and B bids each: a tenth open for bids (no bids:
//! sealed bids need the opening keys), a tenth in evaluation, the rest
//! awarded, each with one grant; a grant whose service has ended is
//! completed (1 in 25 terminated), one whose service runs is active (its
//! first weeks pending acceptance). Defaults make 1,000,000 organizations
//! 25,000 projects, 202,500 bids and 20,000 grants.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{
    awards, bids, disbursements, grant_reports, grants, installments, opening_records,
    organizations, project_sequences, projects, users,
};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};
use uuid::Uuid;

use crate::auth::Role;
use crate::clock::china_date;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::grants::rules::{ReportKind, Status as GrantStatus, Trigger};
use crate::procurement::award::{self, PanelName, SummaryLine};
use crate::procurement::bids::BidInput;
use crate::procurement::bids::{self as bid_rules, OpeningEntry};
use crate::procurement::rules::{self as proc_rules, Criterion, Method, Status};

/// The bench department's code.
pub const DEPARTMENT: &str = "BENCH-MCA";

/// What the procurement seed made.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Projects written (0 when the bench department had some: a re-run).
    pub projects: u64,
    /// Bids written.
    pub bids: u64,
    /// Grants written.
    pub grants: u64,
    /// Payments written.
    pub disbursements: u64,
    /// Reports written.
    pub reports: u64,
    /// Seconds it took.
    pub secs: f64,
}

/// Projects per transaction.
const BATCH: usize = 250;
/// Rows per insert statement (SQLite allows 32,766 parameters).
const ROWS: usize = 500;

/// Organizations that bid: active, not listed, by `seq`, at most `n`.
async fn bidders(db: &Db, n: u64) -> Result<Vec<(Uuid, String, Option<String>)>> {
    Ok(organizations::Entity::find()
        .select_only()
        .columns([
            organizations::Column::Id,
            organizations::Column::Name,
            organizations::Column::Uscc,
        ])
        .filter(organizations::Column::Status.eq(organizations::Status::Active))
        .filter(organizations::Column::CreditStatus.eq("none"))
        .order_by_asc(organizations::Column::Seq)
        .limit(n)
        .into_tuple()
        .all(db.conn())
        .await?)
}

/// The bench department, its purchaser and one account per bidding
/// organization, all with one random password nobody is told.
async fn people(
    db: &Db,
    orgs: &[(Uuid, String, Option<String>)],
    now: DateTime<Utc>,
) -> Result<(Uuid, Uuid, Vec<Uuid>)> {
    let department = crate::departments::create(
        db,
        None,
        crate::departments::DepartmentInput {
            code: DEPARTMENT.into(),
            name: "基准测试民政局".into(),
            division_code: "110000".into(),
            uscc: None,
            active: true,
        },
        now,
    )
    .await?
    .id;
    // Random letters and digits, with one of each made sure of: the
    // password rules want both, and 32 random characters lack a digit
    // about once in 300 draws.
    let password: String = {
        let mut rng = rand::rng();
        let random: String = (0..30)
            .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
            .collect();
        format!("b{random}7")
    };
    let buyer = crate::auth::users::create(
        db,
        None,
        crate::auth::users::NewUser {
            email: "purchaser@bench.cogov.cn".into(),
            display_name: "基准测试采购人".into(),
            password: password.clone(),
            role: Role::Purchaser,
            department_id: Some(department),
            organization_id: None,
        },
        now,
    )
    .await?;
    // Every bidder's account shares the purchaser's hash: one hashing, not thousands.
    let mut members = Vec::with_capacity(orgs.len());
    let rows: Vec<users::ActiveModel> = orgs
        .iter()
        .enumerate()
        .map(|(n, (org, name, _))| {
            let id = Uuid::now_v7();
            members.push(id);
            users::ActiveModel {
                id: Set(id),
                // Drawn for them all below.
                seq: sea_orm::ActiveValue::NotSet,
                email: Set(format!("bidder-{n}@bench.cogov.cn")),
                display_name: Set(format!("{name}负责人")),
                password_hash: Set(buyer.password_hash.clone()),
                role: Set(Role::OrgAdmin.as_str().to_owned()),
                department_id: Set(None),
                organization_id: Set(Some(*org)),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    let tx = db.begin().await?;
    let seqs = crate::db::next_seqs(&*tx, crate::db::Numbered::Users, rows.len()).await?;
    let rows: Vec<users::ActiveModel> = rows
        .into_iter()
        .zip(seqs)
        .map(|(mut row, seq)| {
            row.seq = Set(seq);
            row
        })
        .collect();
    insert_all(&*tx, rows).await?;
    tx.commit().await?;
    Ok((department, buyer.id, members))
}

async fn insert_all<A, C>(conn: &C, rows: Vec<A>) -> Result<()>
where
    A: sea_orm::ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

const TOPICS: [(&str, &str); 8] = [
    ("居家养老上门服务", "社区老年人助餐、助洁、助浴和探访"),
    ("社区心理健康服务", "心理咨询热线、团体辅导和危机干预"),
    ("困境儿童关爱服务", "困境儿童个案管理、学业辅导和监护指导"),
    ("残疾人康复服务", "社区康复训练、辅具适配和家庭支持"),
    (
        "社区矫正社会工作服务",
        "社区矫正对象帮教、就业指导和家庭修复",
    ),
    ("社会救助经办服务", "低保对象入户核查、动态管理和临时救助"),
    ("社区志愿服务组织培育", "志愿者招募培训、服务项目设计和激励"),
    ("婚姻家庭辅导服务", "婚姻调适、家庭教育和家暴预防"),
];

/// Every row one project makes.
#[derive(Default)]
struct Rows {
    projects: Vec<projects::ActiveModel>,
    bids: Vec<bids::ActiveModel>,
    openings: Vec<opening_records::ActiveModel>,
    awards: Vec<awards::ActiveModel>,
    grants: Vec<grants::ActiveModel>,
    installments: Vec<installments::ActiveModel>,
    disbursements: Vec<disbursements::ActiveModel>,
    reports: Vec<grant_reports::ActiveModel>,
}

impl Rows {
    async fn write<C: ConnectionTrait>(self, conn: &C) -> Result<()> {
        insert_all(conn, self.projects).await?;
        insert_all(conn, self.bids).await?;
        insert_all(conn, self.openings).await?;
        insert_all(conn, self.awards).await?;
        insert_all(conn, self.grants).await?;
        insert_all(conn, self.installments).await?;
        insert_all(conn, self.disbursements).await?;
        insert_all(conn, self.reports).await
    }
}

/// What does not change from project to project.
struct World<'a> {
    department: Uuid,
    buyer: Uuid,
    categories: Vec<Uuid>,
    orgs: &'a [(Uuid, String, Option<String>)],
    members: &'a [Uuid],
    bids_each: usize,
    now: DateTime<Utc>,
}

fn criteria() -> String {
    let c = [
        ("服务方案", 50, false),
        ("团队与经验", 30, false),
        ("价格", 20, true),
    ]
    .map(|(name, weight, is_price)| Criterion {
        name: name.into(),
        weight,
        is_price,
    });
    serde_json::to_string(&c).unwrap_or_else(|_| "[]".into())
}

/// One project and what followed it, numbered from `next` (each year's
/// next sequence); its bids and grants.
#[allow(clippy::too_many_lines)] // one project's story, in order
fn project(
    w: &World<'_>,
    i: usize,
    next: &mut HashMap<i32, i32>,
    rng: &mut StdRng,
    out: &mut Rows,
) -> (u64, u64) {
    let (topic, what) = TOPICS[i % TOPICS.len()];
    let id = Uuid::now_v7();
    let stage = i % 10;
    let now = w.now;
    // Open projects close in the coming weeks; the others closed up to four years ago.
    let deadline = if stage == 0 {
        now + Duration::days(rng.random_range(3..40))
    } else {
        now - Duration::days(rng.random_range(20..1460))
    };
    let published = deadline - Duration::days(25);
    let service_start = china_date(deadline) + chrono::Days::new(45);
    let service_end = service_start
        .checked_add_months(chrono::Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(service_start);
    let budget: i64 = rng.random_range(20..300) * 1_000_000;
    let status = match stage {
        0 => Status::Open,
        1 => Status::Evaluating,
        _ => Status::Awarded,
    };
    let title = format!("朝阳区{topic}项目（第 {} 批）", i + 1);
    let created = published - Duration::days(2);
    let year = proc_rules::number_year(created);
    let sequence = next.entry(year).or_insert(1);
    let number = proc_rules::project_number(year, u32::try_from(*sequence).unwrap_or(0));
    *sequence += 1;
    out.projects.push(projects::ActiveModel {
        id: Set(id),
        // Drawn for the whole batch when it is written.
        seq: sea_orm::ActiveValue::NotSet,
        number: Set(number),
        department_id: Set(w.department),
        created_by: Set(w.buyer),
        title: Set(title.clone()),
        description: Set(format!("{title}：{what}，服务期一年，按季度考核。")),
        category_id: Set(w.categories[i % w.categories.len()]),
        region_code: Set("110105".into()),
        budget_fen: Set(budget),
        method: Set(Method::PublicTender.as_str().into()),
        service_start: Set(service_start),
        service_end: Set(service_end),
        eligibility: Set("[]".into()),
        criteria: Set(criteria()),
        bid_deadline: Set(deadline),
        published_at: Set(Some(published)),
        status: Set(status),
        status_reason: Set(None),
        opened_at: Set((stage != 0).then_some(deadline)),
        created_at: Set(created),
        updated_at: Set(deadline),
    });
    if stage == 0 {
        return (0, 0);
    }
    // Bids from consecutive organizations of the pool, cheapest last.
    let first = (i * 7) % w.orgs.len();
    let mut entries = Vec::with_capacity(w.bids_each);
    for k in 0..w.bids_each.min(w.orgs.len()) {
        let n = (first + k) % w.orgs.len();
        let (org, name, uscc) = &w.orgs[n];
        let bid_id = Uuid::now_v7();
        let input = BidInput {
            price_fen: budget
                - budget / 100 * i64::try_from(k + rng.random_range(1..5)).unwrap_or(1),
            technical_proposal: format!(
                "{topic}方案：分片包干、上门评估、个案管理、月度回访（{}）。",
                k + 1
            ),
            team: "项目主管 1 人，持证社工 4 人，护理员 8 人".into(),
            plan: "第一个月完成需求评估，之后按周上门服务，季度总结。".into(),
            file_ids: Vec::new(),
        };
        let hash = bid_rules::content_hash(&bid_rules::canonical(id, *org, &input, &[]));
        let submitted_at = deadline - Duration::hours(rng.random_range(1..400));
        entries.push(OpeningEntry {
            bid_id,
            organization_id: *org,
            organization_name: name.clone(),
            uscc: uscc.clone(),
            price_fen: input.price_fen,
            submitted_at,
            content_hash: hash.clone(),
            eligible: true,
            failed_rule: None,
        });
        out.bids.push(bids::ActiveModel {
            id: Set(bid_id),
            project_id: Set(id),
            organization_id: Set(*org),
            status: Set(bid_rules::BidStatus::Active),
            price_fen: Set(input.price_fen),
            technical_proposal: Set(input.technical_proposal),
            team: Set(input.team),
            plan: Set(input.plan),
            content_hash: Set(hash),
            submitted_by: Set(w.members[n]),
            submitted_at: Set(submitted_at),
            replaces: Set(None),
            ended_at: Set(None),
            sealed: Set(None),
            file_hashes: Set(Some("[]".into())),
        });
    }
    let bids = entries.len() as u64;
    out.openings.push(opening_records::ActiveModel {
        project_id: Set(id),
        opened_at: Set(deadline),
        entries: Set(serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())),
        eligible_count: Set(i32::try_from(entries.len()).unwrap_or(i32::MAX)),
        outcome: Set(Status::Evaluating.as_str().into()),
    });
    if status != Status::Awarded {
        return (bids, 0);
    }
    let Some(best) = entries.iter().min_by_key(|e| e.price_fen) else {
        return (bids, 0);
    };
    let summary: Vec<SummaryLine> = std::iter::once(best)
        .chain(entries.iter().filter(|e| e.bid_id != best.bid_id))
        .enumerate()
        .map(|(r, e)| SummaryLine {
            rank: r + 1,
            bid_id: e.bid_id,
            organization_id: e.organization_id,
            organization_name: e.organization_name.clone(),
            uscc: e.uscc.clone(),
            price_fen: e.price_fen,
            expert_score: 9000 - 300 * i64::try_from(r).unwrap_or(0),
            price_score: 10000 - 200 * i64::try_from(r).unwrap_or(0),
            total: 9200 - 280 * i64::try_from(r).unwrap_or(0),
        })
        .collect();
    let panel = vec![PanelName {
        expert_id: w.buyer,
        name: "基准评审组".into(),
    }];
    let notice = deadline + Duration::days(4);
    let award_id = Uuid::now_v7();
    out.awards.push(awards::ActiveModel {
        id: Set(award_id),
        project_id: Set(id),
        bid_id: Set(best.bid_id),
        organization_id: Set(best.organization_id),
        organization_name: Set(best.organization_name.clone()),
        uscc: Set(best.uscc.clone()),
        amount_fen: Set(best.price_fen),
        rank: Set(1),
        reason: Set(None),
        summary: Set(serde_json::to_string(&summary).unwrap_or_else(|_| "[]".into())),
        panel: Set(serde_json::to_string(&panel).unwrap_or_else(|_| "[]".into())),
        status: Set(award::AwardStatus::Final),
        proposed_by: Set(w.buyer),
        notice_at: Set(notice),
        challenge_until: Set(china_date(notice) + chrono::Days::new(7)),
        closed_at: Set(Some(notice + Duration::days(10))),
    });
    grant(
        w,
        i,
        (id, &title, best, award_id),
        (service_start, service_end),
        notice + Duration::days(10),
        rng,
        out,
    );
    (bids, 1)
}

/// The grant an award made, its installments, payments and reports.
#[allow(clippy::too_many_arguments)]
fn grant(
    w: &World<'_>,
    i: usize,
    (project_id, title, bid, award_id): (Uuid, &str, &OpeningEntry, Uuid),
    (start, end): (NaiveDate, NaiveDate),
    created: DateTime<Utc>,
    rng: &mut StdRng,
    out: &mut Rows,
) {
    let today = china_date(w.now);
    let id = Uuid::now_v7();
    let amount = bid.price_fen;
    let status = if end < today {
        if i % 25 == 3 {
            GrantStatus::Terminated
        } else {
            GrantStatus::Completed
        }
    } else if china_date(created) + chrono::Days::new(14) > today {
        GrantStatus::PendingAcceptance
    } else {
        GrantStatus::Active
    };
    let accepted = (status != GrantStatus::PendingAcceptance).then(|| created + Duration::days(3));
    let closed = matches!(status, GrantStatus::Completed | GrantStatus::Terminated)
        .then(|| end.and_hms_opt(8, 0, 0).map_or(w.now, |t| t.and_utc()) + Duration::days(40));
    out.grants.push(grants::ActiveModel {
        id: Set(id),
        project_id: Set(project_id),
        award_id: Set(award_id),
        bid_id: Set(bid.bid_id),
        organization_id: Set(bid.organization_id),
        department_id: Set(w.department),
        title: Set(title.to_owned()),
        amount_fen: Set(amount),
        service_start: Set(start),
        service_end: Set(end),
        status: Set(status),
        status_reason: Set((status == GrantStatus::Terminated).then(|| "服务未达合同要求，经约谈仍未整改".into())),
        accepted_at: Set(accepted),
        performance_score: Set((status == GrantStatus::Completed).then(|| rng.random_range(60..99))),
        performance_comment: Set((status == GrantStatus::Completed).then(|| "按期完成服务，群众满意度较高。".into())),
        closed_at: Set(closed),
        created_at: Set(created),
        updated_at: Set(closed.or(accepted).unwrap_or(created)),
    });
    let middle = start + chrono::Days::new(182);
    // 30% at signing, 40% on the midterm report, the rest on the final one.
    let parts = [
        (Trigger::Signing, amount * 3 / 10, accepted.map(china_date)),
        (
            Trigger::Midterm,
            amount * 4 / 10,
            (middle + chrono::Days::new(30) < today).then_some(middle + chrono::Days::new(30)),
        ),
        (
            Trigger::Final,
            amount - amount * 3 / 10 - amount * 4 / 10,
            (end + chrono::Days::new(30) < today && status == GrantStatus::Completed)
                .then_some(end + chrono::Days::new(30)),
        ),
    ];
    for (position, (trigger, fen, paid_on)) in (1..).zip(parts) {
        let installment = Uuid::now_v7();
        let paid_at = paid_on
            .and_then(|d| d.and_hms_opt(2, 0, 0))
            .map(|t| t.and_utc());
        out.installments.push(installments::ActiveModel {
            id: Set(installment),
            grant_id: Set(id),
            position: Set(position),
            trigger: Set(trigger.as_str().into()),
            amount_fen: Set(fen),
            paid_fen: Set(if paid_on.is_some() { fen } else { 0 }),
            payable_at: Set(paid_at),
            paid_at: Set(paid_at),
        });
        if let (Some(on), Some(at)) = (paid_on, paid_at) {
            out.disbursements.push(disbursements::ActiveModel {
                id: Set(Uuid::now_v7()),
                grant_id: Set(id),
                installment_id: Set(installment),
                amount_fen: Set(fen),
                paid_on: Set(on),
                reference: Set(format!("BENCH-{}-{position}", i + 1)),
                recorded_by: Set(w.buyer),
                recorded_at: Set(at),
            });
        }
    }
    if status == GrantStatus::PendingAcceptance {
        return;
    }
    for (kind, due) in [
        (ReportKind::Midterm, middle),
        (ReportKind::Final, end + chrono::Days::new(15)),
        (ReportKind::Financial, end + chrono::Days::new(30)),
    ] {
        let done = due < today && status == GrantStatus::Completed
            || (kind == ReportKind::Midterm && due + chrono::Days::new(20) < today);
        let at = due.and_hms_opt(3, 0, 0).map(|t| t.and_utc());
        out.reports.push(grant_reports::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(id),
            kind: Set(kind.as_str().into()),
            due_on: Set(due),
            status: Set(if done {
                crate::grants::reports::ReportStatus::Accepted
            } else {
                crate::grants::reports::ReportStatus::Due
            }),
            body: Set(if done {
                format!("{title}{}报告：服务按计划推进。", kind.as_str())
            } else {
                String::new()
            }),
            people_served: Set(done.then(|| rng.random_range(50..2000))),
            spending_fen: Set(done.then_some(amount / 3)),
            submitted_at: Set(if done { at } else { None }),
            submitted_by: Set(None),
            reviewed_at: Set(if done {
                at.map(|t| t + Duration::days(5))
            } else {
                None
            }),
            reviewed_by: Set(done.then_some(w.buyer)),
            review_note: Set(None),
        });
    }
}

/// Writes `projects` projects with `bids_each` bids each from the first
/// `bids_each * 250` eligible organizations (at most 10,000). Nothing when
/// the bench department exists already (a re-run).
///
/// # Errors
/// The database's error.
pub async fn seed(
    db: &Db,
    projects: u64,
    bids_each: u64,
    seed: u64,
    now: DateTime<Utc>,
    mut progress: impl FnMut(&str),
) -> Result<Report> {
    let started = Instant::now();
    if entity::departments::Entity::find()
        .filter(entity::departments::Column::Code.eq(DEPARTMENT))
        .count(db.conn())
        .await?
        > 0
    {
        progress("the bench department exists: procurement already seeded");
        return Ok(Report::default());
    }
    let orgs = bidders(db, (bids_each * 250).clamp(1, 10_000)).await?;
    if orgs.is_empty() {
        return Err(Error::Internal(
            "no active organization to bid: seed organizations first".into(),
        ));
    }
    crate::procurement::catalog::ensure_seeded(db, now).await?;
    let categories: Vec<Uuid> = crate::procurement::catalog::list(db, true)
        .await?
        .into_iter()
        .filter(|c| c.parent_id.is_some())
        .map(|c| c.id)
        .collect();
    if categories.is_empty() {
        return Err(Error::Internal(
            "the service catalogue has no active category".into(),
        ));
    }
    let (department, buyer, members) = people(db, &orgs, now).await?;
    let world = World {
        department,
        buyer,
        categories,
        orgs: &orgs,
        members: &members,
        bids_each: usize::try_from(bids_each).unwrap_or(0),
        now,
    };
    // Numbers follow the sequence of the year they were created in.
    let mut next: HashMap<i32, i32> = project_sequences::Entity::find()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|s| (s.year, s.next))
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut report = Report::default();
    let total = usize::try_from(projects).unwrap_or(0);
    let mut done = 0;
    while done < total {
        let mut rows = Rows::default();
        for i in done..(done + BATCH).min(total) {
            let (bids, grants) = project(&world, i, &mut next, &mut rng, &mut rows);
            report.projects += 1;
            report.bids += bids;
            report.grants += grants;
        }
        report.disbursements += rows.disbursements.len() as u64;
        report.reports += rows.reports.len() as u64;
        let tx = db.begin().await?;
        let seqs =
            crate::db::next_seqs(&*tx, crate::db::Numbered::Projects, rows.projects.len()).await?;
        for (project, seq) in rows.projects.iter_mut().zip(seqs) {
            project.seq = Set(seq);
        }
        rows.write(&*tx).await?;
        tx.commit().await?;
        done = (done + BATCH).min(total);
        if done % 5_000 < BATCH {
            progress(&format!("{done} projects written"));
        }
    }
    // Move each year's sequence past the numbers taken.
    let tx = db.begin().await?;
    for (year, n) in next {
        let row = project_sequences::Entity::find_by_id(year)
            .one(&*tx)
            .await?;
        let am = project_sequences::ActiveModel {
            year: Set(year),
            next: Set(n),
        };
        if row.is_some() {
            am.update(&*tx).await?;
        } else {
            am.insert(&*tx).await?;
        }
    }
    tx.commit().await?;
    if db.backend() == sea_orm::DbBackend::Postgres {
        db.conn()
            .execute_unprepared(
                "ANALYZE projects, bids, grants, grant_reports, disbursements, installments",
            )
            .await?;
    }
    report.secs = started.elapsed().as_secs_f64();
    Ok(report)
}
