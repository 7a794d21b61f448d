//! Connections page like GitHub's: `first` 1..100 (required when nodes are asked
//! for), opaque `after` cursors, `totalCount`, `pageInfo`; and, where GitHub's schema
//! offers them, `last`, `before` and `skip`.

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
    if first.is_none() && required {
        return Err(missing_boundaries(connection));
    }
    validate_count(connection, "first", first)
}

fn missing_boundaries(connection: &str) -> Error {
    gh_error(
        "MISSING_PAGINATION_BOUNDARIES",
        format!(
            "You must provide a `first` or `last` value to properly paginate the `{connection}` connection."
        ),
    )
}

/// `first` or `last`: at most 100, not negative.
fn validate_count(
    connection: &str,
    argument: &str,
    value: Option<i32>,
) -> Result<Option<usize>, Error> {
    match value {
        None => Ok(None),
        Some(n) if n > MAX_PAGE => Err(gh_error(
            "EXCESSIVE_PAGINATION",
            format!(
                "Requesting {n} records on the `{connection}` connection exceeds the `{argument}` limit of {MAX_PAGE} records."
            ),
        )),
        Some(n) if n < 0 => Err(gh_error(
            "INVALID_ARGUMENTS",
            format!("`{argument}` on the `{connection}` connection cannot be less than zero."),
        )),
        Some(n) => Ok(Some(n as usize)),
    }
}

fn nodes_asked(ctx: &Context<'_>) -> bool {
    let look = ctx.look_ahead();
    ["nodes", "edges", "pageInfo"]
        .iter()
        .any(|f| look.field(f).exists())
}

/// The offset a cursor stands for.
fn offset(cursor: &str) -> Result<usize, Error> {
    match ids::decode_cursor(cursor) {
        Some(offset) if offset >= 0 => Ok(offset as usize),
        _ => Err(gh_error(
            "INVALID_CURSOR_ARGUMENTS",
            format!("`{cursor}` does not appear to be a valid cursor."),
        )),
    }
}

/// The part of a connection one request sees.
pub(crate) struct Window {
    pub(crate) range: Range<usize>,
    pub(crate) page_info: PageInfo,
    pub(crate) total: i32,
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
    let first = validate_first(connection, first, nodes_asked(ctx))?.unwrap_or(len);
    let start = match after {
        None => 0,
        Some(c) => (offset(&c)? + 1).min(len),
    };
    let end = start.saturating_add(first).min(len);
    Ok(Window::of(start..end, len))
}

impl Window {
    fn of(range: Range<usize>, len: usize) -> Window {
        let cursor = |i: usize| ids::encode_cursor(i as i64);
        let (start, end) = (range.start, range.end);
        Window {
            page_info: PageInfo {
                start_cursor: (end > start).then(|| cursor(start)),
                end_cursor: (end > start).then(|| cursor(end - 1)),
                has_next_page: end < len,
                has_previous_page: start > 0,
            },
            range,
            total: count(len),
        }
    }
}

pub(crate) fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Every paging argument GitHub's richer connections (timelines) take.
pub(crate) struct Bounds {
    pub after: Option<String>,
    pub before: Option<String>,
    pub first: Option<i32>,
    pub last: Option<i32>,
    pub skip: Option<i32>,
}

/// A page of such a connection, with what `filteredCount` and `pageCount` report.
pub(crate) struct Slice {
    pub window: Window,
    /// Items between the `after` and `before` cursors.
    pub filtered: usize,
}

/// Applies `after`/`before`, then `skip`, then `first` and `last` to `len` items, as
/// GitHub does: one of `first` and `last` where nodes are asked for, never both.
pub(crate) fn slice(
    ctx: &Context<'_>,
    connection: &str,
    len: usize,
    bounds: Bounds,
) -> Result<Slice, Error> {
    let first = validate_count(connection, "first", bounds.first)?;
    let last = validate_count(connection, "last", bounds.last)?;
    if first.is_some() && last.is_some() {
        return Err(gh_error(
            "INVALID_ARGUMENTS",
            format!(
                "Passing both `first` and `last` to paginate the `{connection}` connection is not supported."
            ),
        ));
    }
    if first.is_none() && last.is_none() && nodes_asked(ctx) {
        return Err(missing_boundaries(connection));
    }
    let skip = match bounds.skip {
        Some(n) if n < 0 => {
            return Err(gh_error(
                "INVALID_ARGUMENTS",
                format!("`skip` on the `{connection}` connection cannot be less than zero."),
            ));
        }
        n => n.unwrap_or(0) as usize,
    };
    let mut start = match bounds.after {
        Some(c) => (offset(&c)? + 1).min(len),
        None => 0,
    };
    let mut end = match bounds.before {
        Some(c) => offset(&c)?.min(len).max(start),
        None => len,
    };
    let filtered = end - start;
    start = start.saturating_add(skip).min(end);
    if let Some(first) = first {
        end = end.min(start.saturating_add(first));
    }
    if let Some(last) = last {
        start = start.max(end.saturating_sub(last));
    }
    Ok(Slice {
        window: Window::of(start..end, len),
        filtered,
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
