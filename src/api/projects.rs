//! `/projects`: drafts, publication, amendments, cancellation, questions.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::{MaybeAuth, TokenAuth};
use super::body::JsonBody;
use super::dto::List;
use super::files::FileMeta;
use super::registry_dto::ReasonInput;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::error::{Error, FieldError};
use crate::pagination::PageRequest;
use crate::procurement::projects::{self, Filter, Project as Domain, ProjectInput as Input};
use crate::procurement::rules::{Criterion, Method, Rule, Status};

/// Projects.
pub struct ProjectsApi;

/// Procurement method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum MethodDto {
    /// 公开招标: at least 20 days to the deadline, 3 eligible bids.
    PublicTender,
    /// 邀请招标: at least 20 days, 3 eligible bids.
    InvitedTender,
    /// 竞争性谈判: at least 3 working days, 2 eligible bids.
    CompetitiveNegotiation,
    /// 竞争性磋商: at least 10 days, 2 eligible bids, price weight 10-30.
    CompetitiveConsultation,
    /// 单一来源: at least 5 working days, 1 bid.
    SingleSource,
}

impl From<MethodDto> for Method {
    fn from(m: MethodDto) -> Self {
        match m {
            MethodDto::PublicTender => Method::PublicTender,
            MethodDto::InvitedTender => Method::InvitedTender,
            MethodDto::CompetitiveNegotiation => Method::CompetitiveNegotiation,
            MethodDto::CompetitiveConsultation => Method::CompetitiveConsultation,
            MethodDto::SingleSource => Method::SingleSource,
        }
    }
}

/// Project state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Being written.
    Draft,
    /// Accepting bids.
    Open,
    /// Bids opened.
    Evaluating,
    /// Award notice.
    Notice,
    /// Awarded.
    Awarded,
    /// Cancelled.
    Cancelled,
    /// Failed.
    Failed,
}

impl From<ProjectStatus> for Status {
    fn from(s: ProjectStatus) -> Self {
        match s {
            ProjectStatus::Draft => Status::Draft,
            ProjectStatus::Open => Status::Open,
            ProjectStatus::Evaluating => Status::Evaluating,
            ProjectStatus::Notice => Status::Notice,
            ProjectStatus::Awarded => Status::Awarded,
            ProjectStatus::Cancelled => Status::Cancelled,
            ProjectStatus::Failed => Status::Failed,
        }
    }
}

/// Kind of eligibility rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Active (always applied).
    Active,
    /// Not on the dishonest list (always applied).
    NotDishonest,
    /// Not on the abnormal list.
    NotAbnormal,
    /// At least `grade` (1-5).
    MinGrade,
    /// At least `years` since registration.
    MinYears,
    /// One of `types`.
    OrgTypes,
    /// Registered in `division_code` or below.
    Region,
}

/// An eligibility rule; which parameter counts depends on `rule`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    /// The rule.
    pub rule: RuleKind,
    /// `min_grade`: 1 to 5.
    pub grade: Option<i16>,
    /// `min_years`: full years.
    pub years: Option<u32>,
    /// `org_types`: `social_group`, `foundation`, `social_service_agency`.
    pub types: Option<Vec<String>>,
    /// `region`: a division code.
    pub division_code: Option<String>,
}

impl EligibilityRule {
    fn into_rule(self, i: usize) -> Result<Rule, FieldError> {
        let missing = |param: &str| {
            FieldError::new(
                format!("eligibility[{i}].{param}"),
                "required",
                format!("this rule needs `{param}`"),
            )
        };
        Ok(match self.rule {
            RuleKind::Active => Rule::Active,
            RuleKind::NotDishonest => Rule::NotDishonest,
            RuleKind::NotAbnormal => Rule::NotAbnormal,
            RuleKind::MinGrade => Rule::MinGrade {
                grade: self.grade.ok_or_else(|| missing("grade"))?,
            },
            RuleKind::MinYears => Rule::MinYears {
                years: self.years.ok_or_else(|| missing("years"))?,
            },
            RuleKind::OrgTypes => Rule::OrgTypes {
                types: self.types.ok_or_else(|| missing("types"))?,
            },
            RuleKind::Region => Rule::Region {
                division_code: self.division_code.ok_or_else(|| missing("division_code"))?,
            },
        })
    }

    fn from_rule(r: &Rule) -> Self {
        let mut out = Self {
            rule: RuleKind::Active,
            grade: None,
            years: None,
            types: None,
            division_code: None,
        };
        match r {
            Rule::Active => {}
            Rule::NotDishonest => out.rule = RuleKind::NotDishonest,
            Rule::NotAbnormal => out.rule = RuleKind::NotAbnormal,
            Rule::MinGrade { grade } => {
                out.rule = RuleKind::MinGrade;
                out.grade = Some(*grade);
            }
            Rule::MinYears { years } => {
                out.rule = RuleKind::MinYears;
                out.years = Some(*years);
            }
            Rule::OrgTypes { types } => {
                out.rule = RuleKind::OrgTypes;
                out.types = Some(types.clone());
            }
            Rule::Region { division_code } => {
                out.rule = RuleKind::Region;
                out.division_code = Some(division_code.clone());
            }
        }
        out
    }
}

/// An evaluation criterion.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct CriterionDto {
    /// What is scored.
    #[oai(validator(max_length = 100))]
    pub name: String,
    /// Weight in percent; all weights sum to 100.
    pub weight: u32,
    /// The price criterion (exactly one), scored by formula.
    #[serde(default)]
    pub is_price: Option<bool>,
}

/// A project as the purchaser writes it.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// Title.
    #[oai(validator(max_length = 200))]
    pub title: String,
    /// What is bought.
    #[oai(validator(max_length = 20000))]
    pub description: String,
    /// Catalog category (`GET /catalog`).
    pub category_id: Uuid,
    /// Division where the service is delivered.
    #[oai(validator(max_length = 6))]
    pub region_code: String,
    /// Budget ceiling in fen: more than 0, at most 10 billion yuan.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000000000")))]
    pub budget_fen: i64,
    /// Method.
    pub method: MethodDto,
    /// First day of service (2000-01-01 to 2099-12-31).
    pub service_start: NaiveDate,
    /// Last day of service (at most 3 years; by 2099-12-31).
    pub service_end: NaiveDate,
    /// Eligibility rules beyond the two every project applies.
    pub eligibility: Vec<EligibilityRule>,
    /// Weighted criteria.
    pub criteria: Vec<CriterionDto>,
    /// Bid deadline (RFC 3339; in 2000-2099).
    pub bid_deadline: DateTime<Utc>,
}

impl ProjectInput {
    fn into_input(self) -> Result<Input, Error> {
        let mut errors = Vec::new();
        let eligibility = self
            .eligibility
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| r.into_rule(i).map_err(|e| errors.push(e)).ok())
            .collect();
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(Input {
            title: self.title,
            description: self.description,
            category_id: self.category_id,
            region_code: self.region_code,
            budget_fen: self.budget_fen,
            method: self.method.into(),
            service_start: self.service_start,
            service_end: self.service_end,
            eligibility,
            criteria: self
                .criteria
                .into_iter()
                .map(|c| Criterion {
                    name: c.name,
                    weight: c.weight,
                    is_price: c.is_price.unwrap_or(false),
                })
                .collect(),
            bid_deadline: self.bid_deadline,
        })
    }
}

/// A project.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Project {
    /// Id.
    pub id: Uuid,
    /// Number `CG-YYYY-NNNNNN`.
    pub number: String,
    /// Buying department.
    pub department_id: Uuid,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category_id: Uuid,
    /// Region.
    pub region_code: String,
    /// Budget ceiling, fen.
    pub budget_fen: i64,
    /// Method.
    pub method: String,
    /// Service period start.
    pub service_start: NaiveDate,
    /// Service period end.
    pub service_end: NaiveDate,
    /// The project's eligibility rules (organization active and not on the
    /// dishonest list apply always).
    pub eligibility: Vec<EligibilityRule>,
    /// Criteria.
    pub criteria: Vec<CriterionOut>,
    /// Bid deadline.
    pub bid_deadline: DateTime<Utc>,
    /// Publication.
    pub published_at: Option<DateTime<Utc>>,
    /// State.
    pub status: String,
    /// Reason of a cancellation or failure.
    pub status_reason: Option<String>,
    /// When bids were opened.
    pub opened_at: Option<DateTime<Utc>>,
}

/// A criterion as published.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CriterionOut {
    /// What is scored.
    pub name: String,
    /// Weight in percent.
    pub weight: u32,
    /// The price criterion.
    pub is_price: bool,
}

impl From<Domain> for Project {
    fn from(p: Domain) -> Self {
        let r = p.row;
        Self {
            id: r.id,
            number: r.number,
            department_id: r.department_id,
            title: r.title,
            description: r.description,
            category_id: r.category_id,
            region_code: r.region_code,
            budget_fen: r.budget_fen,
            method: r.method,
            service_start: r.service_start,
            service_end: r.service_end,
            eligibility: p
                .eligibility
                .iter()
                .map(EligibilityRule::from_rule)
                .collect(),
            criteria: p
                .criteria
                .into_iter()
                .map(|c| CriterionOut {
                    name: c.name,
                    weight: c.weight,
                    is_price: c.is_price,
                })
                .collect(),
            bid_deadline: r.bid_deadline,
            published_at: r.published_at,
            status: r.status.as_str().into(),
            status_reason: r.status_reason,
            opened_at: r.opened_at,
        }
    }
}

/// A page of projects.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProjectPage {
    /// The projects.
    pub items: Vec<Project>,
    /// Cursor of the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// An amendment to publish.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct AmendmentInput {
    /// What is clarified or changed.
    #[oai(validator(max_length = 20000))]
    pub text: String,
    /// A new bid deadline (it must still meet the method's minimum from publication).
    pub new_deadline: Option<DateTime<Utc>>,
}

/// A public amendment.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Amendment {
    /// Id.
    pub id: Uuid,
    /// Text.
    pub text: String,
    /// Deadline before, for an extension.
    pub old_deadline: Option<DateTime<Utc>>,
    /// Deadline after, for an extension.
    pub new_deadline: Option<DateTime<Utc>>,
    /// Published.
    pub created_at: DateTime<Utc>,
}

impl From<entity::project_amendments::Model> for Amendment {
    fn from(a: entity::project_amendments::Model) -> Self {
        Self {
            id: a.id,
            text: a.text,
            old_deadline: a.old_deadline,
            new_deadline: a.new_deadline,
            created_at: a.created_at,
        }
    }
}

/// A question to ask.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    /// The question.
    #[oai(validator(max_length = 5000))]
    pub question: String,
}

/// An answer to give.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// The answer (public).
    #[oai(validator(max_length = 20000))]
    pub answer: String,
}

/// A question and its answer (the asker is never shown).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Question {
    /// Id.
    pub id: Uuid,
    /// Project.
    pub project_id: Uuid,
    /// The question.
    pub question: String,
    /// The answer, once given.
    pub answer: Option<String>,
    /// Asked.
    pub created_at: DateTime<Utc>,
    /// Answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// True when the caller asked it.
    pub mine: bool,
}

fn question(q: entity::project_questions::Model, mine: bool) -> Question {
    Question {
        id: q.id,
        project_id: q.project_id,
        question: q.question,
        answer: q.answer,
        created_at: q.created_at,
        answered_at: q.answered_at,
        mine,
    }
}

/// Something created.
#[derive(ApiResponse)]
pub enum Created<T: poem_openapi::types::ToJSON + Send + Sync> {
    /// Created.
    #[oai(status = 201)]
    Created(Json<T>),
}

#[OpenApi(prefix_path = "/projects", tag = "ApiTags::Procurement")]
impl ProjectsApi {
    /// List projects
    ///
    /// Published projects for everyone; `mine=true` lists the caller's
    /// department's, drafts included (purchasers).
    #[oai(path = "/", method = "get", operation_id = "list_projects")]
    #[allow(clippy::too_many_arguments)]
    async fn list_projects(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        /// Only this state.
        status: Query<Option<ProjectStatus>>,
        /// This category or its subcategories.
        category_id: Query<Option<Uuid>>,
        /// Delivered in this division or below.
        #[oai(validator(pattern = r"^[0-9]{6}$"))]
        region: Query<Option<String>>,
        /// Budget at least (fen).
        budget_min_fen: Query<Option<i64>>,
        /// Budget at most (fen).
        budget_max_fen: Query<Option<i64>>,
        /// Deadline on or after.
        deadline_from: Query<Option<DateTime<Utc>>>,
        /// Deadline before.
        deadline_to: Query<Option<DateTime<Utc>>>,
        /// Title contains, or the exact number.
        #[oai(validator(max_length = 100))]
        q: Query<Option<String>>,
        /// Only my department's (drafts included).
        mine: Query<Option<bool>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<ProjectPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let filter = Filter {
            status: status.0.map(Into::into),
            category_id: category_id.0,
            region: region.0,
            budget_min_fen: budget_min_fen.0,
            budget_max_fen: budget_max_fen.0,
            deadline_from: deadline_from.0,
            deadline_to: deadline_to.0,
            q: q.0,
            mine: mine.0.unwrap_or(false),
        };
        let (items, next_cursor) = projects::list(&state.db, auth.actor(), &filter, &page).await?;
        Ok(Json(ProjectPage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        }))
    }

    /// Create a draft project (purchaser)
    #[oai(path = "/", method = "post", operation_id = "create_project")]
    async fn create_project(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<ProjectInput>,
    ) -> ApiResult<Created<Project>> {
        let input = body.0.into_input()?;
        let p = projects::create(&state.db, &auth.0, input, state.clock.now()).await?;
        Ok(Created::Created(Json(p.into())))
    }

    /// Get a project
    #[oai(path = "/:id", method = "get", operation_id = "get_project")]
    async fn get_project(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Project>> {
        Ok(Json(
            projects::get(&state.db, auth.actor(), id.0).await?.into(),
        ))
    }

    /// Edit a draft project (purchaser of its department)
    #[oai(path = "/:id", method = "put", operation_id = "update_project")]
    async fn update_project(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ProjectInput>,
    ) -> ApiResult<Json<Project>> {
        let input = body.0.into_input()?;
        let p = projects::update(&state.db, &auth.0, id.0, input, state.clock.now()).await?;
        Ok(Json(p.into()))
    }

    /// Publish a draft project
    ///
    /// Checks the timeline minimum of the method (days or working days from
    /// the holiday calendar), the criteria weights and price weight, the
    /// budget and the service period; each failure names its rule.
    #[oai(
        path = "/:id/publish",
        method = "post",
        operation_id = "publish_project"
    )]
    async fn publish_project(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Project>> {
        let p = projects::publish(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Json(p.into()))
    }

    /// Cancel a project with a reason
    #[oai(path = "/:id/cancel", method = "post", operation_id = "cancel_project")]
    async fn cancel_project(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReasonInput>,
    ) -> ApiResult<Json<Project>> {
        let p = projects::cancel(&state.db, &auth.0, id.0, &body.reason, state.clock.now()).await?;
        Ok(Json(p.into()))
    }

    /// Attach an uploaded document to a draft or open project (purchaser)
    ///
    /// On an open project the addition is published as an amendment.
    #[oai(
        path = "/:id/documents",
        method = "post",
        operation_id = "attach_project_document"
    )]
    async fn attach_project_document(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<super::applications::DocumentInput>,
    ) -> ApiResult<Created<FileMeta>> {
        let f = projects::attach_document(
            &state.db,
            &auth.0,
            id.0,
            body.file_id,
            &body.label,
            state.clock.now(),
        )
        .await?;
        Ok(Created::Created(Json(f.into())))
    }

    /// List a project's documents
    #[oai(
        path = "/:id/documents",
        method = "get",
        operation_id = "list_project_documents"
    )]
    async fn list_project_documents(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<List<FileMeta>>> {
        let docs = projects::documents_of(&state.db, auth.actor(), id.0).await?;
        Ok(Json(docs.into_iter().map(Into::into).collect()))
    }

    /// Publish an amendment (clarification or deadline extension)
    #[oai(
        path = "/:id/amendments",
        method = "post",
        operation_id = "amend_project"
    )]
    async fn amend_project(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<AmendmentInput>,
    ) -> ApiResult<Created<Amendment>> {
        let a = projects::amend(
            &state.db,
            &auth.0,
            id.0,
            &body.text,
            body.new_deadline,
            state.clock.now(),
        )
        .await?;
        Ok(Created::Created(Json(a.into())))
    }

    /// List a project's amendments
    #[oai(
        path = "/:id/amendments",
        method = "get",
        operation_id = "list_amendments"
    )]
    async fn list_amendments(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<List<Amendment>>> {
        let list = projects::amendments_of(&state.db, auth.actor(), id.0).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Ask a question on an open project (org users)
    #[oai(
        path = "/:id/questions",
        method = "post",
        operation_id = "ask_question"
    )]
    async fn ask_question(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<QuestionInput>,
    ) -> ApiResult<Created<Question>> {
        let q = projects::ask(&state.db, &auth.0, id.0, &body.question, state.clock.now()).await?;
        Ok(Created::Created(Json(question(q, true))))
    }

    /// List a project's questions
    ///
    /// Answered questions for everyone (never who asked); all of them for
    /// the department; your own, answered or not.
    #[oai(
        path = "/:id/questions",
        method = "get",
        operation_id = "list_questions"
    )]
    async fn list_questions(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<List<Question>>> {
        let list = projects::questions_of(&state.db, auth.actor(), id.0).await?;
        Ok(Json(
            list.into_iter()
                .map(|(q, mine)| question(q, mine))
                .collect(),
        ))
    }

    /// Answer a question (purchaser of the project's department)
    #[oai(
        path = "/:id/questions/:question_id/answer",
        method = "post",
        operation_id = "answer_question"
    )]
    async fn answer_question(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        question_id: Path<Uuid>,
        body: JsonBody<AnswerInput>,
    ) -> ApiResult<Json<Question>> {
        let q = projects::answer(
            &state.db,
            &auth.0,
            id.0,
            question_id.0,
            &body.answer,
            state.clock.now(),
        )
        .await?;
        Ok(Json(question(q, false)))
    }
}
