//! Payments on a grant's installments: the purchaser records what was paid,
//! never more than is payable; an installment is paid when its payments
//! reach its amount.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{disbursements, installments};
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use super::rules::{self, Action};
use super::service::locked;
use crate::audit::Change;
use crate::auth::{Actor, policy};
use crate::db::Db;
use crate::error::{Error, Result};

/// A payment as the purchaser records it.
#[derive(Debug, Clone, Copy)]
pub struct Payment<'a> {
    /// The installment paid.
    pub installment_id: Uuid,
    /// How much, fen.
    pub amount_fen: i64,
    /// When it was paid (China date).
    pub paid_on: NaiveDate,
    /// The voucher or transfer number.
    pub reference: &'a str,
}

/// The purchaser records a payment on a payable installment.
///
/// # Errors
/// `Forbidden` by role or department; `Conflict` unless active; `Invalid`
/// for an unknown installment, an amount not above 0 or above what is
/// payable, or an empty reference.
pub async fn disburse(
    db: &Db,
    actor: &Actor,
    grant_id: Uuid,
    payment: Payment<'_>,
    now: DateTime<Utc>,
) -> Result<disbursements::Model> {
    let Payment {
        installment_id,
        amount_fen,
        paid_on,
        reference,
    } = payment;
    crate::clock::check_date("paid_on", paid_on).map_err(|e| Error::Invalid(vec![e]))?;
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 200 {
        return Err(Error::invalid(
            "reference",
            "required",
            "give the payment's reference (voucher or transfer number)",
        ));
    }
    let tx = db.begin().await?;
    let (g, status) = locked(&*tx, grant_id).await?;
    policy::own_department(actor, g.department_id)?;
    rules::transition(status, Action::Report)?;
    let inst = installments::Entity::find_by_id(installment_id)
        .one(&*tx)
        .await?
        .filter(|i| i.grant_id == grant_id)
        .ok_or_else(|| {
            Error::invalid(
                "installment_id",
                "unknown_installment",
                "choose an installment of this grant",
            )
        })?;
    let payable = rules::payable(inst.amount_fen, inst.payable_at.is_some(), inst.paid_fen);
    if amount_fen <= 0 || amount_fen > payable {
        return Err(Error::invalid(
            "amount_fen",
            "over_payable",
            format!("this installment has {payable} fen payable now"),
        ));
    }
    let d = disbursements::Model {
        id: Uuid::now_v7(),
        grant_id,
        installment_id,
        amount_fen,
        paid_on,
        reference: reference.to_owned(),
        recorded_by: actor.user_id,
        recorded_at: now,
    };
    disbursements::ActiveModel::from(d.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    let paid = inst.paid_fen + amount_fen;
    installments::ActiveModel::from(installments::Model {
        paid_fen: paid,
        paid_at: (paid == inst.amount_fen).then_some(now),
        ..inst.clone()
    })
    .reset_all()
    .update(&*tx)
    .await?;
    crate::open::publish(
        &*tx,
        &actor.who(),
        Change::new(
            "grant.disburse",
            "grant",
            grant_id,
            Some(&json!({"installment_id": installment_id, "paid_fen": inst.paid_fen})),
            Some(&json!({
                "installment_id": installment_id, "paid_fen": paid, "amount_fen": amount_fen,
                "paid_on": paid_on, "reference": d.reference,
            })),
        ),
        crate::open::Event::GrantDisbursed(grant_id),
        now,
    )
    .await?;
    let admins = crate::notifications::organization_users(&*tx, g.organization_id, true).await?;
    crate::notifications::tell(
        &*tx,
        &admins,
        crate::notifications::Kind::PaymentRecorded,
        format!("disbursement:{}:recorded", d.id),
        format!("/grants/{grant_id}#installments"),
        crate::notifications::Params {
            amount_fen: Some(amount_fen),
            ..crate::notifications::Params::about(g.title.clone())
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}
