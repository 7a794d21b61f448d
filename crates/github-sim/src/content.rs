//! What lives inside the repositories: default-branch commits, pull requests (with
//! their commits, reviews, comments, review threads, reactions and timeline events)
//! and issues (with comments and timeline events). Generated per repository from the seed and the
//! repository's id, so one repository's content does not depend on another's size.
//!
//! Field names follow the importer's types (`github::import`), so `/_sim/dataset`
//! can be compared with what the client fetched field by field.

use std::collections::HashMap;
use std::sync::Arc;

use crate::dataset::{Dataset, Repo};

mod builder;
mod comments;
mod generate;
mod lifecycle;
mod model;
mod people;
mod pull_requests;
#[cfg(test)]
pub(crate) mod tests;
mod texts;

pub(crate) use builder::{RepoBuilder, epoch};
use generate::generate_repo;
pub(crate) use generate::new_commit;
pub use model::*;
pub(crate) use people::People;
pub(crate) use pull_requests::pr_commit;

/// Every repository's content, by repository id, and the node ids `node(id:)` resolves.
#[derive(Clone, Debug, Default)]
pub struct Content {
    pub repos: HashMap<i64, Arc<RepoContent>>,
    pub nodes: HashMap<String, NodeRef>,
}

impl Content {
    pub fn generate(dataset: &Dataset, size_of: impl Fn(&Repo) -> RepoSize) -> Content {
        let people = People::new(dataset);
        let heavy = dataset.repos.first().map(|r| r.id);
        let mut content = Content::default();
        for (position, repo) in dataset.repos.iter().enumerate() {
            let generated = generate_repo(
                dataset.seed,
                position,
                repo,
                size_of(repo),
                &people,
                Some(repo.id) == heavy,
            );
            content.repos.insert(repo.id, Arc::new(generated));
        }
        content.reindex();
        content
    }

    /// Rebuilds the node index (after generation or a mutation).
    pub fn reindex(&mut self) {
        self.nodes.clear();
        let repos: Vec<(i64, Arc<RepoContent>)> =
            self.repos.iter().map(|(&id, c)| (id, c.clone())).collect();
        for (repo, c) in repos {
            self.index_repo(repo, c);
        }
    }

    pub fn index_repo(&mut self, repo: i64, c: Arc<RepoContent>) {
        for (index, pr) in c.pull_requests.iter().enumerate() {
            self.nodes
                .insert(pr.node_id.clone(), NodeRef::PullRequest { repo, index });
            for (t, thread) in pr.review_threads.iter().enumerate() {
                self.nodes.insert(
                    thread.node_id.clone(),
                    NodeRef::ReviewThread {
                        repo,
                        pull: index,
                        index: t,
                    },
                );
            }
        }
        for (index, issue) in c.issues.iter().enumerate() {
            self.nodes
                .insert(issue.node_id.clone(), NodeRef::Issue { repo, index });
        }
    }
}
