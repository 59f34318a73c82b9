//! OCDS 1.1 releases, release packages and record packages.
//!
//! Each project event stores a release that is a full snapshot of the
//! contracting process at that moment: the buyer, the tender (with its
//! amendments), the bids once opened (the bids extension; never before the
//! opening), the awards, and the contracts (grants) with their payments as
//! implementation transactions. Because every release is complete, a
//! record's compiled release is its latest release.
//!
//! The ocid is a configured prefix plus the project number; it and the
//! release id (`{ocid}-{seq}`) are added when serving, so the prefix can
//! change without rewriting history.
//!
//! Parties: organizations (tenderers, suppliers, payees) and departments
//! (buyer, procuring entity, payer) are identified by scheme `CN-USCI` with
//! their unified social credit code. One without a recorded code (a
//! department the admin has not given one, an organization registered
//! before codes) keeps an internal party id (`cogov-org-{id}`,
//! `cogov-dept-{code}`) and no identifier.

use chrono::{DateTime, Utc};
use entity::{
    awards, departments, disbursements, grants, opening_records, organizations, project_amendments,
    projects,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::money::Fen;
use entity::awards::Status as AwardStatus;
use entity::grants::Status as GrantStatus;
use entity::projects::Status as ProjectStatus;

/// The bids extension's address (OCDS 1.1).
pub const BIDS_EXTENSION: &str = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json";

/// An amount in fen as an OCDS value in yuan.
#[must_use]
pub fn value(fen: i64) -> Value {
    json!({"amount": Fen(fen).as_yuan_f64(), "currency": "CNY"})
}

/// The party id of an organization: its `CN-USCI` code when it has one.
#[must_use]
pub fn organization_party_id(uscc: Option<&str>, id: Uuid) -> String {
    party_id(uscc, || format!("cogov-org-{id}"))
}

/// The party id of a department: its `CN-USCI` code when it has one.
#[must_use]
pub fn department_party_id(d: &departments::Model) -> String {
    party_id(d.uscc.as_deref(), || format!("cogov-dept-{}", d.code))
}

/// `CN-USCI-{code}` for a party with a credit code, else its internal id.
fn party_id(uscc: Option<&str>, internal: impl FnOnce() -> String) -> String {
    uscc.map_or_else(internal, |c| format!("CN-USCI-{c}"))
}

/// A party: its id, name, roles, and its `CN-USCI` identifier when it has a code.
fn party(id: &str, name: &str, uscc: Option<&str>, roles: &[&str]) -> Value {
    let mut party = json!({"id": id, "name": name, "roles": roles});
    if let Some(code) = uscc {
        party["identifier"] = json!({"scheme": "CN-USCI", "id": code, "legalName": name});
    }
    party
}

/// OCDS tender status of a project state.
#[must_use]
pub fn tender_status(status: ProjectStatus) -> &'static str {
    match status {
        ProjectStatus::Draft => "planning",
        ProjectStatus::Open | ProjectStatus::Evaluating | ProjectStatus::Notice => "active",
        ProjectStatus::Awarded => "complete",
        ProjectStatus::Cancelled => "cancelled",
        ProjectStatus::Failed => "unsuccessful",
    }
}

/// OCDS procurement method of ours.
#[must_use]
pub fn procurement_method(method: &str) -> &'static str {
    match method {
        "public_tender" => "open",
        "invited_tender" => "selective",
        "single_source" => "direct",
        _ => "limited",
    }
}

/// OCDS award status of an award notice's state.
#[must_use]
pub fn award_status(status: AwardStatus) -> &'static str {
    match status {
        AwardStatus::Notice => "pending",
        AwardStatus::Final => "active",
        AwardStatus::Withdrawn => "cancelled",
    }
}

/// OCDS contract status of a grant's state.
#[must_use]
pub fn contract_status(status: GrantStatus) -> &'static str {
    match status {
        GrantStatus::PendingAcceptance => "pending",
        GrantStatus::Active => "active",
        GrantStatus::Declined => "cancelled",
        // OCDS: signed and in force, now come to a close, for whatever reason.
        GrantStatus::Completed | GrantStatus::Terminated => "terminated",
    }
}

/// Adds `party` to `parties`, merging roles when it is already there.
fn add_party(parties: &mut Vec<Value>, party: Value) {
    let id = party["id"].clone();
    if let Some(existing) = parties.iter_mut().find(|p| p["id"] == id) {
        let mut roles: Vec<Value> = existing["roles"].as_array().cloned().unwrap_or_default();
        for r in party["roles"].as_array().into_iter().flatten() {
            if !roles.contains(r) {
                roles.push(r.clone());
            }
        }
        existing["roles"] = Value::Array(roles);
    } else {
        parties.push(party);
    }
}

/// The release a project makes now, tagged `tags`, without `ocid` and `id`.
///
/// # Errors
/// The database's error.
pub async fn release<C: ConnectionTrait>(
    tx: &C,
    p: &projects::Model,
    tags: &[&str],
    at: DateTime<Utc>,
) -> Result<Value, DbErr> {
    let dept = departments::Entity::find_by_id(p.department_id)
        .one(tx)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("department of project {}", p.id)))?;
    let buyer_id = department_party_id(&dept);
    let buyer = json!({"id": buyer_id, "name": dept.name});
    let mut buyer_party = party(
        &buyer_id,
        &dept.name,
        dept.uscc.as_deref(),
        &["buyer", "procuringEntity"],
    );
    buyer_party["address"] = json!({"region": dept.division_code, "countryName": "中国"});
    let mut parties = vec![buyer_party];

    let amendments: Vec<Value> = project_amendments::Entity::find()
        .filter(project_amendments::Column::ProjectId.eq(p.id))
        .order_by_asc(project_amendments::Column::CreatedAt)
        .all(tx)
        .await?
        .into_iter()
        .map(|a| json!({"id": a.id, "date": a.created_at, "rationale": a.text}))
        .collect();

    let mut tender = json!({
        "id": p.number,
        "title": p.title,
        "description": p.description,
        "status": tender_status(p.status),
        "value": value(p.budget_fen),
        "procurementMethod": procurement_method(&p.method),
        "procurementMethodDetails": p.method,
        "mainProcurementCategory": "services",
        "procuringEntity": buyer,
        "contractPeriod": {
            "startDate": format!("{}T00:00:00+08:00", p.service_start),
            "endDate": format!("{}T23:59:59+08:00", p.service_end),
        },
    });
    if let Some(published) = p.published_at {
        tender["tenderPeriod"] = json!({"startDate": published, "endDate": p.bid_deadline});
    }
    if !amendments.is_empty() {
        tender["amendments"] = Value::Array(amendments);
    }

    let mut out = json!({
        "date": at,
        "tag": tags,
        "initiationType": "tender",
        "language": "zh",
        "buyer": buyer,
    });

    // Bids only once opened: the opening record is their public face.
    if let Some(record) = opening_records::Entity::find_by_id(p.id).one(tx).await? {
        let entries: Vec<opening_records::Entry> =
            serde_json::from_str(&record.entries).map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut tenderers = Vec::new();
        let mut details = Vec::new();
        for e in &entries {
            let id = organization_party_id(e.uscc.as_deref(), e.organization_id);
            add_party(
                &mut parties,
                party(&id, &e.organization_name, e.uscc.as_deref(), &["tenderer"]),
            );
            let reference = json!({"id": id, "name": e.organization_name});
            tenderers.push(reference.clone());
            details.push(json!({
                "id": e.bid_id,
                "date": e.submitted_at,
                "status": if e.eligible { "valid" } else { "disqualified" },
                "tenderers": [reference],
                "value": value(e.price_fen),
            }));
        }
        tender["numberOfTenderers"] = json!(entries.len());
        tender["tenderers"] = Value::Array(tenderers);
        out["bids"] = json!({
            "statistics": [{"id": "bids", "measure": "bids", "value": entries.len(), "date": record.opened_at}],
            "details": details,
        });
    }

    let award_rows = awards::Entity::find()
        .filter(awards::Column::ProjectId.eq(p.id))
        .order_by_asc(awards::Column::Id)
        .all(tx)
        .await?;
    let grant_rows = grants::Entity::find()
        .filter(grants::Column::ProjectId.eq(p.id))
        .order_by_asc(grants::Column::Id)
        .all(tx)
        .await?;
    let mut award_list = Vec::new();
    for a in &award_rows {
        // After a decline the award passes to the grant's current holder.
        let holder = grant_rows
            .iter()
            .rev()
            .find(|g| g.award_id == a.id && g.status != GrantStatus::Declined)
            .map(|g| g.organization_id)
            .unwrap_or(a.organization_id);
        let org = organizations::Entity::find_by_id(holder).one(tx).await?;
        let (name, uscc) = org.map_or_else(
            || (a.organization_name.clone(), a.uscc.clone()),
            |o| (o.name, o.uscc),
        );
        let id = organization_party_id(uscc.as_deref(), holder);
        add_party(
            &mut parties,
            party(&id, &name, uscc.as_deref(), &["supplier"]),
        );
        let mut award = json!({
            "id": a.id,
            "title": p.title,
            "status": award_status(a.status),
            "statusDetails": a.status.as_str(),
            "date": a.notice_at,
            "value": value(a.amount_fen),
            "suppliers": [{"id": id, "name": name}],
        });
        if let Some(reason) = &a.reason {
            award["description"] = json!(reason);
        }
        award_list.push(award);
    }
    if !award_list.is_empty() {
        out["awards"] = Value::Array(award_list);
    }

    let mut contracts = Vec::new();
    for g in &grant_rows {
        let payments = disbursements::Entity::find()
            .filter(disbursements::Column::GrantId.eq(g.id))
            .order_by_asc(disbursements::Column::Id)
            .all(tx)
            .await?;
        let org = organizations::Entity::find_by_id(g.organization_id)
            .one(tx)
            .await?;
        let (name, uscc) = org.map_or_else(|| (g.title.clone(), None), |o| (o.name, o.uscc));
        let payee =
            json!({"id": organization_party_id(uscc.as_deref(), g.organization_id), "name": name});
        let transactions: Vec<Value> = payments
            .iter()
            .map(|d| {
                json!({
                    "id": d.id,
                    "source": buyer_id,
                    "date": format!("{}T00:00:00+08:00", d.paid_on),
                    "value": value(d.amount_fen),
                    "payer": {"id": buyer_id, "name": dept.name},
                    "payee": payee,
                })
            })
            .collect();
        let mut contract = json!({
            "id": g.id,
            "awardID": g.award_id,
            "title": g.title,
            "status": contract_status(g.status),
            "statusDetails": g.status,
            "value": value(g.amount_fen),
            "period": {
                "startDate": format!("{}T00:00:00+08:00", g.service_start),
                "endDate": format!("{}T23:59:59+08:00", g.service_end),
            },
        });
        if let Some(signed) = g.accepted_at {
            contract["dateSigned"] = json!(signed);
        }
        if !transactions.is_empty() {
            add_party(&mut parties, json!({"id": buyer_id, "roles": ["payer"]}));
            contract["implementation"] = json!({"transactions": transactions});
        }
        contracts.push(contract);
    }
    if !contracts.is_empty() {
        out["contracts"] = Value::Array(contracts);
    }
    out["tender"] = tender;
    out["parties"] = Value::Array(parties);
    Ok(out)
}

/// The ocid of a project number.
#[must_use]
pub fn ocid(prefix: &str, number: &str) -> String {
    format!("{prefix}-{number}")
}

/// The project number an ocid names, if it has this prefix.
#[must_use]
pub fn number_of<'a>(ocid: &'a str, prefix: &str) -> Option<&'a str> {
    ocid.strip_prefix(prefix)?.strip_prefix('-')
}

/// A stored release made whole: its ocid and id added.
#[must_use]
pub fn finish(stored: &str, prefix: &str, number: &str, seq: i64) -> Value {
    let mut r: Value = serde_json::from_str(stored).unwrap_or_else(|_| json!({}));
    let ocid = ocid(prefix, number);
    r["id"] = json!(format!("{ocid}-{seq}"));
    r["ocid"] = json!(ocid);
    r
}

/// A release package around `releases`.
#[must_use]
pub fn release_package(uri: &str, published: DateTime<Utc>, releases: Vec<Value>) -> Value {
    json!({
        "uri": uri,
        "version": "1.1",
        "publishedDate": published,
        "publisher": {"name": "cogov"},
        "extensions": [BIDS_EXTENSION],
        "releases": releases,
    })
}

/// A record package with one record: every release of `ocid` and the
/// compiled release (the latest snapshot, retagged).
#[must_use]
pub fn record_package(
    uri: &str,
    published: DateTime<Utc>,
    ocid: &str,
    releases: Vec<Value>,
) -> Value {
    let mut compiled = releases.last().cloned().unwrap_or_else(|| json!({}));
    compiled["id"] = json!(format!("{ocid}-compiled"));
    compiled["tag"] = json!(["compiled"]);
    json!({
        "uri": uri,
        "version": "1.1",
        "publishedDate": published,
        "publisher": {"name": "cogov"},
        "extensions": [BIDS_EXTENSION],
        "records": [{"ocid": ocid, "releases": releases, "compiledRelease": compiled}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ocid_is_the_prefix_and_the_project_number() {
        let o = ocid("ocds-cogov0", "CG-2026-000001");
        assert_eq!(o, "ocds-cogov0-CG-2026-000001");
        assert_eq!(number_of(&o, "ocds-cogov0"), Some("CG-2026-000001"));
        assert_eq!(number_of(&o, "ocds-other0"), None);
        assert_eq!(number_of("ocds-cogov0", "ocds-cogov0"), None);
    }

    #[test]
    fn amounts_are_yuan_in_cny() {
        assert_eq!(
            value(95_000_000),
            json!({"amount": 950_000.0, "currency": "CNY"})
        );
        assert_eq!(value(100_001)["amount"], json!(1000.01));
    }

    #[test]
    fn organizations_are_identified_by_their_code() {
        let id = Uuid::now_v7();
        assert_eq!(
            organization_party_id(Some("52110000MJ0000001X"), id),
            "CN-USCI-52110000MJ0000001X"
        );
        assert_eq!(organization_party_id(None, id), format!("cogov-org-{id}"));
        let p = party("CN-USCI-X", "甲", Some("X"), &["tenderer"]);
        assert_eq!(p["identifier"]["scheme"], "CN-USCI");
    }

    #[test]
    fn states_map_to_ocds_codes() {
        assert_eq!(tender_status(ProjectStatus::Open), "active");
        assert_eq!(tender_status(ProjectStatus::Awarded), "complete");
        assert_eq!(tender_status(ProjectStatus::Failed), "unsuccessful");
        assert_eq!(procurement_method("public_tender"), "open");
        assert_eq!(procurement_method("single_source"), "direct");
        assert_eq!(award_status(AwardStatus::Notice), "pending");
        assert_eq!(award_status(AwardStatus::Withdrawn), "cancelled");
        assert_eq!(contract_status(GrantStatus::Completed), "terminated");
        assert_eq!(contract_status(GrantStatus::Declined), "cancelled");
    }

    #[test]
    fn a_party_with_two_roles_is_listed_once() {
        let mut parties = Vec::new();
        add_party(&mut parties, json!({"id": "a", "roles": ["tenderer"]}));
        add_party(&mut parties, json!({"id": "a", "roles": ["supplier"]}));
        assert_eq!(parties.len(), 1);
        assert_eq!(parties[0]["roles"], json!(["tenderer", "supplier"]));
    }

    #[test]
    fn the_compiled_release_is_the_latest_snapshot() {
        let now = Utc::now();
        let pkg = record_package(
            "u",
            now,
            "ocds-x-CG-1",
            vec![
                json!({"id": "1", "tag": ["tender"]}),
                json!({"id": "2", "tag": ["award"], "awards": []}),
            ],
        );
        let compiled = &pkg["records"][0]["compiledRelease"];
        assert_eq!(compiled["tag"], json!(["compiled"]));
        assert_eq!(compiled["id"], "ocds-x-CG-1-compiled");
        assert!(compiled.get("awards").is_some());
    }
}
