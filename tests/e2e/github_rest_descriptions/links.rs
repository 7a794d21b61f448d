//! `Link` headers of listings as GitHub sends them: every URL on the simulator's
//! origin and path with the request's query, but for its paging parameter; with page
//! numbers, `next` and `last` exactly when more pages follow (checked by asking for the
//! page after this one and the one after `last`), `prev` and `first` exactly when
//! pages come before; with cursors (`after`/`before`, or the hook deliveries'
//! `cursor`), no `last`.

use std::collections::BTreeSet;

use reqwest::header::HeaderMap;

/// The paging parameters a `Link` URL sets; the rest of its query is the request's.
const PAGING: &[&str] = &["page", "after", "before", "cursor"];

/// One entry of a `Link` header.
#[derive(Debug)]
pub(super) struct Link {
    pub rel: String,
    pub url: String,
    /// The value of the paging parameter the URL sets (`page`, `after` or `before`).
    pub paging: Option<(String, String)>,
}

pub(super) fn parse(headers: &HeaderMap) -> Vec<Link> {
    let Some(header) = headers.get("link").and_then(|v| v.to_str().ok()) else {
        return Vec::new();
    };
    header
        .split(", ")
        .filter_map(|part| {
            let (url, rel) = part.split_once("; ")?;
            let url = url.trim_matches(['<', '>']).to_string();
            let rel = rel.strip_prefix("rel=\"")?.strip_suffix('"')?.to_string();
            let paging = query(&url)
                .into_iter()
                .find(|(k, _)| PAGING.contains(&k.as_str()));
            Some(Link { rel, url, paging })
        })
        .collect()
}

pub(super) fn find<'a>(links: &'a [Link], rel: &str) -> Option<&'a Link> {
    links.iter().find(|l| l.rel == rel)
}

/// The decoded query of an absolute URL.
fn query(url: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// What is wrong with the URLs of `links`, answered to `base` + `path` (with its query):
/// another origin or path, a query that is not the request's plus one paging parameter.
pub(super) fn url_problems(base: &str, path: &str, links: &[Link]) -> Vec<String> {
    let (route, _) = path.split_once('?').unwrap_or((path, ""));
    let kept: BTreeSet<(String, String)> = query(&format!("{base}{path}"))
        .into_iter()
        .filter(|(k, _)| !PAGING.contains(&k.as_str()))
        .collect();
    let mut problems = Vec::new();
    for link in links {
        let wanted = format!("{base}{route}?");
        if !link.url.starts_with(&wanted) {
            problems.push(format!(
                "{path}: rel=\"{}\" {} is not on {wanted}",
                link.rel, link.url
            ));
        }
        let mut theirs: BTreeSet<(String, String)> = query(&link.url).into_iter().collect();
        let paging: Vec<(String, String)> = theirs
            .iter()
            .filter(|(k, _)| PAGING.contains(&k.as_str()))
            .cloned()
            .collect();
        if paging.len() != 1 {
            problems.push(format!(
                "{path}: rel=\"{}\" {} sets {paging:?}, not one paging parameter",
                link.rel, link.url
            ));
        }
        theirs.retain(|p| !paging.contains(p));
        if theirs != kept {
            problems.push(format!(
                "{path}: rel=\"{}\" {} does not keep the request's query {kept:?}",
                link.rel, link.url
            ));
        }
    }
    problems
}
