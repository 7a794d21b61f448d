//! Commit history in lanes. GitHub charges a query by the requests it needs
//! (connections, multiplied down the nesting) ÷ 100, rounded, at least 1: sibling
//! connections add up instead of multiplying, so one query holding [`LANES`] aliased
//! `history` connections of 100 commits each costs 1 point for up to 2,000 commits,
//! where one `history` page costs 1 point for 100.
//!
//! The first page plans: the history between `since` (or the repository's creation)
//! and its newest commit is cut into up to [`LANES`] windows of equal time, one lane
//! each (`history(since:, until:)`), enough lanes to give each about a page or more.
//! Every later query fetches the next page of every unfinished lane from the lane's
//! own cursor. The caller's cursor is the lanes' state, encoded (versioned JSON in
//! base64): windows and cursors of the unfinished lanes, and the total.
//!
//! Windows are cut at whole seconds, and a lane's `until` is the next lane's `since`.
//! Git compares both bounds inclusively, so a commit committed exactly on a boundary
//! comes in both lanes: the lane ending there drops it (it keeps `committed < until`),
//! and the item appears once.
//!
//! Limits: equal time is equal work only where commits are spread evenly over time; a
//! busy stretch keeps its lane running after the others finish, each of its pages
//! still one point for 100 commits. Commits older than the repository (an imported
//! history) all fall in the first lane, which has no lower bound unless `since` sets
//! one; the last lane has no upper bound, so commits pushed during the import are not
//! lost either.

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use graphql_client::{GraphQLQuery, QueryBody};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::convert::{convert_nodes, git_actor, reading, time};
use super::query::{Tally, not_found, timestamp};
use super::types::{Commit, Page, RepoRef};
use crate::operations::{CommitHistoryPlan, commit_history_lanes, commit_history_plan};
use crate::{client::GithubClient, error::GithubError, token::Token};

/// The aliased `history` connections `CommitHistoryLanes` holds (`l0`..`l19`).
pub const LANES: usize = 20;

/// Bumped whenever [`LaneState`] changes shape, so an old cursor is refused in words.
const CURSOR_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Lane {
    since: Option<DateTime<Utc>>,
    /// The next lane's `since`; commits at this instant belong to that lane.
    until: Option<DateTime<Utc>>,
    after: Option<String>,
}

impl Lane {
    fn owns(&self, committed_at: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| committed_at < until)
    }
}

/// What the caller's cursor carries: the unfinished lanes and the history's total.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct LaneState {
    v: u32,
    total: i64,
    lanes: Vec<Lane>,
}

impl LaneState {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(cursor: &str) -> Result<LaneState, GithubError> {
        let refused = |reason: &str| GithubError::Decode {
            what: "the commit import's saved position".into(),
            reason: format!("{reason}; start the repository's commit import again"),
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| refused("it is not a position this version of Tributary wrote"))?;
        let state: LaneState = serde_json::from_slice(&bytes)
            .map_err(|_| refused("it is not a position this version of Tributary wrote"))?;
        if state.v != CURSOR_VERSION || state.lanes.len() > LANES {
            return Err(refused(&format!(
                "it was written by another version of Tributary (format {})",
                state.v
            )));
        }
        Ok(state)
    }
}

/// Cuts [start, newest] into up to [`LANES`] windows of equal time at whole seconds,
/// about one lane per `page_size` commits. The first lane keeps `since` as its lower
/// bound (none for a full import) and the last has no upper bound.
fn plan(
    since: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    newest: DateTime<Utc>,
    total: i64,
    page_size: u32,
) -> Vec<Lane> {
    let wanted = (total.max(1) as u64).div_ceil(u64::from(page_size.max(1)));
    let count = wanted.clamp(1, LANES as u64) as i64;
    let start = since.map_or(created_at, |s| s.max(created_at));
    let span = (newest - start).num_seconds().max(0);
    let mut boundaries: Vec<DateTime<Utc>> = (1..count)
        .map(|k| start + Duration::seconds(span * k / count))
        .collect();
    boundaries.dedup();
    boundaries.retain(|b| *b > start);
    let sinces = std::iter::once(since).chain(boundaries.iter().copied().map(Some));
    let untils = boundaries.iter().copied().map(Some).chain([None]);
    sinces
        .zip(untils)
        .map(|(since, until)| Lane {
            since,
            until,
            after: None,
        })
        .collect()
}

/// `CommitHistoryLanes`' query text with an answer that lets lanes be absent:
/// graphql_client would type every `@include`d lane as always present.
struct Lanes;

#[derive(Deserialize)]
struct LanesData {
    repository: Option<LanesRepository>,
    #[serde(rename = "rateLimit")]
    rate_limit: Option<commit_history_lanes::CommitHistoryLanesRateLimit>,
}

#[derive(Deserialize)]
struct LanesRepository {
    #[serde(rename = "defaultBranchRef")]
    default_branch_ref: Option<LanesRef>,
}

#[derive(Deserialize)]
struct LanesRef {
    target: Option<LanesTarget>,
}

#[derive(Deserialize)]
struct LanesTarget {
    #[serde(flatten)]
    fields: BTreeMap<String, Value>,
}

impl GraphQLQuery for Lanes {
    type Variables = Map<String, Value>;
    type ResponseData = LanesData;

    fn build_query(variables: Self::Variables) -> QueryBody<Self::Variables> {
        QueryBody {
            variables,
            query: commit_history_lanes::QUERY,
            operation_name: commit_history_lanes::OPERATION_NAME,
        }
    }
}

fn lanes_variables(repo: &RepoRef, lanes: &[Lane], page_size: u32) -> Map<String, Value> {
    let mut variables = Map::new();
    variables.insert("owner".into(), json!(repo.owner));
    variables.insert("name".into(), json!(repo.name));
    variables.insert("first".into(), json!(page_size));
    for k in 0..LANES {
        let lane = lanes.get(k);
        variables.insert(format!("use{k}"), json!(lane.is_some()));
        let Some(lane) = lane else { continue };
        variables.insert(format!("since{k}"), json!(lane.since.map(timestamp)));
        variables.insert(format!("until{k}"), json!(lane.until.map(timestamp)));
        variables.insert(format!("after{k}"), json!(lane.after));
    }
    variables
}

fn lane_answer(
    target: &mut LanesTarget,
    k: usize,
) -> Result<commit_history_lanes::CommitLane, GithubError> {
    let value = target
        .fields
        .remove(&format!("l{k}"))
        .unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| GithubError::Decode {
        what: format!("lane {k} of CommitHistoryLanes"),
        reason: e.to_string(),
    })
}

/// One lane's answer: the commits the lane owns that no other lane gave (`seen`), and
/// the lane again, from its new cursor, when GitHub has more.
fn read_lane(
    answer: commit_history_lanes::CommitLane,
    lane: Lane,
    k: usize,
    seen: &mut HashSet<String>,
) -> Result<(Vec<Commit>, Option<Lane>), GithubError> {
    let commits = convert_nodes!(answer, |c| Commit {
        node_id: c.id,
        oid: c.oid,
        message_headline: c.message_headline,
        authored_at: time(&c.authored_date)?,
        committed_at: time(&c.committed_date)?,
        author: git_actor!(c.author),
        committer: git_actor!(c.committer),
        additions: c.additions,
        deletions: c.deletions,
        changed_files: c.changed_files_if_available,
        parent_count: c.parents.total_count,
    });
    let owned: Vec<Commit> = commits
        .into_iter()
        .filter(|c| lane.owns(c.committed_at) && seen.insert(c.oid.clone()))
        .collect();
    if !answer.page_info.has_next_page {
        return Ok((owned, None));
    }
    let after = answer
        .page_info
        .end_cursor
        .ok_or_else(|| GithubError::Decode {
            what: format!("lane {k} of CommitHistoryLanes"),
            reason: "GitHub said there is a next page but gave no cursor".into(),
        })?;
    Ok((
        owned,
        Some(Lane {
            after: Some(after),
            ..lane
        }),
    ))
}

/// The first page of a history read whole as one lane, from `since` on: how a small
/// repository's commits come in a query of many repositories (`super::batch`). When
/// GitHub has more, the page's cursor is the lanes' state [`GithubClient::commit_page`]
/// continues from.
pub(super) fn single_lane_page(
    answer: commit_history_lanes::CommitLane,
    since: Option<DateTime<Utc>>,
    tally: Tally,
) -> Result<Page<Commit>, GithubError> {
    let total = answer.total_count;
    let lane = Lane {
        since,
        until: None,
        after: None,
    };
    let (items, rest) = read_lane(answer, lane, 0, &mut HashSet::new())?;
    let end_cursor = rest.map(|lane| {
        LaneState {
            v: CURSOR_VERSION,
            total,
            lanes: vec![lane],
        }
        .encode()
    });
    let has_next_page = end_cursor.is_some();
    Ok(tally.page(items, total, end_cursor, has_next_page))
}

/// The lanes' state of a history, planned from what a plan query learnt of it (see
/// `super::batch`): what [`GithubClient::commit_page`]'s first query would plan.
pub(super) fn lanes_cursor(
    since: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    newest: DateTime<Utc>,
    total: i64,
    page_size: u32,
) -> String {
    LaneState {
        v: CURSOR_VERSION,
        total,
        lanes: plan(since, created_at, newest, total, page_size),
    }
    .encode()
}

impl GithubClient {
    /// The lanes for a first page: one small query for the total, the newest commit
    /// and the repository's creation. `None`: the repository has no commits there.
    async fn plan_lanes(
        &self,
        token: &Token,
        repo: &RepoRef,
        since: Option<DateTime<Utc>>,
        page_size: u32,
        tally: &mut Tally,
    ) -> Result<Option<LaneState>, GithubError> {
        let variables = commit_history_plan::Variables {
            owner: repo.owner.clone(),
            name: repo.name.clone(),
            since: since.map(timestamp),
        };
        let data = self
            .import_query::<CommitHistoryPlan>(token, variables)
            .await?;
        tally.record(reading!(data.rate_limit));
        let repository = data.repository.ok_or_else(|| not_found(repo))?;
        let Some(target) = repository.default_branch_ref.and_then(|r| r.target) else {
            return Ok(None);
        };
        let commit_history_plan::CommitHistoryPlanRepositoryDefaultBranchRefTarget::Commit(head) =
            target;
        let history = head.history;
        let newest = history.nodes.into_iter().flatten().flatten().next();
        let Some(newest) = newest else {
            return Ok(None);
        };
        let lanes = plan(
            since,
            time(&repository.created_at)?,
            time(&newest.committed_date)?,
            history.total_count,
            page_size,
        );
        Ok(Some(LaneState {
            v: CURSOR_VERSION,
            total: history.total_count,
            lanes,
        }))
    }

    /// Commits on the default branch committed at or after `since`, read in lanes
    /// (see this module): `after` and `end_cursor` are the lanes' state, not a GitHub
    /// cursor, `page_size` is each lane's page, and a page holds up to
    /// `LANES × page_size` commits, each once, newest window first and newest first
    /// within a window (the pages together are not in one order). A repository
    /// without a default branch (empty) answers an empty last page.
    pub async fn commit_page(
        &self,
        token: &Token,
        repo: &RepoRef,
        since: Option<DateTime<Utc>>,
        after: Option<&str>,
        page_size: u32,
    ) -> Result<Page<Commit>, GithubError> {
        let mut tally = Tally::default();
        let state = match after {
            Some(cursor) => Some(LaneState::decode(cursor)?),
            None => {
                self.plan_lanes(token, repo, since, page_size, &mut tally)
                    .await?
            }
        };
        let Some(state) = state.filter(|s| !s.lanes.is_empty()) else {
            return Ok(tally.page(Vec::new(), 0, None, false));
        };
        let variables = lanes_variables(repo, &state.lanes, page_size);
        let data = self.import_query::<Lanes>(token, variables).await?;
        tally.record(reading!(data.rate_limit));
        let repository = data.repository.ok_or_else(|| not_found(repo))?;
        // The default branch vanished (deleted, or the repository emptied): nothing
        // more to read, as on a repository that never had commits.
        let Some(mut target) = repository.default_branch_ref.and_then(|r| r.target) else {
            return Ok(tally.page(Vec::new(), state.total, None, false));
        };
        let mut by_lane = Vec::new();
        let mut seen = HashSet::new();
        let mut unfinished = Vec::new();
        for (k, lane) in state.lanes.into_iter().enumerate() {
            let answer = lane_answer(&mut target, k)?;
            let (owned, rest) = read_lane(answer, lane, k, &mut seen)?;
            by_lane.push(owned);
            unfinished.extend(rest);
        }
        // Lanes run oldest window first; the newest window's commits come first, so a
        // page is newest first, like git log (and a history of one lane is exactly it).
        let items: Vec<Commit> = by_lane.into_iter().rev().flatten().collect();
        let has_next_page = !unfinished.is_empty();
        let end_cursor = has_next_page.then(|| {
            LaneState {
                v: CURSOR_VERSION,
                total: state.total,
                lanes: unfinished,
            }
            .encode()
        });
        Ok(tally.page(items, state.total, end_cursor, has_next_page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn plan_covers_everything_with_adjacent_windows() {
        let lanes = plan(
            None,
            at("2020-01-01T00:00:00Z"),
            at("2020-01-21T00:00:00Z"),
            10_000,
            100,
        );
        assert_eq!(lanes.len(), LANES);
        assert_eq!(lanes[0].since, None);
        assert_eq!(lanes[LANES - 1].until, None);
        assert_eq!(lanes[1].since, Some(at("2020-01-02T00:00:00Z")));
        for pair in lanes.windows(2) {
            assert_eq!(pair[0].until, pair[1].since);
        }
    }

    #[test]
    fn plan_uses_one_lane_per_page_and_keeps_since() {
        let since = at("2020-01-11T00:00:00Z");
        let lanes = plan(
            Some(since),
            at("2020-01-01T00:00:00Z"),
            at("2020-01-21T00:00:00Z"),
            250,
            100,
        );
        assert_eq!(lanes.len(), 3);
        assert_eq!(lanes[0].since, Some(since));
        assert!(lanes[0].until > Some(since));
        // A history within one second cannot be cut: one lane.
        let t = at("2020-01-01T00:00:00Z");
        assert_eq!(plan(None, t, t, 10_000, 100).len(), 1);
    }

    #[test]
    fn a_boundary_commit_belongs_to_the_later_lane() {
        let lanes = plan(
            None,
            at("2020-01-01T00:00:00Z"),
            at("2020-01-03T00:00:00Z"),
            200,
            100,
        );
        let boundary = at("2020-01-02T00:00:00Z");
        assert!(!lanes[0].owns(boundary));
        assert!(lanes[1].owns(boundary));
        assert!(lanes[0].owns(boundary - Duration::seconds(1)));
    }

    #[test]
    fn the_state_round_trips_and_foreign_cursors_are_refused_in_words() {
        let state = LaneState {
            v: CURSOR_VERSION,
            total: 7,
            lanes: plan(None, at("2020-01-01T00:00:00Z"), Utc::now(), 700, 100),
        };
        assert_eq!(LaneState::decode(&state.encode()).unwrap(), state);
        let error = LaneState::decode("Y3Vyc29yOnYyOpK5MjAyNi0wMS0wMVQwMDowMDowMFo=")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("start the repository's commit import again"),
            "{error}"
        );
        let old = URL_SAFE_NO_PAD.encode(br#"{"v":0,"total":1,"lanes":[]}"#);
        assert!(LaneState::decode(&old).is_err());
    }
}
