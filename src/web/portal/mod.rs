//! The organization portal and the registrar's workspace.
//!
//! Org users: `/my` (their organization, invitations, applications),
//! application pages (draft, edit, attach documents, submit, withdraw),
//! `/my/organization` (members and invitations), `/my/annual-reports`.
//! Registrars: `/registrar` (queues with counts) and the same application
//! and annual report pages, where they find the decision forms. Every
//! decision is the area module's; these handlers only parse and render.
//!
//! One file a page group: [`applications`] (the form, one application,
//! the registrar's decisions), [`my`] (`/my`), [`membership`]
//! (`/my/organization`), [`annual_reports`], [`registrar`].

mod annual_reports;
mod applications;
mod membership;
mod my;
mod registrar;

use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Multipart, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::upload::Upload;
use super::{
    Confirm, CsrfForm, Fact, ShownError, Viewer, act, confirm_page, or_fail, render_status,
    status_for,
};
use crate::app::AppState;
use crate::auth::policy::{self, Action, ApplicationAccess};
use crate::error::{Error, FieldError, Result};
use crate::files;
use crate::money::Fen;
use crate::pagination::PageRequest;
use crate::registry::annual_reports::{self as reports, ReportInput, Review};
use crate::registry::applications::{self as apps, Application, Approval, ListFilter, Status};
use crate::registry::members::{self, Answer};
use crate::registry::organizations as orgs;
use crate::registry::particulars::{Changes, Content, Deregistration, Kind, Particulars};
use crate::registry::rules::{Field, OrgType};
use crate::web::format::yuan;

pub(in crate::web) use self::{
    annual_reports::*, applications::*, membership::*, my::*, registrar::*,
};
