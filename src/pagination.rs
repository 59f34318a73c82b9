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

    /// Where the row the cursor names stands in a list read in `seq` order
    /// (its `seq` column's value); `None` on the first page.
    ///
    /// # Errors
    /// `BadInput` naming `cursor` when no row has this id.
    pub async fn after_seq<E, C>(&self, conn: &C, seq: E::Column) -> Result<Option<i64>>
    where
        E: sea_orm::EntityTrait,
        <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
        C: sea_orm::ConnectionTrait,
    {
        use sea_orm::QuerySelect as _;
        let Some(id) = self.after else {
            return Ok(None);
        };
        E::find_by_id(id)
            .select_only()
            .column(seq)
            .into_tuple::<i64>()
            .one(conn)
            .await?
            .ok_or_else(invalid_cursor)
            .map(Some)
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
        .ok_or_else(invalid_cursor)
}

/// The refusal of a cursor this server did not issue (or whose row is gone).
#[must_use]
pub fn invalid_cursor() -> Error {
    Error::bad_input(
        "cursor",
        "invalid_cursor",
        "cursor is not one this server issued",
    )
}

/// A body read a page at a time, for exports whose size grows with the
/// data: `head`, then the bytes of each page (`page(None)` first, then
/// `page(Some(last))` with the key the previous page ended on, until a page
/// ends with `None`), then `tail`. Memory holds one page, never the whole.
/// An error ends the stream after it (the client sees a cut body).
pub fn stream_pages<K, F, Fut>(
    head: Vec<u8>,
    tail: Vec<u8>,
    page: F,
) -> impl futures_util::Stream<Item = Result<Vec<u8>>> + Send + 'static
where
    K: Send + 'static,
    F: Fn(Option<K>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(Vec<u8>, Option<K>)>> + Send,
{
    enum Next<K> {
        Head,
        Page(Option<K>),
        Tail,
        Done,
    }
    let page = std::sync::Arc::new(page);
    futures_util::stream::unfold(
        (Next::Head, Some(head), Some(tail)),
        move |(next, head, tail)| {
            let page = page.clone();
            async move {
                match next {
                    Next::Head => {
                        Some((Ok(head.unwrap_or_default()), (Next::Page(None), None, tail)))
                    }
                    Next::Page(after) => match page(after).await {
                        Ok((bytes, Some(last))) => {
                            Some((Ok(bytes), (Next::Page(Some(last)), None, tail)))
                        }
                        Ok((bytes, None)) => Some((Ok(bytes), (Next::Tail, None, tail))),
                        Err(e) => Some((Err(e), (Next::Done, None, None))),
                    },
                    Next::Tail => Some((Ok(tail.unwrap_or_default()), (Next::Done, None, None))),
                    Next::Done => None,
                }
            }
        },
    )
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

    #[tokio::test]
    async fn a_streamed_body_is_head_pages_tail_in_order() {
        use futures_util::StreamExt as _;
        // Pages of two numbers from 1 to 5: the key is the last number sent.
        let parts: Vec<Vec<u8>> = stream_pages(
            b"[".to_vec(),
            b"]".to_vec(),
            |after: Option<u8>| async move {
                let from = after.map_or(1, |a| a + 1);
                let to = (from + 1).min(5);
                let text: Vec<String> = (from..=to).map(|n| n.to_string()).collect();
                let sep = if after.is_some() { "," } else { "" };
                Ok((
                    format!("{sep}{}", text.join(",")).into_bytes(),
                    (to < 5).then_some(to),
                ))
            },
        )
        .map(|p| p.unwrap())
        .collect()
        .await;
        assert_eq!(parts.concat(), b"[1,2,3,4,5]");
        assert_eq!(parts.len(), 5, "head, three pages, tail");
    }

    #[tokio::test]
    async fn a_failing_page_ends_the_stream() {
        use futures_util::StreamExt as _;
        let parts: Vec<Result<Vec<u8>>> =
            stream_pages(Vec::new(), b"tail".to_vec(), |_: Option<u8>| async {
                Err::<(Vec<u8>, Option<u8>), _>(Error::Internal("gone".into()))
            })
            .collect()
            .await;
        assert_eq!(parts.len(), 2, "the head, then the error, never the tail");
        assert!(parts[1].is_err());
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
