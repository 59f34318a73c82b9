//! A person's workspace: the tasks that wait for them, from every area, in
//! the order they work (see [`crate::tasks`]). Above the areas, used by the
//! API (`GET /me/tasks`) and the pages (`/tasks`, the menu's count).

use chrono::{DateTime, Utc};

use crate::auth::Actor;
use crate::db::Db;
use crate::error::Result;
use crate::tasks::{self, Group, Want};

/// Everything that waits for `actor` at `now`, duties first, the longest
/// waiting first.
///
/// # Errors
/// The database's error.
pub async fn tasks(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<Group>> {
    let mut groups = read(db, Want::List, actor, now).await?;
    tasks::order(&mut groups);
    Ok(groups)
}

/// How many things `actor` must act on at `now` (the menu's count): count
/// reads only.
///
/// # Errors
/// The database's error.
pub async fn duties(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<u64> {
    Ok(tasks::duties(&read(db, Want::Count, actor, now).await?))
}

async fn read(db: &Db, want: Want, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<Group>> {
    let mut groups = crate::registry::tasks::of(db, want, actor).await?;
    groups.extend(crate::procurement::tasks::of(db, want, actor, now).await?);
    groups.extend(crate::grants::tasks::of(db, want, actor, now).await?);
    groups.extend(crate::notifications::tasks(db, want, actor).await?);
    Ok(groups)
}
