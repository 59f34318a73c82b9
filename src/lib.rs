//! cogov: social organization registry and government procurement portal.
//!
//! One binary serves the REST API (`api`), the server-rendered pages (`web`)
//! and background jobs. HTTP layers call the area modules, which hold every
//! rule and run one transaction per command, audit entry included.

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bench;
pub mod cache;
pub mod calendar;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod departments;
pub mod divisions;
pub mod error;
pub mod files;
pub mod grams;
pub mod grants;
pub mod i18n;
pub mod integrity;
pub mod jobs;
pub mod keys;
pub mod money;
pub mod notifications;
pub mod open;
pub mod pagination;
pub mod procurement;
pub mod registry;
pub mod stats;
pub mod telemetry;
pub mod text;
pub mod web;
pub mod webhooks;
pub mod xlsx;

pub use app::{AppState, build_app};
pub use error::{Error, FieldError};
