//! The REST side of `tributary-bench import --rest`: what the GraphQL import stores
//! (commits, pull requests, tickets and everything nested in them; `github::import`),
//! read through GitHub's REST routes the cheapest way a careful REST collector can,
//! so that both sides' requests and points come from the simulator's own counters.
//!
//! Per repository, the listings GitHub offers, 100 a page, following `Link`:
//! `/commits`, `/issues?state=all` (tickets, and every pull request's number with
//! its reaction count), `/issues/comments`, `/pulls/comments` and `/issues/events`
//! (every event of tickets and pull requests). Per item, only what no listing
//! carries (see [`PER_ITEM`]). Nothing is stored: the pass counts what it read and
//! checks that every object has the fields the import stores, so a REST answer
//! that lacks one fails the pass instead of making it cheaper.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use futures_util::{Stream, TryStreamExt, stream};
use github::client::RestResponse;
use github::{GithubClient, GithubEndpoints, Token};
use serde_json::Value;
use tokio::sync::Semaphore;

/// Requests in flight at once: as many as the GraphQL side has, whose `tributary
/// serve` imports 4 repositories at a time (its embedded worker's concurrency),
/// each one request after the other.
pub const IN_FLIGHT: usize = 4;

/// GitHub's largest page.
pub const PER_PAGE: usize = 100;

/// The calls made once per item, and the stored fields that no listing carries.
pub const PER_ITEM: &[(&str, &str)] = &[
    (
        "GET /repos/{owner}/{repo}/commits/{ref}",
        "a commit's additions, deletions and changed files (`stats`, `files`)",
    ),
    (
        "GET /repos/{owner}/{repo}/pulls/{pull_number}",
        "a pull request's additions, deletions, changed files and `merged_by` (the issues listing has no size or merge details; the pulls listing has neither)",
    ),
    (
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits",
        "a pull request's commits (no repository-wide listing)",
    ),
    (
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        "a pull request's reviews (no repository-wide listing)",
    ),
    (
        "GET /repos/{owner}/{repo}/issues/{issue_number}/reactions",
        "a pull request's reactions, only where the issues listing's `reactions.total_count` is not 0",
    ),
];

/// The fields the GraphQL import stores, as REST names them (JSON pointers), by what
/// the object is. `null` counts as present: GitHub answers `null` for a deleted
/// author or an unlinked e-mail, as GraphQL does.
const COMMIT: &[&str] = &[
    "/sha",
    "/node_id",
    "/commit/message",
    "/commit/author/name",
    "/commit/author/email",
    "/commit/author/date",
    "/commit/committer/name",
    "/commit/committer/email",
    "/commit/committer/date",
    "/author",
    "/committer",
    "/parents",
    "/stats/additions",
    "/stats/deletions",
    "/files",
];
const TICKET: &[&str] = &[
    "/node_id",
    "/number",
    "/title",
    "/state",
    "/state_reason",
    "/user",
    "/labels",
    "/assignees",
    "/created_at",
    "/updated_at",
    "/closed_at",
];
const PULL_AS_ISSUE: &[&str] = &["/number", "/pull_request", "/reactions/total_count"];
const PULL_REQUEST: &[&str] = &[
    "/node_id",
    "/number",
    "/title",
    "/body",
    "/state",
    "/draft",
    "/created_at",
    "/updated_at",
    "/merged_at",
    "/closed_at",
    "/user",
    "/base/ref",
    "/head/ref",
    "/additions",
    "/deletions",
    "/changed_files",
    "/merge_commit_sha",
    "/merged_by",
    "/labels",
    "/assignees",
    "/requested_reviewers",
    "/requested_teams",
];
const PULL_REQUEST_COMMIT: &[&str] = &[
    "/sha",
    "/commit/message",
    "/commit/author/name",
    "/commit/author/email",
    "/commit/author/date",
    "/commit/committer/date",
    "/author",
];
const REVIEW: &[&str] = &["/node_id", "/state", "/user", "/submitted_at", "/body"];
const ISSUE_COMMENT: &[&str] = &[
    "/node_id",
    "/issue_url",
    "/user",
    "/body",
    "/created_at",
    "/updated_at",
];
const REVIEW_COMMENT: &[&str] = &[
    "/node_id",
    "/pull_request_url",
    "/user",
    "/body",
    "/created_at",
    "/updated_at",
];
const REACTION: &[&str] = &["/node_id", "/content", "/user", "/created_at"];
const EVENT: &[&str] = &[
    "/node_id",
    "/event",
    "/actor",
    "/created_at",
    "/issue/number",
];

/// The event kinds the import stores, and the field naming each one's subject.
const PULL_REQUEST_EVENTS: &[&str] = &[
    "closed",
    "reopened",
    "merged",
    "ready_for_review",
    "convert_to_draft",
    "review_requested",
    "review_request_removed",
];
const TICKET_EVENTS: &[&str] = &[
    "closed",
    "reopened",
    "assigned",
    "unassigned",
    "labeled",
    "unlabeled",
];

/// What the pass read, by kind (and the sums that show the per-item calls were made).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Read(pub BTreeMap<&'static str, i64>);

impl Read {
    fn add(&mut self, kind: &'static str, n: i64) {
        *self.0.entry(kind).or_default() += n;
    }

    fn merge(&mut self, other: Read) {
        for (kind, n) in other.0 {
            self.add(kind, n);
        }
    }

    /// What a complete read of `org`'s repositories in `sim` finds, as `caller` sees
    /// them: a pending review shows only to its author, and GitHub lists at most 250
    /// commits of a pull request.
    pub fn expected(sim: &github_sim::GithubSim, org: &str, caller: &str) -> Read {
        let mut read = Read::default();
        let dataset = sim.dataset();
        for repo in dataset.repos_owned_by(org) {
            let Some(c) = sim.content(&repo.full_name()) else {
                continue;
            };
            read.add("repositories", 1);
            read.add("commits", c.commits.len() as i64);
            read.add(
                "commit additions",
                c.commits.iter().map(|c| c.additions).sum(),
            );
            read.add(
                "commit deletions",
                c.commits.iter().map(|c| c.deletions).sum(),
            );
            read.add("pull requests", c.pull_requests.len() as i64);
            read.add("tickets", c.issues.len() as i64);
            for p in &c.pull_requests {
                read.add("pull request additions", p.additions);
                read.add("pull request commits", p.commits.len().min(250) as i64);
                let shown = p.reviews_seen_by(Some(caller));
                read.add("reviews", shown.len() as i64);
                read.add("pull request comments", p.comments.len() as i64);
                let threads = p.review_threads.iter().map(|t| t.comments.len());
                read.add("review comments", threads.sum::<usize>() as i64);
                read.add("reactions", p.reactions.len() as i64);
                read.add("pull request events", p.events.len() as i64);
            }
            for t in &c.issues {
                read.add("ticket comments", t.comments.len() as i64);
                read.add("ticket events", t.events.len() as i64);
            }
        }
        read
    }
}

/// One REST collector: a token, a page size and a cap on requests in flight.
pub struct RestPass {
    github: GithubClient,
    token: Token,
    per_page: usize,
    in_flight: Semaphore,
}

impl RestPass {
    pub fn new(api: &str, token: &str, per_page: usize, in_flight: usize) -> RestPass {
        RestPass {
            github: GithubClient::new(GithubEndpoints::new(api, api)),
            token: Token::new(token),
            per_page,
            in_flight: Semaphore::new(in_flight),
        }
    }

    /// Every repository of `org` the token sees, read all at once within the cap.
    pub async fn organization(&self, org: &str) -> anyhow::Result<Read> {
        let repos: Vec<Value> = self
            .listing(&format!("/orgs/{org}/repos"))
            .try_collect()
            .await?;
        let names = repos
            .iter()
            .map(|r| text(r, "/full_name"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let reads =
            futures_util::future::try_join_all(names.iter().map(|name| self.repository(name)))
                .await?;
        let mut total = Read::default();
        for read in reads {
            total.merge(read);
        }
        Ok(total)
    }

    async fn repository(&self, repo: &str) -> anyhow::Result<Read> {
        let read = Mutex::new(Read::default());
        let tally = |kind, n| read.lock().unwrap_or_else(|e| e.into_inner()).add(kind, n);
        tally("repositories", 1);
        // Numbers of the repository's pull requests, to tell their conversation
        // comments from tickets' (the comments listing names only the issue URL).
        let pull_numbers = Mutex::new(HashSet::new());
        let comment_numbers = Mutex::new(Vec::new());

        let commits = self
            .listing(&format!("/repos/{repo}/commits"))
            .try_for_each_concurrent(IN_FLIGHT, |listed| async move {
                let sha = text(&listed, "/sha")?;
                let commit = self.get(&format!("/repos/{repo}/commits/{sha}")).await?;
                let commit = checked(commit.body, "commit", COMMIT)?;
                tally("commits", 1);
                tally("commit additions", number(&commit, "/stats/additions")?);
                tally("commit deletions", number(&commit, "/stats/deletions")?);
                Ok(())
            });
        let items = self
            .listing(&format!("/repos/{repo}/issues?state=all"))
            .try_for_each_concurrent(IN_FLIGHT, |item| {
                let (tally, pull_numbers) = (&tally, &pull_numbers);
                async move {
                    if item.get("pull_request").is_none() {
                        checked(item, "ticket", TICKET)?;
                        tally("tickets", 1);
                        return Ok(());
                    }
                    let item = checked(item, "pull request (issues listing)", PULL_AS_ISSUE)?;
                    let n = number(&item, "/number")?;
                    pull_numbers
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(n);
                    let reacted = number(&item, "/reactions/total_count")? > 0;
                    self.pull_request(repo, n, reacted, tally).await
                }
            });
        let comments = self
            .listing(&format!("/repos/{repo}/issues/comments"))
            .try_for_each(|comment| {
                let comment_numbers = &comment_numbers;
                async move {
                    let comment = checked(comment, "issue comment", ISSUE_COMMENT)?;
                    let url = text(&comment, "/issue_url")?;
                    let n = url.rsplit('/').next().and_then(|n| n.parse::<i64>().ok());
                    let n = n.ok_or_else(|| anyhow::anyhow!("no issue number in {url}"))?;
                    comment_numbers
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(n);
                    Ok(())
                }
            });
        let review_comments = self
            .listing(&format!("/repos/{repo}/pulls/comments"))
            .try_for_each(|comment| async move {
                checked(comment, "review comment", REVIEW_COMMENT)?;
                tally("review comments", 1);
                Ok(())
            });
        let events = self
            .listing(&format!("/repos/{repo}/issues/events"))
            .try_for_each(|event| async move {
                let event = checked(event, "issue event", EVENT)?;
                let on_pull = event.pointer("/issue/pull_request").is_some();
                let (stored, kind) = if on_pull {
                    (PULL_REQUEST_EVENTS, "pull request events")
                } else {
                    (TICKET_EVENTS, "ticket events")
                };
                if stored.contains(&text(&event, "/event")?.as_str()) {
                    tally(kind, 1);
                }
                Ok(())
            });
        tokio::try_join!(commits, items, comments, review_comments, events)?;

        let pulls = pull_numbers.into_inner().unwrap_or_else(|e| e.into_inner());
        let on_pulls = comment_numbers
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .map(|n| pulls.contains(&n))
            .collect::<Vec<_>>();
        let conversation = on_pulls.iter().filter(|on_pull| **on_pull).count() as i64;
        tally("pull request comments", conversation);
        tally("ticket comments", on_pulls.len() as i64 - conversation);
        Ok(read.into_inner().unwrap_or_else(|e| e.into_inner()))
    }

    /// What no listing carries of pull request `n`: its size and merge details, its
    /// commits, its reviews and, when it has any, its reactions; the four at once.
    async fn pull_request(
        &self,
        repo: &str,
        n: i64,
        reacted: bool,
        tally: &impl Fn(&'static str, i64),
    ) -> anyhow::Result<()> {
        let base = format!("/repos/{repo}");
        let detail = async {
            let pull = self.get(&format!("{base}/pulls/{n}")).await?;
            let pull = checked(pull.body, "pull request", PULL_REQUEST)?;
            tally("pull requests", 1);
            tally("pull request additions", number(&pull, "/additions")?);
            Ok::<_, anyhow::Error>(())
        };
        let listed = |path: String, kind: &'static str, what: &'static str, fields| async move {
            let items: Vec<Value> = self.listing(&path).try_collect().await?;
            for item in items {
                checked(item, what, fields)?;
                tally(kind, 1);
            }
            Ok::<_, anyhow::Error>(())
        };
        let commits = listed(
            format!("{base}/pulls/{n}/commits"),
            "pull request commits",
            "pull request commit",
            PULL_REQUEST_COMMIT,
        );
        let reviews = listed(
            format!("{base}/pulls/{n}/reviews"),
            "reviews",
            "review",
            REVIEW,
        );
        let reactions = async {
            if reacted {
                let path = format!("{base}/issues/{n}/reactions");
                listed(path, "reactions", "reaction", REACTION).await?;
            }
            Ok(())
        };
        tokio::try_join!(detail, commits, reviews, reactions)?;
        Ok(())
    }

    /// Every item of a listing, `per_page` at a time, following `rel="next"`.
    fn listing<'a>(&'a self, path: &str) -> impl Stream<Item = anyhow::Result<Value>> + 'a {
        let sep = if path.contains('?') { '&' } else { '?' };
        let first = format!("{path}{sep}per_page={}", self.per_page);
        stream::try_unfold(Some(first), move |next| async move {
            let Some(url) = next else {
                return Ok(None);
            };
            let page = self.get(&url).await?;
            let Value::Array(items) = page.body else {
                anyhow::bail!("{url} answered something other than a listing");
            };
            let items = stream::iter(items.into_iter().map(Ok));
            Ok(Some((items, page.next_page)))
        })
        .try_flatten()
    }

    /// One request, once a place among those in flight is free.
    async fn get(&self, path: &str) -> anyhow::Result<RestResponse<Value>> {
        let _place = self.in_flight.acquire().await?;
        Ok(self.github.rest_get(&self.token, path).await?)
    }
}

/// `v` if it has every one of `fields`; the error names the first one missing.
fn checked(v: Value, what: &str, fields: &[&str]) -> anyhow::Result<Value> {
    match fields.iter().find(|f| v.pointer(f).is_none()) {
        Some(missing) => anyhow::bail!("a {what} without {missing}: {v}"),
        None => Ok(v),
    }
}

fn text(v: &Value, pointer: &str) -> anyhow::Result<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no text at {pointer} in {v}"))
}

fn number(v: &Value, pointer: &str) -> anyhow::Result<i64> {
    v.pointer(pointer)
        .and_then(Value::as_i64)
        .ok_or_else(|| anyhow::anyhow!("no number at {pointer} in {v}"))
}

#[cfg(test)]
mod tests;
