//! Bulk import and export of the registry as CSV.
//!
//! One format both ways (the export adds read-only columns the import
//! ignores): `uscc,name,org_type,public_offering,division_code,field,
//! supervising_unit,address,legal_representative,business_scope,funds_yuan,
//! registered_on,status,grade,grade_awarded_on`. Every row is checked as a
//! whole (the code's two checks included), so a rejected row leaves nothing
//! behind; a code already in the registry is skipped, which makes a re-run
//! harmless.
//!
//! A file goes in batches of [`BATCH`] good rows, each one transaction with
//! one multi-row insert and one audit entry for the batch (`registry.import`:
//! how many, their `seq` range and a SHA-256 of their codes), so a national
//! registry of a million rows loads in minutes; a batch that fails leaves
//! the earlier ones in place and a re-run adds the rest. [`import_one`]
//! registers a single organization with its own entry (the demo, tests).

use chrono::{DateTime, NaiveDate, Utc};
use entity::organizations;
use std::collections::HashSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
};
use sha2::{Digest as _, Sha256};

use super::credit;
use super::organizations::{self as orgs, Status};
use super::rules::{AuthorityLevel, Field, OrgType};
use super::uscc::{Holder, Uscc};
use crate::audit::{self, Change, Who};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};
use crate::money::Fen;

/// Columns of the import format, in order.
pub const COLUMNS: [&str; 15] = [
    "uscc",
    "name",
    "org_type",
    "public_offering",
    "division_code",
    "field",
    "supervising_unit",
    "address",
    "legal_representative",
    "business_scope",
    "funds_yuan",
    "registered_on",
    "status",
    "grade",
    "grade_awarded_on",
];

/// One organization to import, checked.
#[derive(Debug, Clone)]
pub struct Record {
    /// The organization.
    pub new: orgs::NewOrganization,
    /// Registered, deregistered or revoked.
    pub status: Status,
    /// Grade 1-5 and its award date.
    pub grade: Option<(i16, NaiveDate)>,
}

/// Reads one CSV row (headers give the column positions).
///
/// # Errors
/// Every problem of the row, each naming its column.
pub fn parse_row(
    headers: &csv::StringRecord,
    row: &csv::StringRecord,
) -> Result<Record, Vec<FieldError>> {
    let get = |name: &str| -> &str {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .and_then(|i| row.get(i))
            .map_or("", str::trim)
    };
    let mut errors = Vec::new();
    let mut bad = |field: &str, code: &str, message: String| {
        errors.push(FieldError::new(field, code, message));
    };
    let uscc = match Uscc::parse(get("uscc")) {
        Ok(u) => Some(u),
        Err(e) => {
            bad("uscc", "invalid_uscc", e.to_string());
            None
        }
    };
    let name = get("name").to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        bad(
            "name",
            "length",
            "name must have 1 to 200 characters".into(),
        );
    }
    let public_offering = match get("public_offering") {
        "" | "false" | "0" | "no" => false,
        "true" | "1" | "yes" => true,
        other => {
            bad(
                "public_offering",
                "invalid_boolean",
                format!("`{other}` is not true or false"),
            );
            false
        }
    };
    let org_type = OrgType::from_parts(get("org_type"), public_offering);
    if org_type.is_none() {
        bad(
            "org_type",
            "unknown_org_type",
            "type must be social_group, foundation or social_service_agency".into(),
        );
    }
    let division_code = get("division_code").to_owned();
    if AuthorityLevel::of_division(&division_code).is_none() {
        bad(
            "division_code",
            "unknown_division",
            format!("`{division_code}` is not a division code of the reference list"),
        );
    }
    // Long-registered organizations keep the division they were issued
    // under, so an import compares the issuer and the category only.
    if let (Some(u), Some(t)) = (&uscc, org_type)
        && let Err(e) = u.check_holder(Holder::Organization {
            category: t.category(),
            division: None,
        })
    {
        bad("uscc", "uscc_holder", e.to_string());
    }
    let field = Field::parse(get("field"));
    if field.is_none() {
        bad(
            "field",
            "unknown_field",
            format!("field must be one of {}", Field::NAMES.join(", ")),
        );
    }
    let funds_fen = match Fen::from_yuan_str(get("funds_yuan")) {
        Ok(f) if f.0 >= 0 => f.0,
        Ok(_) => {
            bad(
                "funds_yuan",
                "negative_amount",
                "funds cannot be negative".into(),
            );
            0
        }
        Err(e) => {
            bad("funds_yuan", "invalid_amount", e.to_string());
            0
        }
    };
    let date = |col: &str, bad: &mut dyn FnMut(&str, &str, String)| -> Option<NaiveDate> {
        let v = get(col);
        match v.parse::<NaiveDate>() {
            Ok(d) => Some(d),
            Err(_) => {
                bad(
                    col,
                    "invalid_date",
                    format!("`{v}` is not a date (YYYY-MM-DD)"),
                );
                None
            }
        }
    };
    let registered_on = date("registered_on", &mut bad);
    let status = match get("status") {
        "" => Status::Active,
        s => Status::parse(s).unwrap_or_else(|| {
            bad(
                "status",
                "unknown_status",
                format!("`{s}` is not active, deregistered or revoked"),
            );
            Status::Active
        }),
    };
    let grade = match get("grade") {
        "" => None,
        g => match g.trim_end_matches('A').parse::<i16>() {
            Ok(n) if (1..=5).contains(&n) => date("grade_awarded_on", &mut bad).map(|d| (n, d)),
            _ => {
                bad(
                    "grade",
                    "unknown_grade",
                    format!("`{g}` is not a grade 1A-5A"),
                );
                None
            }
        },
    };
    if let (Some(reg), Some((_, awarded))) = (registered_on, grade)
        && !credit::may_be_graded(reg, awarded)
    {
        bad(
            "grade_awarded_on",
            "grade_too_early",
            "only organizations registered for 2 full years can be graded".into(),
        );
    }
    let supervising_unit = Some(get("supervising_unit").to_owned()).filter(|s| !s.is_empty());
    let (address, legal_representative, business_scope) = (
        get("address").to_owned(),
        get("legal_representative").to_owned(),
        get("business_scope").to_owned(),
    );
    match (uscc, org_type, field, registered_on) {
        (Some(uscc), Some(org_type), Some(field), Some(registered_on)) if errors.is_empty() => {
            Ok(Record {
                new: orgs::NewOrganization {
                    name,
                    org_type,
                    division_code,
                    field,
                    supervising_unit,
                    address,
                    legal_representative,
                    business_scope,
                    funds_fen,
                    registered_on,
                    uscc: uscc.as_str().to_owned(),
                    uscc_legacy_reason: None,
                },
                status,
                grade,
            })
        }
        _ => Err(errors),
    }
}

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Added to the registry.
    Created,
    /// Its code was already there; nothing changed.
    AlreadyPresent,
}

/// Imports one checked record in its own transaction (by the system, with
/// its audit entry). Idempotent: a code already registered is skipped.
///
/// # Errors
/// The database's error.
pub async fn import_one(db: &Db, record: Record, now: DateTime<Utc>) -> Result<Outcome> {
    let exists = organizations::Entity::find()
        .filter(organizations::Column::Uscc.eq(record.new.uscc.clone()))
        .one(db.conn())
        .await?
        .is_some();
    if exists {
        return Ok(Outcome::AlreadyPresent);
    }
    let tx = db.begin().await?;
    let mut org = match orgs::insert(&*tx, record.new, now).await {
        Ok(o) => o,
        Err(Error::Invalid(_)) => return Ok(Outcome::AlreadyPresent),
        Err(e) => return Err(e),
    };
    if record.status != Status::Active || record.grade.is_some() {
        let mut am = organizations::ActiveModel {
            id: Set(org.id),
            status: Set(record.status),
            ..Default::default()
        };
        org.status = record.status;
        if let Some((g, on)) = record.grade {
            org.grade = Some(g);
            org.grade_awarded_on = Some(on);
            org.grade_valid_until = Some(credit::grade_valid_until(on));
            am.grade = Set(org.grade);
            am.grade_awarded_on = Set(org.grade_awarded_on);
            am.grade_valid_until = Set(org.grade_valid_until);
            entity::grades::ActiveModel::from(entity::grades::Model {
                id: uuid::Uuid::now_v7(),
                organization_id: org.id,
                grade: g,
                awarded_on: on,
                valid_until: credit::grade_valid_until(on),
                created_by: None,
                created_at: now,
            })
            .reset_all()
            .insert(&*tx)
            .await?;
        }
        am.update(&*tx).await?;
    }
    crate::open::publish(
        &*tx,
        &Who::system(),
        Change::new::<(), _>(
            "organization.import",
            "organization",
            org.id,
            None,
            Some(&orgs::snapshot(&org)),
        ),
        crate::open::Event::OrganizationImported(org.id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Created)
}

/// A rejected row: its line in the file and its problems.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// What is wrong.
    pub errors: Vec<FieldError>,
}

/// Totals of an import.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Rows added.
    pub created: u64,
    /// Rows whose code was already registered.
    pub already_present: u64,
    /// Rows refused.
    pub rejected: Vec<Rejected>,
}

/// Imports a whole CSV file; `progress` is told the rows read so far after
/// each batch.
///
/// # Errors
/// `BadInput` when the file is not CSV or lacks a required column; the
/// database's error (rows imported so far stay).
pub async fn import_csv<R: std::io::Read + Send + 'static>(
    db: &Db,
    input: R,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64),
) -> Result<Report> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| Error::bad_input("file", "invalid_csv", e.to_string()))?
        .clone();
    let missing: Vec<_> = COLUMNS
        .iter()
        .filter(|c| {
            ![
                "supervising_unit",
                "grade",
                "grade_awarded_on",
                "public_offering",
                "status",
            ]
            .contains(c)
        })
        .filter(|c| !headers.iter().any(|h| h.trim() == **c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::bad_input(
            "file",
            "missing_columns",
            format!("the header lacks {missing:?}"),
        ));
    }
    // Rows are read and checked on a thread of their own while the
    // database writes the batch before: the two overlap (PostgreSQL is a
    // process of its own; SQLite writes on the pool's thread).
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Parsed>(2);
    let reading = tokio::task::spawn_blocking(move || read_batches(reader, headers, &tx));
    // PostgreSQL writes two batches at once (a writer waits on the disk
    // half the time); SQLite has one writer anyway.
    let in_flight = if db.backend() == sea_orm::DbBackend::Postgres {
        2
    } else {
        1
    };
    use futures_util::StreamExt as _;
    let batches = futures_util::stream::unfold(&mut rx, |rx| async move {
        rx.recv().await.map(|parsed| (parsed, rx))
    });
    let mut written = std::pin::pin!(
        batches
            .map(|parsed| async move {
                let (created, present) = import_batch(db, parsed.records, now).await?;
                Ok::<_, Error>((
                    created,
                    present + parsed.repeated,
                    parsed.rejected,
                    parsed.read,
                ))
            })
            .buffered(in_flight)
    );
    let mut report = Report::default();
    while let Some(batch) = written.next().await {
        let (created, present, rejected, read) = batch?;
        report.rejected.extend(rejected);
        report.created += created;
        report.already_present += present;
        progress(read);
    }
    reading
        .await
        .map_err(|e| Error::Internal(format!("reading the file: {e}")))?;
    if report.created > 0 && db.backend() == sea_orm::DbBackend::Postgres {
        // The planner's picture of the registry, redrawn for its new size:
        // with statistics of an empty table a search for a common character
        // takes seconds instead of a millisecond. And the grams the import
        // left in the text index's pending list merged, which every search
        // would otherwise read through (migration 000051).
        use sea_orm::ConnectionTrait as _;
        db.conn()
            .execute_unprepared("ANALYZE organizations")
            .await?;
        db.conn()
            .execute_unprepared(
                "SELECT gin_clean_pending_list('idx_organizations_name_grams'::regclass)",
            )
            .await?;
        // The search reads the new statistics at its next question.
        if let Ok(mut held) = db.gram_stats().lock() {
            *held = None;
        }
    }
    Ok(report)
}

/// A batch of checked rows and the rows refused since the last batch.
struct Parsed {
    records: Vec<Record>,
    rejected: Vec<Rejected>,
    /// Good rows left out as their code was in the batch before (which
    /// may still be being written alongside): already present.
    repeated: u64,
    /// Rows read so far.
    read: u64,
}

/// Reads and checks every row, sending a [`BATCH`] of good rows at a time
/// (and the last, short one); stops when the receiver is gone.
fn read_batches<R: std::io::Read>(
    mut reader: csv::Reader<R>,
    headers: csv::StringRecord,
    out: &tokio::sync::mpsc::Sender<Parsed>,
) {
    let mut next = Parsed {
        records: Vec::with_capacity(BATCH),
        rejected: Vec::new(),
        repeated: 0,
        read: 0,
    };
    // The codes of the batch sent last: two batches may be written at
    // once, and neither would see the other's rows as present.
    let mut previous: HashSet<String> = HashSet::new();
    for (i, row) in reader.records().enumerate() {
        let line = row
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i as u64 + 2, |p| p.line());
        let parsed = row
            .map_err(|e| vec![FieldError::new("row", "invalid_csv", e.to_string())])
            .and_then(|r| parse_row(&headers, &r));
        match parsed {
            Ok(record) if previous.contains(&record.new.uscc) => next.repeated += 1,
            Ok(record) => next.records.push(record),
            Err(errors) => next.rejected.push(Rejected { line, errors }),
        }
        next.read = i as u64 + 1;
        if next.records.len() == BATCH {
            let read = next.read;
            let full = std::mem::replace(
                &mut next,
                Parsed {
                    records: Vec::with_capacity(BATCH),
                    rejected: Vec::new(),
                    repeated: 0,
                    read,
                },
            );
            previous = full.records.iter().map(|r| r.new.uscc.clone()).collect();
            if out.blocking_send(full).is_err() {
                return;
            }
        }
    }
    let _ = out.blocking_send(next);
}

/// Good rows written per transaction (25 columns each stays under both
/// databases' limits on statement parameters).
pub const BATCH: usize = 1000;

/// Imports checked records in one transaction: one query for the codes
/// already registered, one insert of the rest (and one of their grades),
/// their search terms, and one audit entry for the batch. A code twice in
/// the batch counts once. Returns (created, already present).
///
/// # Errors
/// The database's error; nothing of the batch is written then.
pub async fn import_batch(db: &Db, records: Vec<Record>, now: DateTime<Utc>) -> Result<(u64, u64)> {
    if records.is_empty() {
        return Ok((0, 0));
    }
    let total = records.len() as u64;
    let tx = db.begin().await?;
    let codes: Vec<&str> = records.iter().map(|r| r.new.uscc.as_str()).collect();
    let present: HashSet<String> = organizations::Entity::find()
        .select_only()
        .column(organizations::Column::Uscc)
        .filter(organizations::Column::Uscc.is_in(codes))
        .into_tuple::<Option<String>>()
        .all(&*tx)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let mut seen = HashSet::new();
    let fresh: Vec<Record> = records
        .into_iter()
        .filter(|r| !present.contains(&r.new.uscc) && seen.insert(r.new.uscc.clone()))
        .collect();
    if fresh.is_empty() {
        return Ok((0, total));
    }
    let seqs = crate::db::next_seqs(&*tx, crate::db::Numbered::Organizations, fresh.len()).await?;
    let mut digest = Sha256::new();
    let mut grades = Vec::new();
    let orgs: Vec<organizations::Model> = fresh
        .into_iter()
        .zip(&seqs)
        .map(|(record, seq)| {
            digest.update(record.new.uscc.as_bytes());
            digest.update(b"\n");
            let mut org = orgs::model_of(record.new, *seq, now);
            org.status = record.status;
            if let Some((grade, on)) = record.grade {
                org.grade = Some(grade);
                org.grade_awarded_on = Some(on);
                org.grade_valid_until = Some(credit::grade_valid_until(on));
                grades.push(
                    entity::grades::ActiveModel::from(entity::grades::Model {
                        id: uuid::Uuid::now_v7(),
                        organization_id: org.id,
                        grade,
                        awarded_on: on,
                        valid_until: credit::grade_valid_until(on),
                        created_by: None,
                        created_at: now,
                    })
                    .reset_all(),
                );
            }
            org
        })
        .collect();
    let created = orgs.len() as u64;
    // Rows first, counts after: the counts' rows are locked until commit,
    // and a batch written alongside waits there, not before its insert.
    let counted = crate::stats::registered_counts(&orgs);
    organizations::Entity::insert_many(
        orgs.into_iter()
            .map(|o| organizations::ActiveModel::from(o).reset_all()),
    )
    .exec(&*tx)
    .await?;
    if !grades.is_empty() {
        entity::grades::Entity::insert_many(grades)
            .exec(&*tx)
            .await?;
    }
    crate::stats::add_counts(&*tx, counted).await?;
    let (first, last) = (seqs[0], seqs[seqs.len() - 1]);
    super::search::index_range(&*tx, first, last).await?;
    audit::append(
        &*tx,
        &Who::system(),
        Change::new::<(), _>(
            "registry.import",
            "registry",
            uuid::Uuid::now_v7(),
            None,
            Some(&serde_json::json!({
                "imported": created,
                "seq_from": first,
                "seq_to": last,
                "codes_sha256": hex::encode(digest.finalize()),
            })),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((created, total - created))
}

/// Rows per page of the export.
pub const EXPORT_PAGE: u64 = 1000;

/// The export's header line: the import's columns plus `credit_status` and
/// `grade_valid_until`.
#[must_use]
pub fn export_header() -> Vec<u8> {
    let mut header: Vec<&str> = COLUMNS.to_vec();
    header.extend(["credit_status", "grade_valid_until"]);
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(&header);
    w.into_inner().unwrap_or_default()
}

/// One page of the public registry as CSV lines, in registration order,
/// after the organization `after` (from the start without one), and the
/// organization to continue after, if any. An export is a loop over pages,
/// so it holds one page in memory however large the registry.
///
/// # Errors
/// The database's error.
pub async fn export_page(
    db: &Db,
    search: &orgs::Search,
    today: NaiveDate,
    after: Option<uuid::Uuid>,
) -> Result<(Vec<u8>, Option<uuid::Uuid>)> {
    let page = crate::pagination::PageRequest {
        limit: EXPORT_PAGE,
        after,
    };
    let (rows, next) = orgs::search(db, search, &page, today).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for o in &rows {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        w.write_record([
            o.uscc.clone().unwrap_or_default(),
            o.name.clone(),
            o.org_type.clone(),
            o.public_offering.to_string(),
            o.division_code.clone(),
            o.field.clone(),
            o.supervising_unit.clone().unwrap_or_default(),
            o.address.clone(),
            o.legal_representative.clone(),
            o.business_scope.clone(),
            Fen(o.funds_fen).to_string(),
            date(o.registered_on),
            o.status.as_str().into(),
            o.grade.map(|g| format!("{g}A")).unwrap_or_default(),
            date(o.grade_awarded_on),
            o.credit_status.as_str().into(),
            date(o.grade_valid_until),
        ])
        .map_err(|e| Error::Internal(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    Ok((bytes, next.and(rows.last().map(|o| o.id))))
}

/// The public registry as CSV, streamed a page at a time (the API and the
/// command line).
pub fn export_stream(
    db: Db,
    search: orgs::Search,
    today: NaiveDate,
) -> impl futures_util::Stream<Item = Result<Vec<u8>>> + Send + 'static {
    crate::pagination::stream_pages(export_header(), Vec::new(), move |after| {
        let (db, search) = (db.clone(), search.clone());
        async move { export_page(&db, &search, today, after).await }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Record, Vec<FieldError>> {
        let headers = csv::StringRecord::from(COLUMNS.to_vec());
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let row = r.records().next().unwrap().unwrap();
        parse_row(&headers, &row)
    }

    #[test]
    fn a_good_row_is_read_whole() {
        let r = parse("52420000MJH23339XT,湖北省阳光社会工作服务中心,social_service_agency,,420000,community_service,,武汉市,李华,社会工作服务,30000.00,2019-05-10,active,4A,2022-06-01").unwrap();
        assert_eq!(r.new.funds_fen, 3_000_000);
        assert_eq!(r.grade, Some((4, "2022-06-01".parse().unwrap())));
    }

    #[test]
    fn every_problem_of_a_row_names_its_column() {
        let errs =
            parse("52420000MJH23339XA,,club,maybe,999999,sports,,,,,12.345,2019-13-01,gone,6A,")
                .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "uscc",
                "name",
                "public_offering",
                "org_type",
                "division_code",
                "field",
                "funds_yuan",
                "registered_on",
                "status",
                "grade"
            ]
        );
        assert!(
            errs[0].message.contains("character 18"),
            "{}",
            errs[0].message
        );
    }
}
