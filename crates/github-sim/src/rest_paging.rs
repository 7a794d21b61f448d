//! REST list paging as GitHub does it: `per_page` (30 by default, 100 at
//! most) and `page`, with `prev`/`next`/`last`/`first` in a `Link` header.

use serde_json::Value;

use crate::call::Call;
use crate::reply::Reply;
use crate::urlenc::encode_component;

/// GitHub's `per_page`/`page` paging with a `Link` header.
pub(crate) fn paginate(call: &Call, items: Vec<Value>) -> Reply {
    let per_page = match call.param("per_page").map(|v| v.parse::<i64>()) {
        None => 30,
        Some(Ok(n)) if n >= 1 => n.min(100) as usize,
        Some(Ok(_)) => 30,
        Some(Err(_)) => 30,
    };
    let page = match call.param("page").map(|v| v.parse::<i64>()) {
        Some(Ok(n)) if n >= 1 => n.min(1_000_000) as usize,
        _ => 1,
    };
    let last = items.len().div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page);
    let slice: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    let reply = Reply::ok(&Value::Array(slice));
    if last <= 1 {
        return reply;
    }
    let link = |n: usize, rel: &str| {
        let mut params: Vec<String> = call
            .query
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
            .collect();
        params.push(format!("page={n}"));
        format!(
            "<{}{}?{}>; rel=\"{rel}\"",
            call.base,
            call.path,
            params.join("&")
        )
    };
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
