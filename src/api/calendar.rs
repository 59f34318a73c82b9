//! `/calendar`: the working-day calendar (public reads, admin writes).

use chrono::{Datelike, NaiveDate};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::dto::{CalendarDay, CalendarYear, SetDayInput, WorkingDayAnswer};
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::calendar::{self, Calendar};

/// The calendar.
pub struct CalendarApi;

/// A removed exception.
#[derive(ApiResponse)]
pub enum Removed {
    /// The day is an ordinary day again.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/calendar", tag = "ApiTags::Calendar")]
impl CalendarApi {
    /// List holidays and adjusted working days of a year
    #[oai(path = "/days", method = "get", operation_id = "list_calendar_days")]
    async fn list_days(
        &self,
        state: Data<&AppState>,
        /// The year (defaults to the current one).
        #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))]
        year: Query<Option<i32>>,
    ) -> ApiResult<Json<CalendarYear>> {
        let year = year.0.unwrap_or_else(|| {
            state
                .clock
                .now()
                .with_timezone(&state.settings.timezone)
                .year()
        });
        let items = calendar::list_year(state.db.conn(), year).await?;
        Ok(Json(CalendarYear {
            year,
            items: items.into_iter().map(CalendarDay::from).collect(),
        }))
    }

    /// Set a day as a holiday or an adjusted working day
    #[oai(path = "/days/:day", method = "put", operation_id = "set_calendar_day")]
    async fn set_day(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// The date, `YYYY-MM-DD`.
        day: Path<NaiveDate>,
        body: JsonBody<SetDayInput>,
    ) -> ApiResult<Json<CalendarDay>> {
        let saved = calendar::set_day(
            &state.db,
            &auth.0,
            day.0,
            body.kind.into(),
            &body.name,
            state.clock.now(),
        )
        .await?;
        Ok(Json(saved.into()))
    }

    /// Make a day ordinary again
    #[oai(
        path = "/days/:day",
        method = "delete",
        operation_id = "remove_calendar_day"
    )]
    async fn remove_day(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        day: Path<NaiveDate>,
    ) -> ApiResult<Removed> {
        calendar::remove_day(&state.db, &auth.0, day.0, state.clock.now()).await?;
        Ok(Removed::NoContent)
    }

    /// Count working days forward from a date
    #[oai(
        path = "/working-days",
        method = "get",
        operation_id = "add_working_days"
    )]
    async fn working_days(
        &self,
        state: Data<&AppState>,
        /// Start date (not counted).
        from: Query<NaiveDate>,
        /// Working days to add, 0-3650.
        #[oai(validator(maximum(value = "3650")))]
        add: Query<u32>,
    ) -> ApiResult<Json<WorkingDayAnswer>> {
        let cal = Calendar::load(state.db.conn()).await?;
        Ok(Json(WorkingDayAnswer {
            from: from.0,
            add: add.0,
            date: cal.add_working_days(from.0, add.0),
        }))
    }
}
