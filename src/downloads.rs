//! Downloads of stored files: the area that owns a file decides who may
//! read it.
//!
//! `files` keeps content and metadata and knows no area; each area says who
//! may see the things it owns (a project, a bid, a challenge, a grant
//! report, an application, an annual report), and whoever may see the owner
//! may read its files. An upload not yet attached is its uploader's alone.
//! A refusal by the owner reads as "no such file" (so nobody learns a file
//! exists); anything else the owner's check hits, such as a database
//! failure, is reported as what it is.
//!
//! What it must not touch: rules of its own. It sits above every area and
//! is called only by the HTTP layers.

use std::path::Path;

use entity::files as file_rows;
use uuid::Uuid;

use crate::auth::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::files::{self, ANNUAL_REPORT, APPLICATION, PROJECT};
use crate::{grants, procurement, registry};

/// A file's metadata and content, for those its owner lets see it.
///
/// # Errors
/// `NotFound` for everyone else; `Unauthenticated` for an anonymous reader
/// of a file that is not public; the database's error as itself.
pub async fn download(
    db: &Db,
    data_dir: &Path,
    actor: Option<&Actor>,
    id: Uuid,
) -> Result<(file_rows::Model, Vec<u8>)> {
    let file = files::find(db, id).await?;
    may_read(db, actor, &file).await.map_err(hidden)?;
    files::content(db, data_dir, file).await
}

/// The `Content-Disposition` a download is served with: `attachment`, the
/// name encoded for any characters (RFC 6266).
#[must_use]
pub fn disposition(file_name: &str) -> String {
    format!(
        "attachment; filename*=UTF-8''{}",
        urlencoding::encode(file_name)
    )
}

/// Asks the owner's area whether `actor` may see the owner.
async fn may_read(db: &Db, actor: Option<&Actor>, file: &file_rows::Model) -> Result<()> {
    let Some(owner) = file.owner_id else {
        return if files::own_unattached(actor, file) {
            Ok(())
        } else if actor.is_none() {
            Err(Error::Unauthenticated)
        } else {
            Err(Error::NotFound("file"))
        };
    };
    let kind = file.owner_kind.as_deref().unwrap_or_default();
    // Project documents are as public as their project; accepted grant
    // reports are public, others as their grant says.
    match kind {
        PROJECT => return procurement::projects::get(db, actor, owner).await.map(drop),
        grants::reports::FILE_OWNER => {
            return grants::reports::report_access(db, actor, owner)
                .await
                .map(drop);
        }
        _ => {}
    }
    let actor = actor.ok_or(Error::Unauthenticated)?;
    match kind {
        procurement::bids::FILE_OWNER => procurement::bids::get(db, actor, owner).await.map(drop),
        procurement::challenges::FILE_OWNER => {
            procurement::challenges::challenge_access(db, actor, owner)
                .await
                .map(drop)
        }
        APPLICATION => registry::applications::get(db, actor, owner)
            .await
            .map(drop),
        ANNUAL_REPORT => registry::annual_reports::get(db, actor, owner)
            .await
            .map(drop),
        _ => Err(Error::NotFound("file")),
    }
}

/// An owner's refusal reads as "no such file"; an anonymous reader is asked
/// to sign in; every other error stays what it is.
fn hidden(e: Error) -> Error {
    match e {
        Error::Unauthenticated => Error::Unauthenticated,
        Error::NotFound(_) | Error::Forbidden(_) => Error::NotFound("file"),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::DbErr;

    use super::*;

    #[test]
    fn refusals_hide_the_file_and_failures_stay_failures() {
        assert!(matches!(
            hidden(Error::forbidden("another department's")),
            Error::NotFound("file")
        ));
        assert!(matches!(
            hidden(Error::NotFound("application")),
            Error::NotFound("file")
        ));
        assert!(matches!(
            hidden(Error::Unauthenticated),
            Error::Unauthenticated
        ));
        let down = Error::from(DbErr::Conn(sea_orm::RuntimeErr::Internal("gone".into())));
        assert!(!matches!(hidden(down), Error::NotFound(_)));
        assert!(matches!(
            hidden(Error::Internal("disk".into())),
            Error::Internal(_)
        ));
    }
}
