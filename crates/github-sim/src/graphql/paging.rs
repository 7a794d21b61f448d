//! Connections page like GitHub's: `first` 1..100 (required when nodes are asked
//! for), opaque `after` cursors, `totalCount`, `pageInfo`.

use std::ops::Range;

use async_graphql::{Context, Error, SimpleObject};

use super::context::gh_error;
use crate::ids;

const MAX_PAGE: i32 = 100;

/// Information about pagination in a connection.
#[derive(SimpleObject)]
pub struct PageInfo {
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
}

/// GitHub's checks on `first`: required (where nodes are asked for), at most 100,
/// not negative. `None` when it may be left out and was.
pub(crate) fn validate_first(
    connection: &str,
    first: Option<i32>,
    required: bool,
) -> Result<Option<usize>, Error> {
    match first {
        None if required => Err(gh_error(
            "MISSING_PAGINATION_BOUNDARIES",
            format!(
                "You must provide a `first` or `last` value to properly paginate the `{connection}` connection."
            ),
        )),
        None => Ok(None),
        Some(n) if n > MAX_PAGE => Err(gh_error(
            "EXCESSIVE_PAGINATION",
            format!(
                "Requesting {n} records on the `{connection}` connection exceeds the `first` limit of {MAX_PAGE} records."
            ),
        )),
        Some(n) if n < 0 => Err(gh_error(
            "INVALID_ARGUMENTS",
            format!("`first` on the `{connection}` connection cannot be less than zero."),
        )),
        Some(n) => Ok(Some(n as usize)),
    }
}

/// The part of a connection one request sees.
pub(crate) struct Window {
    pub(super) range: Range<usize>,
    pub(super) page_info: PageInfo,
    pub(super) total: i32,
}

/// Applies `first`/`after` to a list of `len` items. Cursors are opaque offsets, like
/// the `oid offset` GitHub puts in history cursors.
pub(crate) fn window(
    ctx: &Context<'_>,
    connection: &str,
    len: usize,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Window, Error> {
    let look = ctx.look_ahead();
    let needs_first = ["nodes", "edges", "pageInfo"]
        .iter()
        .any(|f| look.field(f).exists());
    let first = validate_first(connection, first, needs_first)?.unwrap_or(len);
    let start = match after {
        None => 0,
        Some(c) => match ids::decode_cursor(&c) {
            Some(offset) if offset >= 0 => (offset as usize + 1).min(len),
            _ => {
                return Err(gh_error(
                    "INVALID_CURSOR_ARGUMENTS",
                    format!("`{c}` does not appear to be a valid cursor."),
                ));
            }
        },
    };
    let end = start.saturating_add(first).min(len);
    let cursor = |i: usize| ids::encode_cursor(i as i64);
    Ok(Window {
        page_info: PageInfo {
            start_cursor: (end > start).then(|| cursor(start)),
            end_cursor: (end > start).then(|| cursor(end - 1)),
            has_next_page: end < len,
            has_previous_page: start > 0,
        },
        range: start..end,
        total: i32::try_from(len).unwrap_or(i32::MAX),
    })
}

/// Declares a connection type with `nodes`, `pageInfo` and `totalCount`.
macro_rules! connection {
    ($name:ident, $node:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            nodes: Option<Vec<Option<$node>>>,
            page_info: $crate::graphql::paging::PageInfo,
            total_count: i32,
        }

        impl $name {
            fn new(
                window: $crate::graphql::paging::Window,
                node: impl FnMut(usize) -> $node,
            ) -> Self {
                $name {
                    nodes: Some(window.range.map(node).map(Some).collect()),
                    page_info: window.page_info,
                    total_count: window.total,
                }
            }
        }
    };
}

pub(super) use connection;
