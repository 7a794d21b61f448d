//! A pull request's figures, from its timeline: the author's and the reviewers'
//! actions in order. Pure functions following Pluralsight Flow's published definitions
//! (docs/metrics.md names the page each follows, with examples).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

pub use crate::robustness::{Robustness, RobustnessThresholds};

/// Something someone did on a pull request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// A conversation comment or a review-thread comment, whatever its text (an emoji
    /// alone is a comment, though a trivial one).
    Comment(Robustness),
    /// A submitted review: with a body (a comment of that robustness), or bare (an
    /// approval without text).
    Review { body: Option<Robustness> },
    /// A commit of the pull request, at its committed date (GitHub keeps no push time).
    Commit,
    /// Merging it (by whoever merged).
    Merge,
    /// Closing it without merging, or the close that comes with a merge.
    Close,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub actor: String,
    pub at: DateTime<Utc>,
    pub kind: ActionKind,
}

impl Action {
    /// Comments, review-thread comments and reviews with a body are comments; a review
    /// without one (a bare approval) is not. The comment's robustness when it is one.
    fn comment(&self) -> Option<Robustness> {
        match self.kind {
            ActionKind::Comment(robustness) => Some(robustness),
            ActionKind::Review { body } => body,
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Timeline {
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub merged_at: Option<DateTime<Utc>>,
    pub size: i64,
    /// In any order.
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub time_to_first_comment: Option<f64>,
    /// Hours of each reviewer response.
    pub reaction_times: Vec<f64>,
    /// Hours of each submitter response (merged pull requests only).
    pub responsiveness: Vec<f64>,
    pub thoroughly_reviewed: bool,
    pub comments: i64,
    pub reviews: i64,
    pub reviewers: Vec<String>,
    pub iterations: i64,
    pub time_to_merge: Option<f64>,
    pub size: i64,
}

pub fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

pub fn average(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

impl Timeline {
    pub fn figures(mut self) -> Figures {
        // In time order; within one second (GitHub's resolution) reviewers' actions come
        // before the author's, so an author acting in the same second as a reviewer is
        // taken to respond to it (0 h) rather than to wait for it.
        let author = self.author.clone();
        self.actions
            .sort_by(|a, b| (a.at, a.actor == author).cmp(&(b.at, b.actor == author)));
        let author = self.author.as_str();
        let by_others = || self.actions.iter().filter(|a| a.actor != author);
        let first_review = by_others()
            .filter(|a| matches!(a.kind, ActionKind::Review { .. }))
            .map(|a| a.at)
            .next();
        let reviewers: BTreeSet<String> = by_others().map(|a| a.actor.clone()).collect();
        Figures {
            time_to_first_comment: by_others()
                .find(|a| a.comment().is_some())
                .map(|a| hours(self.created_at, a.at)),
            reaction_times: self.reaction_times(),
            responsiveness: self.responsiveness(),
            thoroughly_reviewed: self.merged_at.is_some()
                && by_others().any(|a| a.comment().is_some_and(Robustness::is_substantial)),
            comments: self
                .actions
                .iter()
                .filter(|a| matches!(a.kind, ActionKind::Comment(_)))
                .count() as i64,
            reviews: by_others()
                .filter(|a| matches!(a.kind, ActionKind::Review { .. }))
                .count() as i64,
            reviewers: reviewers.into_iter().collect(),
            iterations: match first_review {
                Some(review) => self
                    .actions
                    .iter()
                    .filter(|a| a.kind == ActionKind::Commit && a.at > review)
                    .count() as i64,
                None => 0,
            },
            time_to_merge: self.merged_at.map(|at| hours(self.created_at, at)),
            size: self.size,
        }
    }

    /// The actions on the pull request once it is open: commits made before it was
    /// opened are not actions on it.
    fn after_opening(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| a.at >= self.created_at)
    }

    /// Reviewer responses, in hours. Opening the pull request is the author's first
    /// action. A wait for reviewers starts with the opening and with each author action
    /// that follows a reviewer action; within one wait, each reviewer's first action
    /// (a comment, review, commit, merge or close) is one response, timed from the start
    /// of the wait.
    fn reaction_times(&self) -> Vec<f64> {
        let mut reactions = Vec::new();
        let mut waiting_since = Some(self.created_at);
        let mut responded: BTreeSet<&str> = BTreeSet::new();
        for action in self.after_opening() {
            if action.actor == self.author {
                // A new wait starts once a reviewer acted since the last one.
                if waiting_since.is_none() || !responded.is_empty() {
                    waiting_since = Some(action.at);
                    responded.clear();
                }
            } else if let Some(since) = waiting_since
                && responded.insert(action.actor.as_str())
            {
                reactions.push(hours(since, action.at));
            }
        }
        reactions
    }

    /// Submitter responses, in hours (Flow's Responsiveness): a submitter action (a
    /// commit, comment, merge or close by the author) immediately preceded by a
    /// reviewer action is one response, timed from that reviewer action, the last of
    /// its run; the author's further actions before the next reviewer action are the
    /// same response. Unmerged pull requests have none.
    fn responsiveness(&self) -> Vec<f64> {
        if self.merged_at.is_none() {
            return Vec::new();
        }
        let mut responses = Vec::new();
        let mut last_reviewer_action = None;
        for action in self.after_opening() {
            if action.actor == self.author {
                if let Some(since) = last_reviewer_action.take() {
                    responses.push(hours(since, action.at));
                }
            } else {
                last_reviewer_action = Some(action.at);
            }
        }
        responses
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGULAR: ActionKind = ActionKind::Comment(Robustness::Regular);
    const TRIVIAL: ActionKind = ActionKind::Comment(Robustness::Trivial);
    const APPROVAL: ActionKind = ActionKind::Review { body: None };

    fn at(hour: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + hour * 3600, 0).unwrap()
    }

    fn act(actor: &str, hour: i64, kind: ActionKind) -> Action {
        Action {
            actor: actor.into(),
            at: at(hour),
            kind,
        }
    }

    fn timeline(merged_at: Option<i64>, actions: Vec<Action>) -> Timeline {
        Timeline {
            author: "alice".into(),
            created_at: at(0),
            merged_at: merged_at.map(at),
            size: 120,
            actions,
        }
    }

    /// docs/metrics.md's worked example.
    #[test]
    fn the_worked_example_of_docs_metrics() {
        use ActionKind::*;
        let figures = timeline(
            Some(30),
            vec![
                act("alice", -5, Commit),
                act("bob", 2, APPROVAL),
                act("bob", 3, REGULAR),
                act("carol", 4, TRIVIAL),
                act("alice", 6, Commit),
                act("alice", 7, REGULAR),
                act("bob", 10, APPROVAL),
                act("alice", 12, Commit),
                act("alice", 30, Merge),
                act("alice", 30, Close),
            ],
        )
        .figures();
        // bob's review at 2 is a bare approval; his comment at 3 is the first comment.
        assert_eq!(figures.time_to_first_comment, Some(3.0));
        // Waits for reviewers: from 0 (bob 2h, carol 4h), from 6 (bob 4h).
        assert_eq!(figures.reaction_times, vec![2.0, 4.0, 4.0]);
        // Submitter responses: to carol's 4 (the last of bob's and carol's run) at 6;
        // alice's 7 is the same response; to bob's 10 at 12; her merge follows her own
        // action and responds to nothing.
        assert_eq!(figures.responsiveness, vec![2.0, 2.0]);
        assert!(figures.thoroughly_reviewed, "bob's comment is regular");
        assert_eq!((figures.comments, figures.reviews), (3, 2));
        assert_eq!(figures.reviewers, vec!["bob", "carol"]);
        // Commits after bob's first review (2): those at 6 and 12.
        assert_eq!(figures.iterations, 2);
        assert_eq!(figures.time_to_merge, Some(30.0));
    }

    /// Flow's Responsiveness page, in our own numbers: two reviewer actions in a row
    /// (only the later one counts), two submitter actions in a row (one response), a
    /// reviewer's merge answered by nothing; and an unmerged pull request has none.
    #[test]
    fn responsiveness_counts_from_the_reviewer_action_just_before() {
        use ActionKind::*;
        let actions = vec![
            act("bob", 1, REGULAR),
            act("carol", 3, APPROVAL),
            act("alice", 4, Commit),
            act("alice", 5, REGULAR),
            act("bob", 8, TRIVIAL),
            act("alice", 11, REGULAR),
            act("bob", 20, Merge),
        ];
        let merged = timeline(Some(20), actions.clone()).figures();
        assert_eq!(merged.responsiveness, vec![1.0, 3.0]);
        assert!(timeline(None, actions).figures().responsiveness.is_empty());
    }

    /// Merges and closes are actions of whoever did them: a reviewer closing the pull
    /// request is a reviewer response (reaction time) and makes them a reviewer.
    #[test]
    fn a_close_by_a_reviewer_is_a_reviewer_action() {
        let figures = timeline(None, vec![act("dave", 5, ActionKind::Close)]).figures();
        assert_eq!(figures.reaction_times, vec![5.0]);
        assert_eq!(figures.reviewers, vec!["dave"]);
        assert_eq!(figures.time_to_first_comment, None);
    }

    /// Thoroughly reviewed (Flow): merged, with a regular or robust comment by a
    /// reviewer. A trivial one ("👍", "LGTM") is still a comment — the first comment, a
    /// reviewer action — but not enough; a bare approval is no comment at all.
    #[test]
    fn only_a_regular_or_robust_comment_makes_it_thoroughly_reviewed() {
        let trivial = timeline(
            Some(2),
            vec![act("bob", 1, TRIVIAL), act("carol", 1, APPROVAL)],
        );
        let figures = trivial.clone().figures();
        assert!(!figures.thoroughly_reviewed);
        assert_eq!(figures.time_to_first_comment, Some(1.0));
        assert_eq!(figures.comments, 1);
        let mut regular = trivial;
        regular.actions.push(act(
            "carol",
            1,
            ActionKind::Review {
                body: Some(Robustness::Robust),
            },
        ));
        assert!(regular.figures().thoroughly_reviewed);
        // The author's own long comment does not review the pull request.
        let own = timeline(Some(2), vec![act("alice", 1, REGULAR)]);
        assert!(!own.figures().thoroughly_reviewed);
    }

    /// Within one second, the reviewer's action comes first: the author acting in the
    /// same second responds to it at once.
    #[test]
    fn an_author_and_a_reviewer_in_the_same_second() {
        let figures = timeline(
            Some(9),
            vec![act("alice", 3, ActionKind::Commit), act("bob", 3, REGULAR)],
        )
        .figures();
        assert_eq!(figures.responsiveness, vec![0.0]);
        assert_eq!(figures.reaction_times, vec![3.0]);
    }
}
