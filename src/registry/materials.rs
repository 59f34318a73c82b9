//! Required materials: the documents each kind of application must carry
//! before it is submitted, shown as a checklist to the applicant and to the
//! registrar beside the documents.
//!
//! What it owns: `application_requirements` (per kind, the labels required,
//! in order; seeded by migration 000058 with 章程草案, 住所使用证明, 验资报告
//! 或资金证明, 法定代表人身份证明 and 业务主管单位同意文件 for a
//! registration, the change resolution for a change, the dissolution
//! resolution and liquidation report for a deregistration).
//!
//! Rules: a registration that names no supervising unit is not asked for
//! the unit's consent; one file of a label ticks that item; an application
//! with an item unticked is refused at submit, naming each missing document.
//!
//! Who may do what: anyone reads the requirements (they are the office's
//! published list); only an admin changes them.

use chrono::{DateTime, Utc};
use entity::application_requirements as requirements;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::particulars::{Content, Kind};
use crate::audit::{self, Change};
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};

/// The label of the supervising unit's consent, asked only when the
/// registration names a supervising unit.
pub const SUPERVISOR_CONSENT: &str = "supervisor_consent";

/// One line of an application's checklist.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Item {
    /// The document's label.
    pub label: String,
    /// Whether a file of that label is attached.
    pub attached: bool,
}

/// Whether `label` is asked of this application's content.
#[must_use]
pub fn applies(label: &str, content: &Content) -> bool {
    match (label, content) {
        (SUPERVISOR_CONSENT, Content::Registration(p)) => p
            .supervising_unit
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty()),
        _ => true,
    }
}

/// The checklist of an application: each required label that applies to
/// its content, ticked when a file of that label is attached.
#[must_use]
pub fn checklist(required: &[String], content: &Content, attached: &[String]) -> Vec<Item> {
    required
        .iter()
        .filter(|l| applies(l, content))
        .map(|l| Item {
            label: l.clone(),
            attached: attached.iter().any(|a| a == l),
        })
        .collect()
}

/// One refusal per unticked item, on `documents.<label>`.
#[must_use]
pub fn missing(list: &[Item]) -> Vec<FieldError> {
    list.iter()
        .filter(|i| !i.attached)
        .map(|i| {
            FieldError::new(
                format!("documents.{}", i.label),
                "document_missing",
                format!("attach the {} before submitting", i.label.replace('_', " ")),
            )
        })
        .collect()
}

/// The labels required of `kind`, in checklist order.
///
/// # Errors
/// The database's error.
pub async fn required<C: ConnectionTrait>(conn: &C, kind: Kind) -> Result<Vec<String>> {
    Ok(requirements::Entity::find()
        .filter(requirements::Column::Kind.eq(kind.as_str()))
        .order_by_asc(requirements::Column::Position)
        .order_by_asc(requirements::Column::Label)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.label)
        .collect())
}

/// An admin sets the documents required of `kind` (labels in checklist
/// order), with its audit entry.
///
/// # Errors
/// `Forbidden` unless an admin; `Invalid` on `labels` for an unknown or
/// repeated label, or `other` (which names no document).
pub async fn set(
    db: &Db,
    actor: &Actor,
    kind: Kind,
    labels: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    policy::check(Some(actor), Action::ManageCatalog)?;
    for (i, l) in labels.iter().enumerate() {
        if l == "other" || !crate::files::APPLICATION_LABELS.contains(&l.as_str()) {
            return Err(Error::invalid(
                &format!("labels[{i}]"),
                "unknown_label",
                "choose among the document labels (other names no document)",
            ));
        }
        if labels[..i].contains(l) {
            return Err(Error::invalid(
                &format!("labels[{i}]"),
                "duplicate",
                "each document is listed once",
            ));
        }
    }
    let tx = db.begin().await?;
    let before = required(&*tx, kind).await?;
    requirements::Entity::delete_many()
        .filter(requirements::Column::Kind.eq(kind.as_str()))
        .exec(&*tx)
        .await?;
    for (position, label) in (1..).zip(labels) {
        requirements::Entity::insert(requirements::ActiveModel {
            kind: Set(kind.as_str().to_owned()),
            label: Set(label.clone()),
            position: Set(position),
        })
        .exec_without_returning(&*tx)
        .await?;
    }
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "application_requirements.set",
            "application_requirements",
            uuid::Uuid::nil(),
            Some(&serde_json::json!({"kind": kind.as_str(), "labels": before})),
            Some(&serde_json::json!({"kind": kind.as_str(), "labels": labels})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(labels.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::particulars::{Deregistration, Particulars};

    fn registration(unit: Option<&str>) -> Content {
        Content::Registration(Particulars {
            supervising_unit: unit.map(str::to_owned),
            ..Particulars::default()
        })
    }

    fn labels(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_units_consent_is_asked_only_when_a_unit_is_named() {
        let required = labels(&["charter", SUPERVISOR_CONSENT]);
        let without = checklist(&required, &registration(None), &[]);
        assert_eq!(without.len(), 1);
        assert_eq!(without[0].label, "charter");
        let blank = checklist(&required, &registration(Some("  ")), &[]);
        assert_eq!(blank.len(), 1);
        let with = checklist(&required, &registration(Some("武汉市民政局")), &[]);
        assert_eq!(with.len(), 2);
    }

    #[test]
    fn attached_labels_tick_items_and_the_rest_are_refused_by_name() {
        let required = labels(&["dissolution_resolution", "liquidation_report"]);
        let content = Content::Deregistration(Deregistration::default());
        let list = checklist(
            &required,
            &content,
            &labels(&["liquidation_report", "other"]),
        );
        assert_eq!(
            list,
            [
                Item {
                    label: "dissolution_resolution".into(),
                    attached: false
                },
                Item {
                    label: "liquidation_report".into(),
                    attached: true
                },
            ]
        );
        let refused = missing(&list);
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].field, "documents.dissolution_resolution");
        assert_eq!(refused[0].code, "document_missing");
        assert!(missing(&checklist(&required, &content, &required)).is_empty());
    }
}
