//! Query parameters of the content listings as GitHub reads them: enumerations
//! (`state`, `sort`, `direction`) refused with 422 when unknown, ISO 8601 times
//! (`since`, `until`).

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use serde_json::Value;

use crate::call::Call;
use crate::reply::Reply;
use crate::rest_paging::paginate_with;

/// `name` among `allowed`, `default` when absent; an unknown value is GitHub's 422.
pub(crate) fn choice(
    call: &Call,
    name: &str,
    allowed: &[&'static str],
    default: &'static str,
    docs: &str,
) -> Result<&'static str, Reply> {
    match call.param(name) {
        None => Ok(default),
        Some(v) => allowed.iter().find(|a| **a == v).copied().ok_or_else(|| {
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

/// `asc` or `desc`; `descending_by_default` picks the default.
pub(crate) fn descending(
    call: &Call,
    descending_by_default: bool,
    docs: &str,
) -> Result<bool, Reply> {
    let default = if descending_by_default { "desc" } else { "asc" };
    Ok(choice(call, "direction", &["asc", "desc"], default, docs)? == "desc")
}

/// A time parameter (`since`, `until`): ISO 8601 as GitHub takes it, or a date alone.
pub(crate) fn time(call: &Call, name: &str, docs: &str) -> Result<Option<DateTime<Utc>>, Reply> {
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
    match parsed {
        Some(t) => Ok(Some(t)),
        None => Err(Reply::error(
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
/// for routes that take no `sort`) `direction` applies, ascending by default.
/// Comments here are never edited, so `updated` orders and filters as `created` does.
pub(crate) fn comment_listing<T: Copy>(
    call: &Call,
    all: &[T],
    keep: impl Fn(T) -> bool,
    created_at: impl Fn(T) -> DateTime<Utc>,
    sorts: Option<&[&'static str]>,
    docs: &str,
    build: impl Fn(T) -> Value,
) -> Reply {
    let checked = (|| {
        let desc = match (sorts, call.param("sort")) {
            (Some(sorts), Some(_)) => {
                choice(call, "sort", sorts, "created", docs)?;
                descending(call, false, docs)?
            }
            _ => false,
        };
        Ok::<_, Reply>((desc, time(call, "since", docs)?))
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
