//! Evaluation pages: the expert's panels, the evaluation page of a project
//! (panel and progress, declarations, the score sheet, the ranking, the
//! award form, challenges and replies), and the award notice, challenge form
//! and own scores shown on the public project page.
//!
//! Who sees what is decided by the services: the evaluation page opens for
//! those [`panels::panel_of`] lets in (the department, panel experts,
//! auditors, admins); bid content appears only when the bid service lets
//! the expert read it, after the declarations.

use std::collections::HashMap;

use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Confirm, Fact, confirm_page, confirmed, or_again};
use super::{ShownError, Viewer, act, or_fail, render, render_status, status_for};
use crate::app::AppState;
use crate::auth::{Actor, policy};
use crate::error::{Error, FieldError, Result};
use crate::pagination::PageRequest;
use crate::procurement::award;
use crate::procurement::challenges::{self, Decision};
use crate::procurement::evaluation::{self, show};
use crate::procurement::rules::{self, Status};
use crate::procurement::{bids, panels, projects, scoring};
use crate::web::format::yuan;

use super::local_time as local;

/// A posted form as its pairs (repeated and generated field names).
use super::{Pairs, field};

// ---------- the expert's panels ----------

#[derive(Debug, Serialize)]
struct PanelRow {
    id: Uuid,
    number: String,
    title: String,
    status: String,
    deadline: String,
}

#[derive(Debug, Serialize)]
struct PanelsPage {
    rows: Vec<PanelRow>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct PanelsQuery {
    cursor: Option<String>,
}

#[handler]
pub(super) async fn my_panels(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<PanelsQuery>,
) -> Response {
    let r = async {
        let page = PageRequest::parse(Some(50), q.cursor.as_deref())?;
        let (list, next) = panels::my_projects(&state.db, viewer.actor()?, &page).await?;
        let rows: Vec<PanelRow> = list
            .into_iter()
            .map(|p| PanelRow {
                id: p.row.id,
                number: p.row.number.clone(),
                title: p.row.title.clone(),
                status: p.row.status.as_str().into(),
                deadline: local(&state, p.row.bid_deadline),
            })
            .collect();
        Ok(render(
            &state,
            &viewer,
            "pages/procurement/panels",
            "panels-title",
            PanelsPage {
                rows,
                next: next.map(|c| format!("/panels?cursor={c}")),
            },
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}

// ---------- the evaluation page ----------

#[derive(Debug, Serialize)]
struct SeatRow {
    name: String,
    status: String,
    reason: String,
    submitted: bool,
    me: bool,
}

#[derive(Debug, Serialize)]
struct PoolOption {
    id: Uuid,
    label: String,
}

#[derive(Debug, Serialize)]
struct DeclarationRow {
    organization_id: Uuid,
    name: String,
    declared: bool,
    conflict: bool,
    reason: String,
    /// What the expert chose before a refused submit: "", "none" or "conflict".
    typed_choice: String,
    typed_reason: String,
}

#[derive(Debug, Serialize)]
struct CriterionHead {
    index: usize,
    name: String,
    weight: u32,
}

#[derive(Debug, Serialize)]
struct Cell {
    points_field: String,
    comment_field: String,
    criterion: String,
    weight: u32,
    points: String,
    comment: String,
}

#[derive(Debug, Serialize)]
struct SheetBid {
    bid_id: Uuid,
    name: String,
    price: String,
    technical_proposal: String,
    team: String,
    plan: String,
    files: Vec<(Uuid, String)>,
    cells: Vec<Cell>,
}

#[derive(Debug, Serialize)]
struct RankRow {
    rank: usize,
    bid_id: Uuid,
    name: String,
    price: String,
    expert_score: String,
    price_score: String,
    total: String,
}

#[derive(Debug, Serialize)]
pub(super) struct ChallengeRow {
    id: Uuid,
    filed_at: String,
    reply_due: String,
    status: String,
    outcome: String,
    reply: String,
    replied_at: String,
    overdue: bool,
    detailed: bool,
    organization_name: String,
    reasons: String,
    files: Vec<(Uuid, String)>,
}

fn challenge_rows(state: &AppState, list: Vec<challenges::ChallengeView>) -> Vec<ChallengeRow> {
    list.into_iter()
        .map(|v| ChallengeRow {
            id: v.row.id,
            filed_at: local(state, v.row.filed_at),
            reply_due: v.row.reply_due.to_string(),
            status: v.row.status.as_str().into(),
            outcome: v.row.outcome.unwrap_or_default(),
            reply: v.row.reply.unwrap_or_default(),
            replied_at: v
                .row
                .replied_at
                .map(|t| local(state, t))
                .unwrap_or_default(),
            overdue: v.overdue,
            detailed: v.detailed,
            organization_name: v.organization_name.unwrap_or_default(),
            reasons: v.row.reasons,
            files: v.files.into_iter().map(|f| (f.id, f.file_name)).collect(),
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct EvaluationPage {
    /// What the page is about, for its title.
    subject: String,
    id: Uuid,
    number: String,
    title: String,
    status: String,
    is_buyer: bool,
    seated: bool,
    excluded_reason: String,
    panel: Vec<SeatRow>,
    panel_rule: String,
    panel_ok: bool,
    can_assign: bool,
    pool: Vec<PoolOption>,
    declarations: Vec<DeclarationRow>,
    needs_declaration: bool,
    sheet: Vec<SheetBid>,
    criteria: Vec<CriterionHead>,
    can_score: bool,
    sheet_submitted: bool,
    ranking: Vec<RankRow>,
    can_award: bool,
    award_bid: String,
    award_reason: String,
    has_notice: bool,
    challenges: Vec<ChallengeRow>,
    errors: Vec<ShownError>,
}

/// Builds the evaluation page; `typed` holds the values of a refused form.
#[allow(clippy::too_many_lines)]
async fn evaluation_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    typed: &Pairs,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = viewer.actor()?;
    let now = state.clock.now();
    let seats = panels::panel_of(&state.db, actor, id).await?;
    let p = projects::get(&state.db, Some(actor), id).await?;
    let is_buyer = policy::buys_for(Some(actor), p.row.department_id);
    let mine = seats.iter().find(|m| m.expert_id == actor.user_id);
    let seated = mine.is_some_and(|m| m.status == panels::SeatStatus::Active);
    let active = seats
        .iter()
        .filter(|m| m.status == panels::SeatStatus::Active)
        .count();
    let names = panels::names(&state.db, &seats).await?;
    let mut panel = Vec::new();
    for (m, name) in seats.iter().zip(names) {
        panel.push(SeatRow {
            name,
            status: m.status.as_str().into(),
            reason: m.exclusion_reason.clone().unwrap_or_default(),
            submitted: m.sheet_submitted_at.is_some(),
            me: m.expert_id == actor.user_id,
        });
    }
    let can_assign = panels::may_assign(actor, &p).is_ok();
    let pool = if can_assign {
        panels::expert_pool(&state.db, actor)
            .await?
            .into_iter()
            .filter(|(u, _, _)| !seats.iter().any(|m| m.expert_id == *u))
            .map(|(id, name, email)| PoolOption {
                id,
                label: format!("{name} <{email}>"),
            })
            .collect()
    } else {
        Vec::new()
    };

    // Declarations and the sheet (an active expert after the opening).
    let opening = match bids::opening_record(&state.db, id).await {
        Ok((_, entries)) => entries,
        Err(Error::NotFound(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut declarations = Vec::new();
    if seated && !opening.is_empty() {
        let made = panels::my_declarations(&state.db, actor, id).await?;
        for e in &opening {
            let d = made.iter().find(|d| d.organization_id == e.organization_id);
            declarations.push(DeclarationRow {
                organization_id: e.organization_id,
                name: e.organization_name.clone(),
                declared: d.is_some(),
                conflict: d.is_some_and(|d| d.conflict),
                reason: d.and_then(|d| d.reason.clone()).unwrap_or_default(),
                typed_choice: field(typed, &format!("d-{}", e.organization_id)).to_owned(),
                typed_reason: field(typed, &format!("r-{}", e.organization_id)).to_owned(),
            });
        }
    }
    let needs_declaration = declarations.iter().any(|d| !d.declared);
    let criteria: Vec<CriterionHead> = p
        .criteria
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_price)
        .map(|(index, c)| CriterionHead {
            index,
            name: c.name.clone(),
            weight: c.weight,
        })
        .collect();
    let sheet_submitted = mine.is_some_and(|m| m.sheet_submitted_at.is_some());
    let may_read = seated && panels::may_read_bids(&state.db, actor, id).await?;
    let mut sheet = Vec::new();
    if may_read {
        let given = scoring::my_scores(&state.db, actor, id).await?;
        let mut bids: std::collections::HashMap<_, _> = bids::list_with_files(&state.db, actor, id)
            .await?
            .into_iter()
            .map(|(bid, files)| (bid.id, (bid, files)))
            .collect();
        for e in opening.iter().filter(|e| e.eligible) {
            let (bid, files) = bids
                .remove(&e.bid_id)
                .ok_or(crate::error::Error::NotFound("bid"))?;
            let cells = criteria
                .iter()
                .map(|c| {
                    let index = i32::try_from(c.index).unwrap_or(i32::MAX);
                    let saved = given
                        .iter()
                        .find(|s| s.bid_id == e.bid_id && s.criterion_index == index);
                    let points_field = format!("p-{}-{}", e.bid_id, c.index);
                    let comment_field = format!("c-{}-{}", e.bid_id, c.index);
                    let typed_points = field(typed, &points_field);
                    let typed_comment = field(typed, &comment_field);
                    Cell {
                        points: if typed.is_empty() {
                            saved.map(|s| show(s.points)).unwrap_or_default()
                        } else {
                            typed_points.to_owned()
                        },
                        comment: if typed.is_empty() {
                            saved.map(|s| s.comment.clone()).unwrap_or_default()
                        } else {
                            typed_comment.to_owned()
                        },
                        points_field,
                        comment_field,
                        criterion: c.name.clone(),
                        weight: c.weight,
                    }
                })
                .collect();
            sheet.push(SheetBid {
                bid_id: e.bid_id,
                name: e.organization_name.clone(),
                price: yuan(bid.price_fen),
                technical_proposal: bid.technical_proposal,
                team: bid.team,
                plan: bid.plan,
                files: files.into_iter().map(|f| (f.id, f.file_name)).collect(),
                cells,
            });
        }
    }
    let panel_ok = evaluation::check_panel(p.method, active).is_ok();
    let can_score = may_read && p.status == Status::Evaluating && panel_ok && !sheet_submitted;

    // The ranking, once every sheet is in.
    let ranking = match scoring::ranking(&state.db, actor, id).await {
        Ok(r) => r
            .into_iter()
            .map(|x| RankRow {
                rank: x.rank,
                bid_id: x.key,
                name: opening
                    .iter()
                    .find(|e| e.bid_id == x.key)
                    .map(|e| e.organization_name.clone())
                    .unwrap_or_default(),
                price: yuan(x.price_fen),
                expert_score: show(x.expert_score),
                price_score: show(x.price_score),
                total: show(x.total),
            })
            .collect(),
        Err(Error::Conflict { .. } | Error::NotFound(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    let can_award = is_buyer
        && !ranking.is_empty()
        && panel_ok
        && rules::transition(p.status, rules::Action::Notify).is_ok();
    let has_notice = award::notice(&state.db, Some(actor), id).await?.is_some();
    let challenges = challenge_rows(
        state,
        challenges::challenges_of(&state.db, Some(actor), id, now).await?,
    );
    let page = EvaluationPage {
        subject: p.row.title.clone(),
        id,
        number: p.row.number.clone(),
        title: p.row.title.clone(),
        status: p.row.status.as_str().into(),
        is_buyer,
        seated,
        excluded_reason: mine
            .filter(|m| m.status == panels::SeatStatus::Excluded)
            .and_then(|m| m.exclusion_reason.clone())
            .unwrap_or_default(),
        panel,
        panel_rule: p.method.minimum_panel().to_string(),
        panel_ok,
        can_assign,
        pool,
        declarations,
        needs_declaration,
        sheet,
        criteria,
        can_score,
        sheet_submitted,
        ranking,
        can_award,
        award_bid: field(typed, "bid_id").to_owned(),
        award_reason: field(typed, "reason").to_owned(),
        has_notice,
        challenges,
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/procurement/evaluation",
        "evaluation-title",
        page,
    ))
}

#[handler]
pub(super) async fn evaluation_view(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = evaluation_page(&state, &viewer, id, &Vec::new(), vec![]).await;
    or_fail(&state, &viewer, r)
}

/// Runs an evaluation form's action; back to the evaluation page either way.
async fn on_evaluation(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    pairs: &Pairs,
    action: impl Future<Output = Result<()>>,
) -> Response {
    act(
        state,
        viewer,
        field(pairs, "csrf_token"),
        action,
        format!("/projects/{id}/evaluation"),
        async |e| evaluation_page(state, viewer, id, pairs, e).await,
    )
    .await
}

#[handler]
pub(super) async fn assign(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let action = async {
        let experts: Vec<Uuid> = pairs
            .iter()
            .filter(|(k, _)| k == "expert_id")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        if experts.is_empty() {
            return Err(Error::invalid(
                "experts",
                "required",
                "choose at least one expert",
            ));
        }
        panels::assign(&state.db, viewer.actor()?, id, &experts, state.clock.now()).await?;
        Ok(())
    };
    on_evaluation(&state, &viewer, id, &pairs, action).await
}

#[handler]
pub(super) async fn declare(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let action = async {
        let choices = pairs
            .iter()
            .filter_map(|(k, v)| {
                let org = k.strip_prefix("d-")?.parse::<Uuid>().ok()?;
                Some(panels::Choice {
                    organization_id: org,
                    conflict: match v.as_str() {
                        "conflict" => Some(true),
                        "none" => Some(false),
                        _ => None,
                    },
                    reason: field(&pairs, &format!("r-{org}")).to_owned(),
                })
            })
            .collect();
        panels::declare_all(&state.db, viewer.actor()?, id, choices, state.clock.now()).await
    };
    on_evaluation(&state, &viewer, id, &pairs, action).await
}

/// Saves every typed score of the sheet; with `submit`, submits it after.
async fn save_sheet(state: &AppState, actor: &Actor, id: Uuid, pairs: &Pairs) -> Result<()> {
    let p = projects::get(&state.db, Some(actor), id).await?;
    let names: HashMap<Uuid, String> = bids::opening_record(&state.db, id)
        .await?
        .1
        .into_iter()
        .map(|e| (e.bid_id, e.organization_name))
        .collect();
    let now = state.clock.now();
    let mut errors = Vec::new();
    for (k, v) in pairs {
        let Some((bid, index)) = k
            .strip_prefix("p-")
            .and_then(|rest| rest.rsplit_once('-'))
            .and_then(|(b, i)| Some((b.parse::<Uuid>().ok()?, i.parse::<usize>().ok()?)))
        else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        let label = format!(
            "{} · {}",
            names.get(&bid).map_or("?", String::as_str),
            p.criteria.get(index).map_or("?", |c| c.name.as_str())
        );
        let Some(points) = evaluation::parse_points(v) else {
            errors.push(FieldError::new(
                label,
                "invalid_points",
                "enter points such as 18 or 18.5",
            ));
            continue;
        };
        let comment = field(pairs, &format!("c-{bid}-{index}"));
        let mark = scoring::Mark {
            bid_id: bid,
            criterion_index: index,
            points,
            comment,
        };
        match scoring::score(&state.db, actor, id, mark, now).await {
            Ok(_) => {}
            Err(Error::Invalid(found)) => errors.extend(found.into_iter().map(|mut f| {
                f.field.clone_from(&label);
                f
            })),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    if !field(pairs, "submit").is_empty() {
        scoring::submit_sheet(&state.db, actor, id, now).await?;
    }
    Ok(())
}

#[handler]
pub(super) async fn save_scores(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let action = async { save_sheet(&state, viewer.actor()?, id, &pairs).await };
    on_evaluation(&state, &viewer, id, &pairs, action).await
}

#[handler]
pub(super) async fn propose_award(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let bid = || {
        field(&pairs, "bid_id")
            .parse::<Uuid>()
            .map_err(|_| Error::invalid("bid_id", "required", "choose the bid to award"))
    };
    let reason = field(&pairs, "reason");
    if !confirmed(&pairs) {
        // A published notice cannot be taken back: say whom, at what
        // price, and ask again.
        let (state, viewer) = (&*state, &viewer);
        let r = async {
            viewer.check_csrf(field(&pairs, "csrf_token"))?;
            let actor = viewer.actor()?;
            let winner = award::check(&state.db, actor, id, bid()?, Some(reason)).await?;
            let p = crate::procurement::projects::get(&state.db, Some(actor), id).await?;
            let confirm = Confirm::decision(
                "confirm-award",
                p.row.title,
                format!("/projects/{id}/award"),
                format!("/projects/{id}/evaluation"),
            )
            .facts([
                Fact::new("winner", winner.organization_name),
                Fact::new("uscc", winner.uscc.unwrap_or_default()),
                Fact::new("price_yuan", super::format::yuan(winner.price_fen)),
                Fact::new("rank", winner.rank.to_string()),
                Fact::new("reason", reason),
            ])
            .fields(&pairs)
            .warning("confirm-award-final");
            Ok(confirm_page(state, viewer, confirm))
        }
        .await;
        return or_again(state, viewer, r, async |e| {
            evaluation_page(state, viewer, id, &pairs, e).await
        })
        .await;
    }
    let action = async {
        let bid = bid()?;
        award::propose(
            &state.db,
            viewer.actor()?,
            id,
            bid,
            Some(reason),
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    on_evaluation(&state, &viewer, id, &pairs, action).await
}

#[handler]
pub(super) async fn reply_challenge(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(challenge): Path<Uuid>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let r = async {
        let actor = viewer.actor()?;
        let c = challenges::challenge_access(&state.db, actor, challenge).await?;
        Ok(c.project_id)
    }
    .await;
    let id = match r {
        Ok(id) => id,
        Err(e) => return super::fail(&state, &viewer, e),
    };
    let action = async {
        let decision = match field(&pairs, "decision") {
            "dismissed" => Decision::Dismissed,
            "upheld_reevaluate" => Decision::UpheldReevaluate,
            "upheld_fail" => Decision::UpheldFail,
            _ => {
                return Err(Error::invalid(
                    "decision",
                    "required",
                    "choose the decision",
                ));
            }
        };
        challenges::reply(
            &state.db,
            viewer.actor()?,
            challenge,
            decision,
            field(&pairs, "reasons"),
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    on_evaluation(&state, &viewer, id, &pairs, action).await
}

// ---------- on the public project page ----------

#[derive(Debug, Serialize)]
pub(super) struct NoticeView {
    status: String,
    winner: String,
    uscc: String,
    amount: String,
    rank: i32,
    reason: String,
    notice_at: String,
    challenge_until: String,
    window_open: bool,
    closed_at: String,
    summary: Vec<RankRow>,
    panel: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct OwnScoresView {
    line: Option<RankRow>,
    criteria: Vec<CriterionMarksView>,
}

#[derive(Debug, Serialize)]
struct CriterionMarksView {
    name: String,
    weight: u32,
    /// (expert number, points, comment).
    marks: Vec<(usize, String, String)>,
}

/// What the project page shows of the award: the notice, its challenges,
/// whether the viewer may file one, the viewer's own scores, and whether
/// the viewer has an evaluation page.
#[derive(Debug, Serialize, Default)]
pub(super) struct AwardSection {
    notice: Option<NoticeView>,
    challenges: Vec<ChallengeRow>,
    can_challenge: bool,
    own_scores: Option<OwnScoresView>,
    evaluation_link: bool,
    feedback: Vec<super::grants::FeedbackRow>,
}

fn rank_row(l: award::SummaryLine) -> RankRow {
    RankRow {
        rank: l.rank,
        bid_id: l.bid_id,
        name: l.organization_name,
        price: yuan(l.price_fen),
        expert_score: show(l.expert_score),
        price_score: show(l.price_score),
        total: show(l.total),
    }
}

/// The award section of a project page.
///
/// # Errors
/// The services' errors.
pub(super) async fn award_section(
    state: &AppState,
    actor: Option<&Actor>,
    p: &projects::Project,
) -> Result<AwardSection> {
    let id = p.row.id;
    let now = state.clock.now();
    let evaluation_link = match actor {
        Some(a) if p.row.opened_at.is_some() || policy::buys_for(actor, p.row.department_id) => {
            panels::panel_of(&state.db, a, id).await.is_ok()
        }
        _ => false,
    };
    let feedback = super::grants::feedback_rows(
        state,
        crate::grants::feedback::published_for_project(&state.db, id).await?,
    );
    let Some(n) = award::notice(&state.db, actor, id).await? else {
        return Ok(AwardSection {
            evaluation_link,
            feedback,
            challenges: challenge_rows(
                state,
                challenges::challenges_of(&state.db, actor, id, now).await?,
            ),
            ..Default::default()
        });
    };
    let window_open = n.row.status == award::AwardStatus::Notice
        && challenges::window_open(n.row.challenge_until, crate::clock::china_date(now));
    let bidder_here = match policy::organization_of(actor) {
        Some(org) => bids::opening_record(&state.db, id)
            .await
            .is_ok_and(|(_, entries)| entries.iter().any(|e| e.organization_id == org)),
        None => false,
    };
    let own_scores = match actor {
        Some(a) if bidder_here => {
            let s = award::own_scores(&state.db, a, id).await?;
            Some(OwnScoresView {
                line: s.line.map(rank_row),
                criteria: s
                    .criteria
                    .into_iter()
                    .map(|c| CriterionMarksView {
                        name: c.name,
                        weight: c.weight,
                        marks: c
                            .marks
                            .into_iter()
                            .enumerate()
                            .map(|(n, (p, m))| (n + 1, show(p), m))
                            .collect(),
                    })
                    .collect(),
            })
        }
        _ => None,
    };
    let challenges = challenges::challenges_of(&state.db, actor, id, now).await?;
    let filed = challenges.iter().any(|c| {
        c.row.award_id == n.row.id && c.detailed && policy::organization_of(actor).is_some()
    });
    Ok(AwardSection {
        notice: Some(NoticeView {
            status: n.row.status.as_str().into(),
            winner: n.row.organization_name.clone(),
            uscc: n.row.uscc.clone().unwrap_or_default(),
            amount: yuan(n.row.amount_fen),
            rank: n.row.rank,
            reason: n.row.reason.clone().unwrap_or_default(),
            notice_at: local(state, n.row.notice_at),
            challenge_until: n.row.challenge_until.to_string(),
            window_open,
            closed_at: n.row.closed_at.map(|t| local(state, t)).unwrap_or_default(),
            summary: n.summary.into_iter().map(rank_row).collect(),
            panel: n.panel.into_iter().map(|p| p.name).collect(),
        }),
        challenges: challenge_rows(state, challenges),
        can_challenge: window_open
            && bidder_here
            && !filed
            && actor.and_then(|a| a.organization_id) != Some(n.row.organization_id),
        own_scores,
        evaluation_link,
        feedback,
    })
}

#[handler]
pub(super) async fn file_challenge(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    mp: poem::web::Multipart,
) -> Response {
    let upload = match super::upload::Upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return super::fail(&state, &viewer, e),
    };
    let action = async {
        let file = upload.store(&state, &viewer).await?;
        challenges::file_challenge(
            &state.db,
            viewer.actor()?,
            id,
            upload.text("reasons"),
            &file.into_iter().collect::<Vec<_>>(),
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    let r = act(
        &state,
        &viewer,
        upload.text("csrf_token"),
        action,
        format!("/projects/{id}#award"),
        async |e| super::procurement::detail_page_with_errors(&state, &viewer, id, e).await,
    )
    .await;
    r.into_response()
}
