//! Keyset paging for every connection: opaque cursors and page sizes.
//!
//! A cursor is the URL-safe base64 of the JSON `[ordering, key]`: the sort key of the
//! row it points at (for example `(name, id)` or `(queued_at, id)`) and a tag naming
//! the ordering that handed it out. A page starts strictly after (or before) that key,
//! so a cursor stays valid when rows are added or removed before it, which an offset
//! does not. A cursor that does not decode, or whose tag is not the ordering asked for,
//! is refused with `INVALID_CURSOR`; a page size out of range with `INVALID_PAGE_SIZE`.
//!
//! A connection asks [`PageRequest::parse`] what to fetch, fetches `size + 1` rows in
//! the request's direction (the extra row says whether there is more), and hands them
//! to [`PageRequest::connection`].

use std::borrow::Cow;

use async_graphql::{
    Object, OutputType, TypeName,
    connection::{CursorType, Edge, EmptyFields, PageInfo},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::{ApiError, ApiResult};

/// Which way an `orderBy` sorts (GitHub's `OrderDirection`).
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderDirection {
    /// Smallest, earliest or first in the alphabet first.
    Asc,
    /// Largest, latest or last in the alphabet first.
    Desc,
}

/// An encoded cursor, as a connection's edges carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor(String);

/// Connections only hand cursors out: arguments arrive as strings and go through
/// [`decode`], which knows the ordering.
impl CursorType for Cursor {
    type Error = std::convert::Infallible;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        Ok(Cursor(s.to_string()))
    }

    fn encode_cursor(&self) -> String {
        self.0.clone()
    }
}

/// The cursor of the row whose sort key is `key` in `ordering`.
pub fn encode<K: Serialize>(ordering: &str, key: &K) -> Cursor {
    let json = serde_json::to_vec(&(ordering, key)).expect("sort keys always serialize");
    Cursor(URL_SAFE_NO_PAD.encode(json))
}

/// The sort key in `cursor`, if it is one `ordering` handed out.
pub fn decode<K: DeserializeOwned>(ordering: &str, cursor: &str) -> ApiResult<K> {
    let json = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| ApiError::InvalidCursor)?;
    // No cursor we hand out holds U+0000, which PostgreSQL's text refuses.
    if json.windows(6).any(|w| w == b"\\u0000") {
        return Err(ApiError::InvalidCursor);
    }
    let (tag, key): (String, K) =
        serde_json::from_slice(&json).map_err(|_| ApiError::InvalidCursor)?;
    if tag != ordering {
        return Err(ApiError::InvalidCursor);
    }
    Ok(key)
}

/// How many rows a page holds when `first`/`last` are left out, and at most.
#[derive(Clone, Copy, Debug)]
pub struct PageLimits {
    pub default: usize,
    pub max: usize,
}

/// What a connection's arguments ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest<K> {
    /// The rows strictly after this key …
    pub after: Option<K>,
    /// … and strictly before this one.
    pub before: Option<K>,
    /// How many rows the page holds at most.
    pub size: usize,
    /// `last`: the page is the end of the window, so rows are fetched in reverse order.
    pub backward: bool,
    ordering: String,
}

impl<K: Serialize + DeserializeOwned> PageRequest<K> {
    /// Reads the Relay arguments: `first` and `after` page forward, `last` and `before`
    /// backward; giving both `first` and `last` is refused.
    pub fn parse(
        ordering: &str,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        limits: PageLimits,
    ) -> ApiResult<Self> {
        let checked = |name: &str, value: Option<i32>| -> ApiResult<Option<usize>> {
            match value {
                None => Ok(None),
                Some(n) if n >= 0 && n as usize <= limits.max => Ok(Some(n as usize)),
                Some(_) => Err(ApiError::InvalidPageSize(format!(
                    "{name} must be between 0 and {}",
                    limits.max
                ))),
            }
        };
        let (first, last) = (checked("first", first)?, checked("last", last)?);
        let (size, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(ApiError::InvalidPageSize(
                    "give first or last, not both".into(),
                ));
            }
            (Some(first), None) => (first, false),
            (None, Some(last)) => (last, true),
            (None, None) => (limits.default, false),
        };
        let key = |cursor: Option<String>| cursor.map(|c| decode(ordering, &c)).transpose();
        Ok(PageRequest {
            after: key(after)?,
            before: key(before)?,
            size,
            backward,
            ordering: ordering.to_string(),
        })
    }

    /// A forward-only connection's arguments (`first`, `after`).
    pub fn forward(
        ordering: &str,
        after: Option<String>,
        first: Option<i32>,
        limits: PageLimits,
    ) -> ApiResult<Self> {
        Self::parse(ordering, after, None, first, None, limits)
    }

    /// How many rows to fetch: one more than the page, to know whether there is more.
    pub fn fetch(&self) -> u64 {
        self.size as u64 + 1
    }

    /// The page from the rows fetched (at most [`fetch`](Self::fetch), in the
    /// request's direction), with each row's key and node, of `total_count` in all.
    pub fn connection<Row, Node>(
        &self,
        mut rows: Vec<Row>,
        key_of: impl Fn(&Row) -> K,
        node_of: impl Fn(Row) -> Node,
        total_count: u64,
    ) -> Page<Node>
    where
        Node: OutputType,
    {
        let more = rows.len() > self.size;
        rows.truncate(self.size);
        if self.backward {
            rows.reverse();
        }
        let (has_previous, has_next) = match self.backward {
            false => (self.after.is_some(), more || self.before.is_some()),
            true => (more || self.after.is_some(), self.before.is_some()),
        };
        Page {
            edges: rows
                .into_iter()
                .map(|row| {
                    let cursor = encode(&self.ordering, &key_of(&row));
                    Edge::new(cursor, node_of(row))
                })
                .collect(),
            has_previous_page: has_previous,
            has_next_page: has_next,
            total_count,
        }
    }
}

/// One page of a list, Relay's connection: `<Item>Connection` in the schema.
pub struct Page<N: OutputType> {
    edges: Vec<Edge<Cursor, N, EmptyFields>>,
    has_previous_page: bool,
    has_next_page: bool,
    total_count: u64,
}

/// Named after its item, as Relay expects: `RepositoryConnection`, `ImportRunConnection`, …
impl<N: OutputType> TypeName for Page<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// One page of a list (Relay's connection): its items, each with the cursor to page on
/// from, where the page stands, and how many items the whole list holds. Cursors are
/// opaque and stay valid when items are added before them.
#[Object(name_type)]
impl<N: OutputType> Page<N> {
    /// Where this page stands: whether there is more, and the cursors to page on from.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|edge| edge.cursor.encode_cursor()),
            end_cursor: self.edges.last().map(|edge| edge.cursor.encode_cursor()),
        }
    }

    /// The items of this page, each with its cursor.
    async fn edges(&self) -> &[Edge<Cursor, N, EmptyFields>] {
        &self.edges
    }

    /// The items of this page.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }

    /// How many items the whole list holds (after its filters), across pages.
    async fn total_count(&self) -> u64 {
        self.total_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: PageLimits = PageLimits {
        default: 20,
        max: 100,
    };

    #[test]
    fn a_cursor_decodes_to_its_key_under_its_own_ordering_only() {
        let key = ("web".to_string(), "7f0c".to_string());
        let cursor = encode("repositories:NAME:ASC", &key);
        assert_eq!(
            decode::<(String, String)>("repositories:NAME:ASC", &cursor.encode_cursor()).unwrap(),
            key
        );
        assert!(matches!(
            decode::<(String, String)>("repositories:NAME:DESC", &cursor.encode_cursor()),
            Err(ApiError::InvalidCursor)
        ));
    }

    #[test]
    fn garbage_and_offsets_are_invalid_cursors() {
        for garbage in [
            "",
            "5",
            "MQ",
            "not base64!",
            &URL_SAFE_NO_PAD.encode("[1,2]"),
        ] {
            assert!(
                matches!(
                    decode::<(String, String)>("t", garbage),
                    Err(ApiError::InvalidCursor)
                ),
                "{garbage}"
            );
        }
    }

    #[test]
    fn page_sizes_out_of_range_are_refused() {
        for (first, last) in [
            (Some(-1), None),
            (Some(101), None),
            (None, Some(-5)),
            (Some(1), Some(1)),
        ] {
            let parsed = PageRequest::<String>::parse("t", None, None, first, last, LIMITS);
            assert!(
                matches!(parsed, Err(ApiError::InvalidPageSize(_))),
                "{first:?} {last:?}"
            );
        }
        let default = PageRequest::<String>::parse("t", None, None, None, None, LIMITS).unwrap();
        assert_eq!((default.size, default.backward), (20, false));
        let last = PageRequest::<String>::parse("t", None, None, None, Some(0), LIMITS).unwrap();
        assert_eq!((last.size, last.backward), (0, true));
    }
}
