//! The integration tests, one binary: every module drives the whole app
//! (in-process through `common::spawn`, or the built `cogov` as a process)
//! on SQLite, or on PostgreSQL when `COGOV_TEST_DATABASE_URL` names a
//! server. One binary links the crate once; run one area with
//! `cargo test --test api <module>::`.

mod common;

mod accounts;
mod api;
mod api_hardening;
mod architecture;
mod audit;
mod award;
mod award_pages;
mod backup;
mod bench;
mod bids;
mod browser;
mod busy;
mod cache;
mod catalogue;
mod cli;
mod dashboard;
mod decisions;
mod grants;
mod grants_pages;
mod input;
mod integrity;
mod metrics;
mod migrations;
mod once;
mod open_data;
mod openapi;
mod pages;
mod passwords;
mod procurement;
mod procurement_pages;
mod registry;
mod registry_pages;
mod reminders;
mod rush;
mod scopes;
mod sealed;
mod search;
mod site;
mod statements;
mod tasks;
mod webhooks;
