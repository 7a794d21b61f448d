//! REST list paging as GitHub does it: `per_page` (30 by default, 100 at
//! most) and `page`, with `prev`/`next`/`last`/`first` in a `Link` header; and
//! the `after`/`before` cursors the repository issues listing answers with on
//! large listings (see [`CursorPaging`]).

use std::ops::Range;

use poem::http::StatusCode;
use serde_json::Value;

use crate::call::Call;
use crate::ids;
use crate::reply::Reply;
use crate::urlenc::encode_component;

/// `per_page` as GitHub reads it: 30 when absent or not a positive number, at most 100.
pub(crate) fn per_page(call: &Call) -> usize {
    match call.param("per_page").map(|v| v.parse::<i64>()) {
        Some(Ok(n)) if n >= 1 => n.min(100) as usize,
        _ => 30,
    }
}

/// `page` as GitHub reads it: 1 when absent or not a positive number.
pub(crate) fn page_number(call: &Call) -> usize {
    match call.param("page").map(|v| v.parse::<i64>()) {
        Some(Ok(n)) if n >= 1 => n.min(1_000_000) as usize,
        _ => 1,
    }
}

/// GitHub's `per_page`/`page` paging with a `Link` header.
pub(crate) fn paginate(call: &Call, items: Vec<Value>) -> Reply {
    let total = items.len();
    paginate_with(call, total, |range| {
        items
            .into_iter()
            .skip(range.start)
            .take(range.len())
            .collect()
    })
}

/// Pages a listing of `total` items of which only the page's are built:
/// `build` gets the positions of the page's items.
pub(crate) fn paginate_with(
    call: &Call,
    total: usize,
    build: impl FnOnce(Range<usize>) -> Vec<Value>,
) -> Reply {
    let per_page = per_page(call);
    let page = page_number(call);
    let last = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    let reply = Reply::ok(&Value::Array(build(start..end)));
    if last <= 1 {
        return reply;
    }
    let link = |n: usize, rel: &str| link(call, &[("page", n.to_string())], rel);
    let mut links = Vec::new();
    if page > 1 {
        links.push(link((page - 1).min(last), "prev"));
    }
    if page < last {
        links.push(link(page + 1, "next"));
        links.push(link(last, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
    }
    reply.header("link", links.join(", "))
}

/// One `Link` entry: this request's URL with `set` replacing the paging parameters.
fn link(call: &Call, set: &[(&str, String)], rel: &str) -> String {
    let mut params: Vec<String> = call
        .query
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "page" | "after" | "before"))
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    params.extend(
        set.iter()
            .map(|(k, v)| format!("{k}={}", encode_component(v))),
    );
    format!(
        "<{}{}?{}>; rel=\"{rel}\"",
        call.base,
        call.path,
        params.join("&")
    )
}

/// GitHub's live paging of the repository issues listing on large repositories,
/// which its REST description does not describe (google/go-github#3565,
/// josegonzalez/python-github-backup#429, MeltanoLabs/tap-github#415): a listing
/// of more than [`CursorPaging::LARGE`] items answers `Link` headers with opaque
/// `after`/`before` cursors instead of page numbers, and refuses a `page` from
/// [`CursorPaging::DEEPEST_PAGE`] on with 422. Every reported refusal is of
/// `page=100`; GitHub publishes neither number, so these are the simulator's choice.
pub(crate) struct CursorPaging<'a> {
    /// The sort keys of the listing's items in order: the cursor names the item
    /// it follows or precedes by its key (the item's database id).
    pub keys: &'a [i64],
    pub docs: &'static str,
}

impl CursorPaging<'_> {
    /// Listings longer than this page with cursors.
    pub const LARGE: usize = 1_000;
    /// The first `page` refused on a large listing.
    pub const DEEPEST_PAGE: usize = 100;

    /// Pages with cursors when the request names one or the listing is large, with
    /// page numbers otherwise.
    pub fn reply(&self, call: &Call, build: impl FnOnce(Range<usize>) -> Vec<Value>) -> Reply {
        let after = call.param("after");
        let before = call.param("before");
        let large = self.keys.len() > Self::LARGE;
        if after.is_none() && before.is_none() {
            if !large {
                return paginate_with(call, self.keys.len(), build);
            }
            if page_number(call) >= Self::DEEPEST_PAGE {
                return Reply::error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Pagination with the page parameter is not supported for large datasets, please use cursor based pagination (after/before)",
                    self.docs,
                );
            }
        }
        let per_page = per_page(call);
        let position = |cursor: &str| {
            let key = ids::decode_cursor(cursor)?;
            self.keys.iter().position(|k| *k == key)
        };
        let range = match (after, before) {
            (Some(cursor), _) => match position(cursor) {
                Some(at) => at + 1..(at + 1 + per_page).min(self.keys.len()),
                None => return self.bad_cursor(),
            },
            (None, Some(cursor)) => match position(cursor) {
                Some(at) => at.saturating_sub(per_page)..at,
                None => return self.bad_cursor(),
            },
            // A shallow `page` still answers its page; its links are cursors too, so
            // following them never reaches a refused page number.
            (None, None) => {
                let start = (page_number(call) - 1)
                    .saturating_mul(per_page)
                    .min(self.keys.len());
                start..(start + per_page).min(self.keys.len())
            }
        };
        let mut links = Vec::new();
        if range.start > 0 && range.start < self.keys.len() {
            let cursor = ids::encode_cursor(self.keys[range.start]);
            links.push(link(call, &[("before", cursor)], "prev"));
        }
        if range.end < self.keys.len() && !range.is_empty() {
            let cursor = ids::encode_cursor(self.keys[range.end - 1]);
            links.push(link(call, &[("after", cursor)], "next"));
        }
        let reply = Reply::ok(&Value::Array(build(range)));
        if links.is_empty() {
            return reply;
        }
        reply.header("link", links.join(", "))
    }

    fn bad_cursor(&self) -> Reply {
        Reply::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid cursor. The cursor is malformed or does not belong to this listing.",
            self.docs,
        )
    }
}
