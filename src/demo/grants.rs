//! Demo grants, one in every state, moved there at past instants through
//! the grant service: declined by its first winner and offered to the next
//! ranked bidder (pending acceptance); active with the signing installment
//! paid and a progress report overdue; completed with every report accepted,
//! everything paid and a performance score; terminated; and residents'
//! feedback, published, hidden and awaiting review.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::auth::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::grants::disbursements;
use crate::grants::reports::{self as grant_reports, ReportInput};
use crate::grants::service;

/// The demo grants to move (each freshly created, pending acceptance).
pub struct Demo {
    /// The first awarded project's grant (declined, then the next bidder's).
    pub declined: Option<Uuid>,
    /// To accept and leave active.
    pub active: Uuid,
    /// To take to completion.
    pub completed: Uuid,
    /// To terminate.
    pub terminated: Uuid,
}

fn winner<'a>(bidders: &'a [Actor], g: &service::Grant) -> Result<&'a Actor> {
    bidders
        .iter()
        .find(|b| b.organization_id == Some(g.row.organization_id))
        .ok_or_else(|| Error::Internal("demo grantee has no account".into()))
}

fn at(d: chrono::NaiveDate, hour: u32) -> DateTime<Utc> {
    d.and_hms_opt(hour, 0, 0)
        .map_or_else(Utc::now, |t| t.and_utc())
}

/// Pays everything payable on a grant on `day`.
async fn pay_all(db: &Db, buyer: &Actor, id: Uuid, when: DateTime<Utc>, n: &mut u32) -> Result<()> {
    let g = service::get(db, Some(buyer), id).await?;
    for i in &g.installments {
        let payable =
            crate::grants::rules::payable(i.amount_fen, i.payable_at.is_some(), i.paid_fen);
        if payable > 0 {
            *n += 1;
            let reference = format!(
                "CY-ZF-{}-{:04}",
                crate::clock::china_date(when).format("%Y%m"),
                *n
            );
            let payment = disbursements::Payment {
                installment_id: i.id,
                amount_fen: payable,
                paid_on: crate::clock::china_date(when),
                reference: &reference,
            };
            disbursements::disburse(db, buyer, id, payment, when).await?;
        }
    }
    Ok(())
}

/// Moves the demo grants into their states.
///
/// # Errors
/// The database's error, or a rule the demo breaks (a bug).
pub async fn seed(
    db: &Db,
    buyer: &Actor,
    bidders: &[Actor],
    demo: Demo,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut refs = 0;
    // Declined by the first winner, offered to the next.
    if let Some(id) = demo.declined {
        let g = service::get(db, Some(buyer), id).await?;
        let who = winner(bidders, &g)?;
        let when = g.row.created_at + Duration::days(2);
        service::decline(
            db,
            who,
            id,
            "机构主要社工团队已承接其他项目，无法按期到位。",
            when,
        )
        .await?;
        crate::procurement::decline::award_next(db, buyer, id, when + Duration::days(2)).await?;
    }

    // Active: accepted, signing paid; the first progress report is overdue.
    let g = service::get(db, Some(buyer), demo.active).await?;
    let accepted = g.row.created_at + Duration::days(3);
    service::accept(db, winner(bidders, &g)?, demo.active, accepted).await?;
    pay_all(
        db,
        buyer,
        demo.active,
        accepted + Duration::days(5),
        &mut refs,
    )
    .await?;

    // Completed: every report on time and accepted, everything paid.
    let g = service::get(db, Some(buyer), demo.completed).await?;
    let who = winner(bidders, &g)?;
    let accepted = g.row.created_at + Duration::days(3);
    service::accept(db, who, demo.completed, accepted).await?;
    pay_all(
        db,
        buyer,
        demo.completed,
        accepted + Duration::days(5),
        &mut refs,
    )
    .await?;
    let mut served = 0;
    let mut last = accepted;
    for r in &g.reports {
        served += 80;
        let submitted = at(r.due_on - chrono::Days::new(2), 2);
        let body = format!(
            "{}：本期入户服务 {} 人次，开展社区法律讲座 3 场，调解邻里纠纷 5 起。",
            r.kind,
            served * 3
        );
        grant_reports::submit_report(
            db,
            who,
            r.id,
            ReportInput {
                body,
                people_served: Some(served),
                spending_fen: Some(g.row.amount_fen / 5 * served / 80),
                file_ids: Vec::new(),
            },
            submitted,
        )
        .await?;
        let reviewed = submitted + Duration::days(3);
        grant_reports::review_report(
            db,
            buyer,
            r.id,
            true,
            "内容完整，数据与台账一致。",
            reviewed,
        )
        .await?;
        pay_all(
            db,
            buyer,
            demo.completed,
            reviewed + Duration::days(2),
            &mut refs,
        )
        .await?;
        last = reviewed + Duration::days(2);
    }
    service::complete(
        db,
        buyer,
        demo.completed,
        92,
        "服务覆盖全部街乡，群众满意度高，档案规范。",
        (last + Duration::days(10)).min(now),
    )
    .await?;

    // Feedback from residents: published, hidden with a reason, one awaiting review.
    let notes: [(Uuid, i16, &str, Option<bool>); 5] = [
        (
            demo.completed,
            5,
            "律师每月到社区坐班，帮我们解决了物业纠纷，非常感谢。",
            Some(true),
        ),
        (
            demo.completed,
            4,
            "讲座内容实用，希望增加周末场次。",
            Some(true),
        ),
        (
            demo.completed,
            1,
            "某某律师电话 138xxxx 态度差",
            Some(false),
        ),
        (
            demo.active,
            5,
            "康复师每周上门两次，老人恢复得很好。",
            Some(true),
        ),
        (demo.active, 3, "预约时间有时需要等一周。", None),
    ];
    for (n, (grant, rating, text, publish)) in notes.into_iter().enumerate() {
        let when = now - Duration::days(30 - i64::try_from(n).unwrap_or(0) * 5);
        let f = crate::grants::feedback::leave(
            db,
            None,
            &format!("demo-resident-{n}"),
            grant,
            rating,
            text,
            when,
        )
        .await?;
        if let Some(publish) = publish {
            let reason = if publish {
                ""
            } else {
                "含有个人联系方式，不予公开。"
            };
            crate::grants::feedback::moderate(
                db,
                buyer,
                f.id,
                publish,
                reason,
                when + Duration::days(1),
            )
            .await?;
        }
    }

    // Terminated after acceptance.
    let g = service::get(db, Some(buyer), demo.terminated).await?;
    let accepted = g.row.created_at + Duration::days(3);
    service::accept(db, winner(bidders, &g)?, demo.terminated, accepted).await?;
    pay_all(
        db,
        buyer,
        demo.terminated,
        accepted + Duration::days(5),
        &mut refs,
    )
    .await?;
    service::terminate(
        db,
        buyer,
        demo.terminated,
        "承接机构主要负责人变更，经双方协商解除协议，已拨付资金按实结算。",
        (accepted + Duration::days(40)).min(now),
    )
    .await?;
    Ok(())
}
