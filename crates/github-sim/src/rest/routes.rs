//! The repository content routes: which one a path names, its template (what
//! `/_sim/stats` counts it under) and the handler that answers it.

use crate::call::Call;
use crate::reply::Reply;

use super::access;
use super::{commits, issues, pulls, reactions, repos, timeline};

/// A repository content route; the strings are the path's parameters.
pub(crate) enum ContentRoute {
    OrgRepos(String),
    UserRepos,
    Repo(String, String),
    /// Routes under `/repos/{owner}/{repo}/…`.
    In(String, String, RepoRoute),
}

pub(crate) enum RepoRoute {
    Commits,
    Commit(String),
    Pulls,
    Pull(i64),
    PullCommits(i64),
    PullReviews(i64),
    PullComments(i64),
    ReviewComments,
    ReviewCommentReactions(i64),
    Issues,
    IssueComments(i64),
    RepoIssueComments,
    IssueCommentReactions(i64),
    IssueEvents,
    Timeline(i64),
    IssueReactions(i64),
}

impl ContentRoute {
    /// `GET` and `HEAD` only; `None` for paths that are not content routes.
    pub fn parse(segments: &[&str]) -> Option<ContentRoute> {
        let n = |s: &str| s.parse::<i64>().ok();
        let route = match segments {
            ["orgs", org, "repos"] => ContentRoute::OrgRepos(org.to_string()),
            ["user", "repos"] => ContentRoute::UserRepos,
            ["repos", o, r] => ContentRoute::Repo(o.to_string(), r.to_string()),
            ["repos", o, r, rest @ ..] => {
                let inner = match rest {
                    ["commits"] => RepoRoute::Commits,
                    ["commits", sha] => RepoRoute::Commit(sha.to_string()),
                    ["pulls"] => RepoRoute::Pulls,
                    ["pulls", "comments"] => RepoRoute::ReviewComments,
                    ["pulls", "comments", id, "reactions"] => {
                        RepoRoute::ReviewCommentReactions(n(id)?)
                    }
                    ["pulls", num] => RepoRoute::Pull(n(num)?),
                    ["pulls", num, "commits"] => RepoRoute::PullCommits(n(num)?),
                    ["pulls", num, "reviews"] => RepoRoute::PullReviews(n(num)?),
                    ["pulls", num, "comments"] => RepoRoute::PullComments(n(num)?),
                    ["issues"] => RepoRoute::Issues,
                    ["issues", "comments"] => RepoRoute::RepoIssueComments,
                    ["issues", "comments", id, "reactions"] => {
                        RepoRoute::IssueCommentReactions(n(id)?)
                    }
                    ["issues", "events"] => RepoRoute::IssueEvents,
                    ["issues", num, "comments"] => RepoRoute::IssueComments(n(num)?),
                    ["issues", num, "timeline"] => RepoRoute::Timeline(n(num)?),
                    ["issues", num, "reactions"] => RepoRoute::IssueReactions(n(num)?),
                    _ => return None,
                };
                ContentRoute::In(o.to_string(), r.to_string(), inner)
            }
            _ => return None,
        };
        Some(route)
    }

    /// The route as GitHub's REST description names it.
    pub fn template(&self) -> &'static str {
        match self {
            ContentRoute::OrgRepos(_) => "/orgs/{org}/repos",
            ContentRoute::UserRepos => "/user/repos",
            ContentRoute::Repo(..) => "/repos/{owner}/{repo}",
            ContentRoute::In(_, _, inner) => match inner {
                RepoRoute::Commits => "/repos/{owner}/{repo}/commits",
                RepoRoute::Commit(_) => "/repos/{owner}/{repo}/commits/{ref}",
                RepoRoute::Pulls => "/repos/{owner}/{repo}/pulls",
                RepoRoute::Pull(_) => "/repos/{owner}/{repo}/pulls/{pull_number}",
                RepoRoute::PullCommits(_) => "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
                RepoRoute::PullReviews(_) => "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
                RepoRoute::PullComments(_) => "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
                RepoRoute::ReviewComments => "/repos/{owner}/{repo}/pulls/comments",
                RepoRoute::ReviewCommentReactions(_) => {
                    "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions"
                }
                RepoRoute::Issues => "/repos/{owner}/{repo}/issues",
                RepoRoute::IssueComments(_) => {
                    "/repos/{owner}/{repo}/issues/{issue_number}/comments"
                }
                RepoRoute::RepoIssueComments => "/repos/{owner}/{repo}/issues/comments",
                RepoRoute::IssueCommentReactions(_) => {
                    "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"
                }
                RepoRoute::IssueEvents => "/repos/{owner}/{repo}/issues/events",
                RepoRoute::Timeline(_) => "/repos/{owner}/{repo}/issues/{issue_number}/timeline",
                RepoRoute::IssueReactions(_) => {
                    "/repos/{owner}/{repo}/issues/{issue_number}/reactions"
                }
            },
        }
    }

    /// The `X-Accepted-OAuth-Scopes` GitHub sends: `repo` for repository content.
    pub fn accepted_scopes(&self) -> &'static str {
        match self {
            ContentRoute::OrgRepos(_) => "",
            _ => "repo",
        }
    }

    pub fn handle(&self, call: &Call) -> Reply {
        match self {
            ContentRoute::OrgRepos(org) => repos::for_org(call, org),
            ContentRoute::UserRepos => repos::for_user(call),
            ContentRoute::Repo(o, r) => match access::repo(call, o, r) {
                Ok(at) => repos::get(call, &at),
                Err(reply) => reply,
            },
            ContentRoute::In(o, r, inner) => match access::repo(call, o, r) {
                Ok(at) => match inner {
                    RepoRoute::Commits => commits::list(call, &at),
                    RepoRoute::Commit(sha) => commits::get(call, &at, sha),
                    RepoRoute::Pulls => pulls::list(call, &at),
                    RepoRoute::Pull(n) => pulls::get(call, &at, *n),
                    RepoRoute::PullCommits(n) => pulls::commits(call, &at, *n),
                    RepoRoute::PullReviews(n) => pulls::reviews(call, &at, *n),
                    RepoRoute::PullComments(n) => pulls::review_comments(call, &at, Some(*n)),
                    RepoRoute::ReviewComments => pulls::review_comments(call, &at, None),
                    RepoRoute::ReviewCommentReactions(id) => {
                        reactions::for_review_comment(call, &at, *id)
                    }
                    RepoRoute::Issues => issues::list(call, &at),
                    RepoRoute::IssueComments(n) => issues::comments(call, &at, Some(*n)),
                    RepoRoute::RepoIssueComments => issues::comments(call, &at, None),
                    RepoRoute::IssueCommentReactions(id) => {
                        reactions::for_issue_comment(call, &at, *id)
                    }
                    RepoRoute::IssueEvents => timeline::repo_events(call, &at),
                    RepoRoute::Timeline(n) => timeline::for_issue(call, &at, *n),
                    RepoRoute::IssueReactions(n) => reactions::for_issue(call, &at, *n),
                },
                Err(reply) => reply,
            },
        }
    }
}
