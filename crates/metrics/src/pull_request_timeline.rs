//! A pull request's figures, from its timeline: the author's and the reviewers'
//! actions in order. Pure functions; docs/metrics.md has the definitions with examples.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

/// Something someone did on a pull request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// A conversation comment or a review-thread comment (whatever its text).
    Comment,
    /// A submitted review; `with_body` when its text is not blank.
    Review { with_body: bool },
    /// A commit of the pull request, at its committed date (GitHub keeps no push time).
    Commit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub actor: String,
    pub at: DateTime<Utc>,
    pub kind: ActionKind,
}

impl Action {
    /// Comments, review-thread comments and reviews with a body are comments; a review
    /// without one (a bare approval) is not.
    fn is_comment(&self) -> bool {
        matches!(
            self.kind,
            ActionKind::Comment | ActionKind::Review { with_body: true }
        )
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
    /// Hours of each author response.
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
        self.actions.sort_by_key(|a| a.at);
        let author = self.author.as_str();
        let by_others = || self.actions.iter().filter(|a| a.actor != author);
        let first_review = by_others()
            .filter(|a| matches!(a.kind, ActionKind::Review { .. }))
            .map(|a| a.at)
            .next();
        let reviewers: BTreeSet<String> = by_others().map(|a| a.actor.clone()).collect();
        let (reaction_times, responsiveness) = self.responses();
        Figures {
            time_to_first_comment: by_others()
                .find(|a| a.is_comment())
                .map(|a| hours(self.created_at, a.at)),
            reaction_times,
            responsiveness,
            thoroughly_reviewed: self.merged_at.is_some() && by_others().any(Action::is_comment),
            comments: self
                .actions
                .iter()
                .filter(|a| a.kind == ActionKind::Comment)
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

    /// Reviewer responses (reaction time) and author responses (responsiveness), in
    /// hours. Opening the pull request is the author's first action. A wait starts at
    /// the first action of one side after the other side acted; each reviewer's first
    /// action in a wait for reviewers is one response, the author's first action in a
    /// wait for the author is one. Commits made before the pull request was opened are
    /// not actions on it.
    fn responses(&self) -> (Vec<f64>, Vec<f64>) {
        let (mut reactions, mut responsiveness) = (Vec::new(), Vec::new());
        let mut waiting_for_reviewers = Some(self.created_at);
        let mut responded: BTreeSet<&str> = BTreeSet::new();
        let mut waiting_for_author: Option<DateTime<Utc>> = None;
        for action in self.actions.iter().filter(|a| a.at >= self.created_at) {
            if action.actor == self.author {
                if let Some(since) = waiting_for_author.take() {
                    responsiveness.push(hours(since, action.at));
                }
                // A new wait for reviewers starts once a reviewer acted since the last one.
                if waiting_for_reviewers.is_none() || !responded.is_empty() {
                    waiting_for_reviewers = Some(action.at);
                    responded.clear();
                }
            } else {
                if let Some(since) = waiting_for_reviewers
                    && responded.insert(action.actor.as_str())
                {
                    reactions.push(hours(since, action.at));
                }
                waiting_for_author.get_or_insert(action.at);
            }
        }
        (reactions, responsiveness)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_worked_example_of_docs_metrics() {
        use ActionKind::*;
        let figures = Timeline {
            author: "alice".into(),
            created_at: at(0),
            merged_at: Some(at(30)),
            size: 120,
            actions: vec![
                act("alice", -5, Commit),
                act("bob", 2, Review { with_body: false }),
                act("bob", 3, Comment),
                act("carol", 4, Comment),
                act("alice", 6, Commit),
                act("alice", 7, Comment),
                act("bob", 10, Review { with_body: false }),
                act("alice", 12, Commit),
            ],
        }
        .figures();
        // bob's review at 2 is a bare approval; his comment at 3 is the first comment.
        assert_eq!(figures.time_to_first_comment, Some(3.0));
        // Waits for reviewers: from 0 (bob 2h, carol 4h), from 6 (bob 4h).
        assert_eq!(figures.reaction_times, vec![2.0, 4.0, 4.0]);
        // Waits for the author: from 2 (alice at 6: 4h), from 10 (alice at 12: 2h).
        assert_eq!(figures.responsiveness, vec![4.0, 2.0]);
        assert!(figures.thoroughly_reviewed);
        assert_eq!((figures.comments, figures.reviews), (3, 2));
        assert_eq!(figures.reviewers, vec!["bob", "carol"]);
        // Commits after bob's first review (2): those at 6 and 12.
        assert_eq!(figures.iterations, 2);
        assert_eq!(figures.time_to_merge, Some(30.0));
    }

    #[test]
    fn a_bare_approval_is_no_comment_and_an_emoji_is_one() {
        let approved = Timeline {
            author: "alice".into(),
            created_at: at(0),
            merged_at: Some(at(2)),
            size: 1,
            actions: vec![act("bob", 1, ActionKind::Review { with_body: false })],
        };
        let figures = approved.clone().figures();
        assert_eq!(figures.time_to_first_comment, None);
        assert!(!figures.thoroughly_reviewed);
        assert_eq!(figures.reaction_times, vec![1.0]);
        let mut emoji = approved;
        emoji.actions.push(act("bob", 1, ActionKind::Comment));
        assert!(emoji.figures().thoroughly_reviewed);
    }
}
