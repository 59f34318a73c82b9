//! cogov: social organization registry and government procurement portal.
//!
//! One binary serves the REST API (`api`), the server-rendered pages (`web`)
//! and background jobs. HTTP layers call the area modules, which hold every
//! rule and run one transaction per command, audit entry included.
//!
//! Layers, and the only direction calls go. `tests/api/architecture.rs`
//! fails on an area naming `api` or `web`, and on any two modules reaching
//! each other around a circle (the HTTP layers naming `app` for their shared
//! state aside):
//!
//! ```text
//! api, web, app, cache, config, main    HTTP and wiring: parse, ask, render
//!  -> downloads, workspace, recovery, checkpoints, demo, bench, integrity
//!                                 above the areas: ask each for its part
//!   -> procurement -> grants, registry, departments, calendar, webhooks
//!                                 areas: rules, commands, one transaction each
//!    -> stats, open, notifications, files, jobs
//!                                 told by the areas, never asking back
//!     -> auth -> audit            who acts (and the policy); the chain
//!      -> tasks                   the words of a task list (areas say theirs)
//!      -> i18n, db, keys, error, clock, money, grams, text, divisions, ...
//!                                 shared leaves
//! ```
//!
//! A public change is named by its command (`open::Event`) and published
//! with its audit entry (`open::publish`); who may read a stored file is its
//! owner's area's decision (`downloads`); the grant a final award becomes is
//! made by procurement calling grants, never the other way.

/// The REST API (poem-openapi): parses, asks the areas, maps errors to problem+json once. Holds no rule.
pub mod api;
/// Wiring: the shared state and the route tree of API, pages, cache and telemetry.
pub mod app;
/// The append-only audit chain: appends and verifies, nothing else. A leaf: areas call it inside their transactions; it calls no area (public events go to `open`, checkpoints live in `checkpoints`).
pub mod audit;
/// Accounts, sessions, tokens, roles and the policy that decides every right (`auth::policy`). Knows no area's rows beyond an actor's ids.
pub mod auth;
/// `cogov backup` / `restore` of a SQLite deployment.
pub mod backup;
/// `cogov bench`: the national-size data set and the benchmark of public reads. Writes in bulk; never used by `serve`.
pub mod bench;
/// The public answer cache between the HTTP layers and the areas; owns no domain data.
pub mod cache;
/// Working days (public holidays and make-up days) for deadlines.
pub mod calendar;
/// Signed checkpoints of the audit chain: made under a lease, published to the feed and a log, verified against the chain. Above `audit`, `open` and `jobs`.
pub mod checkpoints;
/// The injected clock and the China date of an instant.
pub mod clock;
/// Settings from flags and environment.
pub mod config;
/// Connections, transactions (one per command), the writer queue, numbering by `seq`.
pub mod db;
/// `serve --demo`: demo accounts and data through the areas' own commands.
pub mod demo;
/// Government departments that buy.
pub mod departments;
/// China's administrative divisions (codes and names), compiled in.
pub mod divisions;
/// Downloads of stored files: asks the area that owns a file whether the reader may see it. Above every area; called only by the HTTP layers.
pub mod downloads;
/// The domain error type; mapped to HTTP once by `api::problem` and once by `web`.
pub mod error;
/// Stored files (sealed or plain) and their attachment to an owner; knows no area (the owner decides who reads, through `downloads`).
pub mod files;
/// The pure rules of the character n-gram text indexes, and the ordered search over an indexed table.
pub mod grams;
/// Grants an award becomes: schedule, acceptance, reports, payments, feedback, exports.
pub mod grants;
/// Languages and message catalogues for pages, notifications and mail; knows nothing of HTTP.
pub mod i18n;
/// Checks of stored rows against their audit entries.
pub mod integrity;
/// Leases for background jobs so one instance runs each at a time.
pub mod jobs;
/// The master key and the data keys that seal bids.
pub mod keys;
/// Money in integer fen.
pub mod money;
/// In-app notices, their mail and reminders; called by areas, calls no area.
pub mod notifications;
/// Open data: the public event feed and OCDS releases and packages.
pub mod open;
/// Keyset pages and cursors; streamed pages for exports.
pub mod pagination;
/// Projects, bids (sealed until the opening), panels, evaluation and award.
pub mod procurement;
/// Password recovery: one-time links by mail, asked for by the person or sent by an admin who resets an account. Above `auth` and `notifications`.
pub mod recovery;
/// Social organizations: registration applications, the register, credit listings, annual reports, import and search.
pub mod registry;
/// The site's identity as the admin sets it: name, host organization, contact, ICP filing number, privacy and accessibility statements.
pub mod site;
/// Public statistics from kept counts.
pub mod stats;
/// What waits for a person: the task list's kinds, groups and order; the areas say which of their things wait for whom (`registry::tasks`, `procurement::tasks`, `grants::tasks`, `notifications::tasks`).
pub mod tasks;
/// Logs and `/metrics`.
pub mod telemetry;
/// What text input may hold, checked once at the door.
pub mod text;
/// The server-rendered pages: parse forms, ask the areas, render templates. Holds no rule.
pub mod web;
/// Subscriptions and delivery of public events to third parties.
pub mod webhooks;
/// A person's workspace: every area's tasks for the reader, in working order. Above the areas.
pub mod workspace;
/// Spreadsheets written page by page in constant memory.
pub mod xlsx;

pub use app::{AppState, build_app};
pub use error::{Error, FieldError};
