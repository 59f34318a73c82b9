//! `audit verify` beyond the chain: business rows edited behind the
//! application's back disagree with their history and are named.

use crate::common::spawn;
use cogov::clock::Clock as _;
use cogov::integrity;
use entity::{awards, disbursements, grant_reports, grants, installments, organizations};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};

#[tokio::test]
async fn every_row_the_demo_made_agrees_with_its_history_and_edits_behind_its_back_are_named() {
    let app = spawn().await;
    let conn = app.db().conn();
    cogov::demo::seed(app.db(), app.clock.now()).await.unwrap();
    assert_eq!(
        integrity::check(conn).await.unwrap(),
        vec![],
        "what the application did agrees with what it recorded"
    );

    // As someone with database access only would: rows edited, no entries.
    let paid = disbursements::Entity::find()
        .order_by_asc(disbursements::Column::Id)
        .one(conn)
        .await
        .unwrap()
        .expect("the demo paid a grant");
    let (grant, installment) = (paid.grant_id, paid.installment_id);
    grants::Entity::update_many()
        .col_expr(
            grants::Column::AmountFen,
            Expr::col(grants::Column::AmountFen).mul(2),
        )
        .filter(grants::Column::Id.eq(grant))
        .exec(conn)
        .await
        .unwrap();
    installments::Entity::update_many()
        .col_expr(
            installments::Column::PaidFen,
            Expr::col(installments::Column::PaidFen).add(1),
        )
        .filter(installments::Column::Id.eq(installment))
        .exec(conn)
        .await
        .unwrap();
    let report = grant_reports::Entity::find()
        .filter(grant_reports::Column::Status.eq("accepted"))
        .order_by_asc(grant_reports::Column::Id)
        .one(conn)
        .await
        .unwrap()
        .expect("the demo accepted a report")
        .id;
    grant_reports::Entity::update_many()
        .col_expr(grant_reports::Column::Status, Expr::value("returned"))
        .filter(grant_reports::Column::Id.eq(report))
        .exec(conn)
        .await
        .unwrap();
    let organization = organizations::Entity::find()
        .filter(organizations::Column::Status.eq("active"))
        .order_by_asc(organizations::Column::Id)
        .one(conn)
        .await
        .unwrap()
        .unwrap()
        .id;
    organizations::Entity::update_many()
        .col_expr(organizations::Column::Name, Expr::value("改过的名字"))
        .filter(organizations::Column::Id.eq(organization))
        .exec(conn)
        .await
        .unwrap();
    let award = awards::Entity::find()
        .order_by_asc(awards::Column::Id)
        .one(conn)
        .await
        .unwrap()
        .unwrap()
        .id;
    awards::Entity::update_many()
        .col_expr(awards::Column::AmountFen, Expr::value(1))
        .filter(awards::Column::Id.eq(award))
        .exec(conn)
        .await
        .unwrap();

    let found = integrity::check(conn).await.unwrap();
    let named = |kind: &str, id: uuid::Uuid, says: &str| {
        found
            .iter()
            .any(|f| f.kind == kind && f.id == id && f.reason.contains(says))
    };
    assert!(named("grant", grant, "amount_fen is"), "{found:#?}");
    assert!(
        named("grant", grant, "installments add up to"),
        "{found:#?}"
    );
    assert!(
        named("installment", installment, "paid_fen is"),
        "{found:#?}"
    );
    assert!(
        named("installment", installment, "payments add up to"),
        "{found:#?}"
    );
    assert!(
        named("grant report", report, "status is \"returned\""),
        "{found:#?}"
    );
    assert!(
        named("organization", organization, "改过的名字"),
        "{found:#?}"
    );
    assert!(named("award", award, "amount_fen is 1"), "{found:#?}");
    assert_eq!(found.len(), 7, "nothing else: {found:#?}");
}
