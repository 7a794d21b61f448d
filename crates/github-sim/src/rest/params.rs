//! Query parameters of the content listings as GitHub reads them: enumerations
//! (`state`, `sort`, `direction`) and ISO 8601 times (`since`, `until`). A value
//! GitHub does not know is refused with 422 by the operations whose description lists
//! a 422 (`refuse` names the documentation the refusal points to), and stands for the
//! default on the others, which GitHub describes as answering no 422.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use serde_json::Value;

use crate::call::Call;
use crate::reply::Reply;
use crate::rest_paging::paginate_with;

/// `name` among `allowed`, `default` when absent; an unknown value is GitHub's 422
/// where `refuse`, else the default.
pub(crate) fn choice(
    call: &Call,
    name: &str,
    allowed: &[&'static str],
    default: &'static str,
    refuse: Option<&str>,
) -> Result<&'static str, Reply> {
    let known = call
        .param(name)
        .and_then(|v| allowed.iter().find(|a| **a == v));
    match (call.param(name), known, refuse) {
        (None, _, _) | (Some(_), None, None) => Ok(default),
        (Some(_), Some(a), _) => Ok(a),
        (Some(v), None, Some(docs)) => Err({
            let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
            Reply::error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!(
                    "Invalid request.\n\nFor 'properties/{name}', \"{v}\" is not one of [{}].",
                    list.join(", ")
                ),
                docs,
            )
        }),
    }
}

/// `state` of the issue and pull request listings: `open` (the default), `closed`, `all`.
pub(crate) fn state(call: &Call, refuse: Option<&str>) -> Result<&'static str, Reply> {
    choice(call, "state", &["open", "closed", "all"], "open", refuse)
}

/// `asc` or `desc`; `descending_by_default` picks the default.
pub(crate) fn descending(
    call: &Call,
    descending_by_default: bool,
    refuse: Option<&str>,
) -> Result<bool, Reply> {
    let default = if descending_by_default { "desc" } else { "asc" };
    Ok(choice(call, "direction", &["asc", "desc"], default, refuse)? == "desc")
}

/// A time parameter (`since`, `until`): ISO 8601 as GitHub takes it, or a date alone;
/// one that is neither is GitHub's 422 where `refuse`, else no time at all.
pub(crate) fn time(
    call: &Call,
    name: &str,
    refuse: Option<&str>,
) -> Result<Option<DateTime<Utc>>, Reply> {
    let Some(v) = call.param(name) else {
        return Ok(None);
    };
    let parsed = DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        });
    match (parsed, refuse) {
        (Some(t), _) => Ok(Some(t)),
        (None, None) => Ok(None),
        (None, Some(docs)) => Err(Reply::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Invalid request.\n\nFor 'properties/{name}', \"{v}\" is not a timestamp."),
            docs,
        )),
    }
}

/// Orders `items` by `key`, newest (largest) first when `descending`; ties keep
/// the input order's direction too, so a listing reads the same both ways reversed.
pub(crate) fn ordered<T: Copy, K: Ord>(
    mut items: Vec<T>,
    descending: bool,
    key: impl Fn(T) -> K,
) -> Vec<T> {
    items.sort_by_key(|t| key(*t));
    if descending {
        items.reverse();
    }
    items
}

/// A comment listing, from `all` (oldest first): those `keep` keeps, created at
/// or after `since`, paged, each page's built by `build`. Without `sort` they come
/// by id (creation), ascending; with it (`sorts` lists what the route takes; `None`
/// for routes that take no `sort`) `direction` applies, ascending by default; an
/// unknown value is refused where `refuse`.
/// Comments here are never edited, so `updated` orders and filters as `created` does.
pub(crate) fn comment_listing<T: Copy>(
    call: &Call,
    all: &[T],
    keep: impl Fn(T) -> bool,
    created_at: impl Fn(T) -> DateTime<Utc>,
    sorts: Option<&[&'static str]>,
    refuse: Option<&str>,
    build: impl Fn(T) -> Value,
) -> Reply {
    let checked = (|| {
        let desc = match (sorts, call.param("sort")) {
            (Some(sorts), Some(_)) => {
                choice(call, "sort", sorts, "created", refuse)?;
                descending(call, false, refuse)?
            }
            _ => false,
        };
        Ok::<_, Reply>((desc, time(call, "since", refuse)?))
    })();
    let (desc, since) = match checked {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let mut chosen: Vec<T> = all
        .iter()
        .copied()
        .filter(|c| keep(*c) && since.is_none_or(|s| created_at(*c) >= s))
        .collect();
    if desc {
        chosen.reverse();
    }
    paginate_with(call, chosen.len(), |range| {
        chosen[range].iter().map(|c| build(*c)).collect()
    })
}
