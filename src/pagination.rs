//! Cursor pagination shared by every list: `?limit=` (default 20, max 100)
//! and an opaque `cursor`, answered with `{items, next_cursor}`.
//!
//! Lists are ordered by their UUID v7 ids, which sort by creation time, so a
//! cursor is the last id seen, base64url-encoded.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Default page size.
pub const DEFAULT_LIMIT: u64 = 20;
/// Largest page size a client may ask for.
pub const MAX_LIMIT: u64 = 100;

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// Rows to return.
    pub limit: u64,
    /// Return rows after this id.
    pub after: Option<Uuid>,
}

impl PageRequest {
    /// Parses the client's `limit` and `cursor`.
    ///
    /// # Errors
    /// `BadInput` naming `limit` or `cursor` when either is out of range or unreadable.
    pub fn parse(limit: Option<u64>, cursor: Option<&str>) -> Result<Self> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::bad_input(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = cursor.filter(|c| !c.is_empty()).map(decode).transpose()?;
        Ok(Self { limit, after })
    }

    /// Splits `limit + 1` fetched rows into the page and the cursor of the next one.
    pub fn finish<T>(
        &self,
        mut rows: Vec<T>,
        id_of: impl Fn(&T) -> Uuid,
    ) -> (Vec<T>, Option<String>) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() > limit {
            rows.truncate(limit);
            let next = rows.last().map(|r| encode(id_of(r)));
            (rows, next)
        } else {
            (rows, None)
        }
    }
}

/// Encodes a cursor.
#[must_use]
pub fn encode(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode(cursor: &str) -> Result<Uuid> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| {
            Error::bad_input(
                "cursor",
                "invalid_cursor",
                "cursor is not one this server issued",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let id = Uuid::now_v7();
        let page = PageRequest::parse(Some(5), Some(&encode(id))).unwrap();
        assert_eq!(page.after, Some(id));
        assert_eq!(page.limit, 5);
    }

    #[test]
    fn out_of_range_limits_and_garbage_cursors_are_refused() {
        assert!(matches!(
            PageRequest::parse(Some(0), None),
            Err(Error::BadInput(_))
        ));
        assert!(matches!(
            PageRequest::parse(Some(101), None),
            Err(Error::BadInput(_))
        ));
        assert!(matches!(
            PageRequest::parse(None, Some("!!")),
            Err(Error::BadInput(_))
        ));
    }

    #[test]
    fn finish_gives_a_cursor_only_when_more_rows_exist() {
        let page = PageRequest::parse(Some(2), None).unwrap();
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let (rows, next) = page.finish(ids.clone(), |id| *id);
        assert_eq!(rows.len(), 2);
        assert_eq!(next, Some(encode(ids[1])));
        let (rows, next) = page.finish(ids[..2].to_vec(), |id| *id);
        assert_eq!(rows.len(), 2);
        assert_eq!(next, None);
    }
}
