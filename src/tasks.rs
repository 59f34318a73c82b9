//! Tasks: what needs a person now.
//!
//! What it owns: the words of the task list, nothing stored. A task is a
//! thing waiting for the person who reads the list, with the place where it
//! is done: an application waiting for a registrar, a question waiting for
//! the purchaser's answer, a score sheet waiting for an expert, a grant
//! waiting for the organization's acceptance. Each area says which of its
//! things wait for whom ([`crate::registry::tasks`],
//! [`crate::procurement::tasks`], [`crate::grants::tasks`],
//! [`crate::notifications::tasks`]); [`crate::workspace`] asks them for the
//! reader and puts the groups in order.
//!
//! A task is done by doing it, not by ticking it: it leaves the list when the
//! thing it waits for changes state (the application decided, the question
//! answered), so the list is always read from the areas' own rows.
//!
//! A group counts every waiting thing of its kind and carries the
//! [`SHOWN`] oldest, so a registrar with 40,000 applications waiting reads
//! a count and the first ten, never the 40,000.
//!
//! What it must not touch: the areas (they name its types; it names none of
//! theirs).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect, Select,
};
use serde::Serialize;

use crate::error::Result;

/// How many things of a group the list shows (the count says the rest).
pub const SHOWN: u64 = 10;

/// What is waiting. The API documents these names as they are (one list,
/// no copy in a DTO).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, poem_openapi::Enum)]
#[serde(rename_all = "snake_case")]
#[oai(rename = "TaskKind", rename_all = "snake_case")]
pub enum Kind {
    /// Registration, change and deregistration applications submitted and
    /// waiting for a registrar (registrars).
    ApplicationsToReview,
    /// Annual reports submitted and waiting for review (registrars).
    AnnualReportsToReview,
    /// Questions about the department's open projects, not answered yet
    /// (purchasers).
    QuestionsToAnswer,
    /// Opened projects without an evaluation panel (purchasers).
    PanelsToAssign,
    /// Projects whose panel has submitted every score sheet, waiting for
    /// the award proposal (purchasers).
    AwardsToPropose,
    /// Challenges to the department's award notices, not replied to yet
    /// (purchasers).
    ChallengesToAnswer,
    /// Grant reports submitted and waiting for review (purchasers).
    ReportsToReview,
    /// Installments payable and not fully paid (purchasers).
    PaymentsDue,
    /// Panels the expert sits on whose bidders are not all declared about
    /// (experts).
    DeclarationsDue,
    /// Panels whose score sheet the expert has not submitted (experts).
    ScoreSheetsDue,
    /// The person's applications returned for changes (organizations).
    ApplicationsReturned,
    /// The person's applications saved but never submitted (organizations).
    ApplicationsInDraft,
    /// Invitations to join an organization, sent to the person's address.
    InvitationsToAnswer,
    /// Grants offered to the organization, waiting for its acceptance.
    GrantsToAccept,
    /// Grant reports due within a week or overdue (organizations).
    ReportsDue,
    /// Grant reports returned for changes (organizations).
    ReportsReturned,
    /// Annual reports returned for changes (organizations).
    AnnualReportsReturned,
    /// Open projects the organization may bid for, closing within a week,
    /// without its bid (organizations; an opportunity, not counted in the
    /// menu).
    ProjectsClosingSoon,
    /// Challenges past their reply date (auditors).
    ChallengesOverdue,
    /// Mails the outbox gave up on (admins).
    MailsFailed,
}

impl Kind {
    /// The name the catalogue and the API use.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ApplicationsToReview => "applications_to_review",
            Kind::AnnualReportsToReview => "annual_reports_to_review",
            Kind::QuestionsToAnswer => "questions_to_answer",
            Kind::PanelsToAssign => "panels_to_assign",
            Kind::AwardsToPropose => "awards_to_propose",
            Kind::ChallengesToAnswer => "challenges_to_answer",
            Kind::ReportsToReview => "reports_to_review",
            Kind::PaymentsDue => "payments_due",
            Kind::DeclarationsDue => "declarations_due",
            Kind::ScoreSheetsDue => "score_sheets_due",
            Kind::ApplicationsReturned => "applications_returned",
            Kind::ApplicationsInDraft => "applications_in_draft",
            Kind::InvitationsToAnswer => "invitations_to_answer",
            Kind::GrantsToAccept => "grants_to_accept",
            Kind::ReportsDue => "reports_due",
            Kind::ReportsReturned => "reports_returned",
            Kind::AnnualReportsReturned => "annual_reports_returned",
            Kind::ProjectsClosingSoon => "projects_closing_soon",
            Kind::ChallengesOverdue => "challenges_overdue",
            Kind::MailsFailed => "mails_failed",
        }
    }

    /// Every kind.
    pub const ALL: [Kind; 20] = [
        Kind::ApplicationsToReview,
        Kind::AnnualReportsToReview,
        Kind::QuestionsToAnswer,
        Kind::PanelsToAssign,
        Kind::AwardsToPropose,
        Kind::ChallengesToAnswer,
        Kind::ReportsToReview,
        Kind::PaymentsDue,
        Kind::DeclarationsDue,
        Kind::ScoreSheetsDue,
        Kind::ApplicationsReturned,
        Kind::ApplicationsInDraft,
        Kind::InvitationsToAnswer,
        Kind::GrantsToAccept,
        Kind::ReportsDue,
        Kind::ReportsReturned,
        Kind::AnnualReportsReturned,
        Kind::ProjectsClosingSoon,
        Kind::ChallengesOverdue,
        Kind::MailsFailed,
    ];

    /// Whether the person must act (counted in the menu), rather than may.
    #[must_use]
    pub fn is_duty(self) -> bool {
        self != Kind::ProjectsClosingSoon
    }
}

/// One waiting thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// What it is, for a person (a project's title, an organization's name).
    pub title: String,
    /// The page where it is done.
    pub link: String,
    /// Since when it waits, or when it falls due (a report due next week).
    pub since: DateTime<Utc>,
}

/// The waiting things of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// What waits.
    pub kind: Kind,
    /// How many wait in all.
    pub count: u64,
    /// The page listing them all.
    pub link: String,
    /// The oldest [`SHOWN`] of them, oldest first.
    pub items: Vec<Item>,
}

impl Group {
    /// A group, or none when nothing waits.
    #[must_use]
    pub fn of(kind: Kind, count: u64, link: impl Into<String>, items: Vec<Item>) -> Option<Self> {
        (count > 0).then(|| Group {
            kind,
            count,
            link: link.into(),
            items,
        })
    }

    /// Since when the group's oldest thing waits.
    #[must_use]
    pub fn oldest(&self) -> Option<DateTime<Utc>> {
        self.items.iter().map(|i| i.since).min()
    }
}

/// What a reader of tasks wants: the whole list (the task page, the API),
/// or only how many duties wait (the menu on every page: count reads only,
/// no opportunities weighed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Groups with their oldest items.
    List,
    /// Duty groups with counts, no items.
    Count,
}

/// How many rows `query` finds, and (for [`Want::List`]) the [`SHOWN`]
/// oldest of them by `since`: at most two indexed reads whatever the count.
///
/// # Errors
/// The database's error.
pub async fn oldest<E, C>(
    db: &C,
    want: Want,
    query: Select<E>,
    since: impl ColumnTrait,
) -> Result<(u64, Vec<E::Model>)>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    C: ConnectionTrait,
{
    let count = query.clone().count(db).await?;
    if count == 0 || want == Want::Count {
        return Ok((count, Vec::new()));
    }
    let rows = query.order_by_asc(since).limit(SHOWN).all(db).await?;
    Ok((count, rows))
}

/// Puts groups in the order a person works: duties before opportunities,
/// then the longest waiting first.
pub fn order(groups: &mut [Group]) {
    groups.sort_by_key(|g| (!g.kind.is_duty(), g.oldest(), g.kind.as_str()));
}

/// How many things the person must act on (the menu's count).
#[must_use]
pub fn duties(groups: &[Group]) -> u64 {
    groups
        .iter()
        .filter(|g| g.kind.is_duty())
        .map(|g| g.count)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn item(day: u32) -> Item {
        Item {
            title: format!("t{day}"),
            link: "/x".into(),
            since: Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn every_kind_has_words_in_both_languages() {
        for kind in Kind::ALL {
            for lang in [crate::i18n::Lang::ZhCn, crate::i18n::Lang::En] {
                assert!(
                    lang.try_t(&format!("task-{}", kind.as_str())).is_some(),
                    "{kind:?} has no {lang:?} label"
                );
            }
        }
    }

    #[test]
    fn nothing_waiting_is_no_group() {
        assert_eq!(Group::of(Kind::PaymentsDue, 0, "/grants", vec![]), None);
        assert!(Group::of(Kind::PaymentsDue, 1, "/grants", vec![item(1)]).is_some());
    }

    #[test]
    fn duties_come_first_then_the_longest_waiting_and_opportunities_are_not_counted() {
        let mut groups = vec![
            Group::of(Kind::ProjectsClosingSoon, 4, "/projects", vec![item(1)]).unwrap(),
            Group::of(Kind::ReportsDue, 2, "/grants", vec![item(9)]).unwrap(),
            Group::of(Kind::GrantsToAccept, 1, "/grants", vec![item(3)]).unwrap(),
        ];
        order(&mut groups);
        let kinds: Vec<Kind> = groups.iter().map(|g| g.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::GrantsToAccept,
                Kind::ReportsDue,
                Kind::ProjectsClosingSoon
            ]
        );
        assert_eq!(duties(&groups), 3);
    }
}
