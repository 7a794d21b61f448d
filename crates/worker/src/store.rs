//! Writes one fetched page: every row upserted by its GitHub key, in statements of
//! many rows. Callers pass their transaction, so a page is stored whole or not at all.

use chrono::Utc;
use entity::{
    comment::{self, CommentParent},
    commit, deleted_node, pull_request, pull_request_commit, pull_request_event, reaction, review,
    ticket, ticket_event,
};
use github::import::{Actor, Comment, Commit, PullRequest, Review, Ticket};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;

use entity::{
    run_details::Resource,
    sql::{upsert, upsert_forward},
};
use metrics::{
    bots::is_bot_identity,
    contributors::{email_links, link_unlinked_commits},
    pull_request_figures as figures,
};

/// A stored pull request or ticket is replaced only by one GitHub updated at the same
/// time or later: webhooks arrive out of order, redeliveries minutes late, and an import
/// page fetched before a webhook may be stored after it.
const PULL_REQUEST_FORWARD: &str = "pull_requests.updated_at <= excluded.updated_at";
const TICKET_FORWARD: &str = "tickets.updated_at <= excluded.updated_at";

/// A comment stored before its `updated_at` was read (none) takes any version; one
/// that has it is not replaced by an older or unknown one.
const COMMENT_FORWARD: &str =
    "comments.updated_at IS NULL OR comments.updated_at <= excluded.updated_at";

/// A review's payload has no `updated_at`; its state only moves from pending to
/// submitted (approved, changes requested, commented) to dismissed, so a late payload
/// is one whose state stands earlier in that order. An edit keeps the state and applies.
const REVIEW_FORWARD: &str = "CASE excluded.state WHEN 'PENDING' THEN 0 WHEN 'DISMISSED' THEN 2 ELSE 1 END \
     >= CASE reviews.state WHEN 'PENDING' THEN 0 WHEN 'DISMISSED' THEN 2 ELSE 1 END";

/// Reviews as every writer stores them: none moved back to an earlier state.
async fn upsert_reviews(
    db: &impl ConnectionTrait,
    rows: Vec<review::ActiveModel>,
) -> Result<(), DbErr> {
    upsert_forward(db, rows, Some(REVIEW_FORWARD)).await
}

/// Records that a webhook deleted the comment or ticket `node_id`, so that no later
/// payload about it (GitHub delivers out of order) stores it again.
pub async fn remember_deleted(
    db: &impl ConnectionTrait,
    integration_id: &str,
    node_id: &str,
) -> Result<(), DbErr> {
    deleted_node::Entity::insert(deleted_node::ActiveModel {
        integration_id: Set(integration_id.to_string()),
        node_id: Set(node_id.to_string()),
        deleted_at: Set(Utc::now()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            deleted_node::Column::IntegrationId,
            deleted_node::Column::NodeId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Which of `node_ids` a webhook deleted ([`remember_deleted`]).
async fn deleted_among(
    db: &impl ConnectionTrait,
    integration_id: &str,
    node_ids: Vec<String>,
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut deleted = std::collections::HashSet::new();
    for chunk in node_ids.chunks(500) {
        let found: Vec<String> = deleted_node::Entity::find()
            .select_only()
            .column(deleted_node::Column::NodeId)
            .filter(deleted_node::Column::IntegrationId.eq(integration_id))
            .filter(deleted_node::Column::NodeId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        deleted.extend(found);
    }
    Ok(deleted)
}

/// `rows` without those whose node ids (`ids_of`: the row's own, its parent's) a
/// webhook deleted.
async fn leave_out_deleted<A>(
    db: &impl ConnectionTrait,
    integration_id: &str,
    rows: Vec<A>,
    ids_of: impl Fn(&A) -> Vec<String>,
) -> Result<Vec<A>, DbErr> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let ids: Vec<String> = rows.iter().flat_map(&ids_of).collect();
    let deleted = deleted_among(db, integration_id, ids).await?;
    if deleted.is_empty() {
        return Ok(rows);
    }
    Ok(rows
        .into_iter()
        .filter(|row| !ids_of(row).iter().any(|id| deleted.contains(id)))
        .collect())
}

/// Comments as every writer stores them: none a webhook deleted (nor of a deleted
/// parent), and none replacing a newer version.
async fn upsert_comments(
    db: &impl ConnectionTrait,
    integration_id: &str,
    rows: Vec<comment::ActiveModel>,
) -> Result<(), DbErr> {
    let rows = leave_out_deleted(db, integration_id, rows, comment_ids).await?;
    upsert_forward(db, rows, Some(COMMENT_FORWARD)).await
}

/// A comment's own node id and its parent's.
fn comment_ids(row: &comment::ActiveModel) -> Vec<String> {
    vec![
        row.node_id.as_ref().clone(),
        row.parent_node_id.as_ref().clone(),
    ]
}

/// The repository a page belongs to.
#[derive(Clone, Debug)]
pub struct Scope {
    pub integration_id: String,
    pub repository_id: String,
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("names always serialize")
}

fn login(actor: &Option<Actor>) -> Option<String> {
    actor.as_ref().map(|a| a.login.clone())
}

fn is_bot(actor: &Option<Actor>) -> bool {
    actor.as_ref().is_some_and(|a| a.is_bot)
}

/// GitHub's enum spelling of a value (`SCREAMING_SNAKE_CASE`, as the import types serialize).
fn enum_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => unreachable!("import enums serialize as strings"),
    }
}

/// Commits, each with its contributor resolved (see `commit::Model::contributor`).
/// Rows are written first (a write takes SQLite's lock at once; a read first would make
/// the transaction fail with SQLITE_BUSY when another connection writes meanwhile),
/// then each e-mail's link is read back, which also moves the e-mail's older unlinked
/// commits to a login this page is the first to bring.
pub async fn store_commits(
    db: &impl ConnectionTrait,
    scope: &Scope,
    commits: &[Commit],
) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows = commits
        .iter()
        .map(|c| {
            let (contributor, is_login) = match &c.author.login {
                Some(login) => (login.clone(), true),
                None => (
                    c.author
                        .email
                        .clone()
                        .or_else(|| c.author.name.clone())
                        .unwrap_or_default(),
                    false,
                ),
            };
            commit::ActiveModel {
                repository_id: Set(scope.repository_id.clone()),
                oid: Set(c.oid.clone()),
                integration_id: Set(scope.integration_id.clone()),
                node_id: Set(c.node_id.clone()),
                message_headline: Set(c.message_headline.clone()),
                authored_at: Set(c.authored_at),
                committed_at: Set(c.committed_at),
                author_name: Set(c.author.name.clone()),
                author_email: Set(c.author.email.clone()),
                author_login: Set(c.author.login.clone()),
                committer_name: Set(c.committer.name.clone()),
                committer_email: Set(c.committer.email.clone()),
                committer_login: Set(c.committer.login.clone()),
                additions: Set(c.additions),
                deletions: Set(c.deletions),
                changed_files: Set(c.changed_files),
                parent_count: Set(c.parent_count as i32),
                imported_at: Set(now),
                contributor: Set(contributor),
                contributor_is_login: Set(is_login),
                author_is_bot: Set(is_bot_identity(
                    c.author.login.as_deref(),
                    c.author.name.as_deref(),
                    c.author.email.as_deref(),
                )),
            }
        })
        .collect();
    upsert(db, rows).await?;

    let emails = distinct(commits.iter().filter_map(|c| c.author.email.clone()));
    let links = email_links(db, &scope.integration_id, &emails).await?;
    link_unlinked_commits(db, &scope.integration_id, &links).await
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = values.collect();
    values.sort();
    values.dedup();
    values
}

fn comment_rows(
    scope: &Scope,
    parent_node_id: &str,
    parent_kind: CommentParent,
    comments: &[Comment],
) -> impl Iterator<Item = comment::ActiveModel> {
    comments.iter().map(move |c| comment::ActiveModel {
        integration_id: Set(scope.integration_id.clone()),
        node_id: Set(c.node_id.clone()),
        repository_id: Set(scope.repository_id.clone()),
        parent_node_id: Set(parent_node_id.to_string()),
        parent_kind: Set(parent_kind),
        kind: Set(enum_name(&c.kind)),
        author_login: Set(login(&c.author)),
        author_is_bot: Set(is_bot(&c.author)),
        body: Set(c.body.clone()),
        created_at: Set(c.created_at),
        updated_at: Set(c.updated_at),
    })
}

fn review_rows(
    scope: &Scope,
    pull_request_node_id: &str,
    reviews: &[Review],
) -> impl Iterator<Item = review::ActiveModel> {
    reviews.iter().map(move |r| review::ActiveModel {
        integration_id: Set(scope.integration_id.clone()),
        node_id: Set(r.node_id.clone()),
        repository_id: Set(scope.repository_id.clone()),
        pull_request_node_id: Set(pull_request_node_id.to_string()),
        state: Set(enum_name(&r.state)),
        author_login: Set(login(&r.author)),
        author_is_bot: Set(is_bot(&r.author)),
        submitted_at: Set(r.submitted_at),
        body: Set(r.body.clone()),
    })
}

/// Reviews of one pull request, without touching the pull request's own row (a
/// webhook's review payload does not carry all of it).
pub async fn store_reviews(
    db: &impl ConnectionTrait,
    scope: &Scope,
    pull_request_node_id: &str,
    reviews: &[Review],
) -> Result<(), DbErr> {
    upsert_reviews(
        db,
        review_rows(scope, pull_request_node_id, reviews).collect(),
    )
    .await?;
    figures::refresh(
        db,
        &scope.integration_id,
        &[pull_request_node_id.to_string()],
    )
    .await
}

/// Comments of one pull request or ticket, without touching their parent's row.
pub async fn store_comments(
    db: &impl ConnectionTrait,
    scope: &Scope,
    parent_node_id: &str,
    parent: CommentParent,
    comments: &[Comment],
) -> Result<(), DbErr> {
    upsert_comments(
        db,
        &scope.integration_id,
        comment_rows(scope, parent_node_id, parent, comments).collect(),
    )
    .await?;
    if parent == CommentParent::PullRequest {
        figures::refresh(db, &scope.integration_id, &[parent_node_id.to_string()]).await?;
    }
    Ok(())
}

pub async fn store_pull_requests(
    db: &impl ConnectionTrait,
    scope: &Scope,
    pulls: &[PullRequest],
) -> Result<(), DbErr> {
    let now = Utc::now();
    let mut prs = Vec::with_capacity(pulls.len());
    let mut commits = Vec::new();
    let mut reviews = Vec::new();
    let mut comments = Vec::new();
    let mut reactions = Vec::new();
    let mut events = Vec::new();
    for pr in pulls {
        events.extend(pr.events.iter().map(|e| event_row(scope, &pr.node_id, e)));
        // Who merged, when the timeline did not come with its merged event (a webhook's
        // pull request, or a page whose events are still to follow): the same row.
        if let (Some(merged_at), Some(_)) = (pr.merged_at, &pr.merged_by)
            && !pr
                .events
                .iter()
                .any(|e| e.kind == github::import::PullRequestEventKind::Merged)
        {
            let merged = github::import::PullRequestEvent {
                kind: github::import::PullRequestEventKind::Merged,
                actor: pr.merged_by.clone(),
                created_at: merged_at,
                subject: None,
            };
            events.push(event_row(scope, &pr.node_id, &merged));
        }
        prs.push(pull_request::ActiveModel {
            integration_id: Set(scope.integration_id.clone()),
            node_id: Set(pr.node_id.clone()),
            repository_id: Set(scope.repository_id.clone()),
            number: Set(pr.number),
            title: Set(pr.title.clone()),
            body: Set(pr.body.clone()),
            state: Set(enum_name(&pr.state)),
            is_draft: Set(pr.is_draft),
            created_at: Set(pr.created_at),
            updated_at: Set(pr.updated_at),
            merged_at: Set(pr.merged_at),
            closed_at: Set(pr.closed_at),
            author_login: Set(login(&pr.author)),
            author_is_bot: Set(is_bot(&pr.author)),
            merged_by_login: Set(login(&pr.merged_by)),
            merged_by_is_bot: Set(is_bot(&pr.merged_by)),
            base_ref: Set(pr.base_ref.clone()),
            head_ref: Set(pr.head_ref.clone()),
            additions: Set(pr.additions),
            deletions: Set(pr.deletions),
            changed_files: Set(pr.changed_files),
            merge_commit_oid: Set(pr.merge_commit_oid.clone()),
            labels: Set(json(&pr.labels)),
            assignees: Set(json(&pr.assignees)),
            requested_reviewers: Set(json(&pr.requested_reviewers)),
            imported_at: Set(now),
        });
        commits.extend(pr.commits.iter().map(|c| pull_request_commit::ActiveModel {
            integration_id: Set(scope.integration_id.clone()),
            pull_request_node_id: Set(pr.node_id.clone()),
            oid: Set(c.oid.clone()),
            repository_id: Set(scope.repository_id.clone()),
            message_headline: Set(c.message_headline.clone()),
            authored_at: Set(c.authored_at),
            committed_at: Set(c.committed_at),
            author_name: Set(c.author.name.clone()),
            author_email: Set(c.author.email.clone()),
            author_login: Set(c.author.login.clone()),
        }));
        reviews.extend(review_rows(scope, &pr.node_id, &pr.reviews));
        comments.extend(comment_rows(
            scope,
            &pr.node_id,
            CommentParent::PullRequest,
            &pr.comments,
        ));
        reactions.extend(pr.reactions.iter().map(|r| reaction::ActiveModel {
            integration_id: Set(scope.integration_id.clone()),
            node_id: Set(r.node_id.clone()),
            repository_id: Set(scope.repository_id.clone()),
            subject_node_id: Set(pr.node_id.clone()),
            content: Set(r.content.clone()),
            user_login: Set(r.user.clone()),
            created_at: Set(r.created_at),
            excluded_from_metrics: Set(true),
        }));
    }
    upsert_forward(db, prs, Some(PULL_REQUEST_FORWARD)).await?;
    upsert(db, commits).await?;
    upsert_reviews(db, reviews).await?;
    upsert_comments(db, &scope.integration_id, comments).await?;
    upsert(db, reactions).await?;
    upsert(db, events).await?;
    let ids: Vec<String> = pulls.iter().map(|pr| pr.node_id.clone()).collect();
    figures::refresh(db, &scope.integration_id, &ids).await
}

/// A pull request timeline event's row, keyed by its kind and second on the pull
/// request (see `pull_request_event::Model::key_of`).
fn event_row(
    scope: &Scope,
    pull_request: &str,
    event: &github::import::PullRequestEvent,
) -> pull_request_event::ActiveModel {
    use github::import::PullRequestEventKind as Imported;
    use pull_request_event::PullRequestEventKind as Kind;
    let kind = match event.kind {
        Imported::Closed => Kind::Closed,
        Imported::Reopened => Kind::Reopened,
        Imported::Merged => Kind::Merged,
        Imported::ReadyForReview => Kind::ReadyForReview,
        Imported::ConvertToDraft => Kind::ConvertToDraft,
        Imported::ReviewRequested => Kind::ReviewRequested,
        Imported::ReviewRequestRemoved => Kind::ReviewRequestRemoved,
    };
    pull_request_event::ActiveModel {
        integration_id: Set(scope.integration_id.clone()),
        pull_request_node_id: Set(pull_request.to_string()),
        event_key: Set(pull_request_event::Model::key_of(kind, event.created_at)),
        repository_id: Set(scope.repository_id.clone()),
        kind: Set(kind),
        actor_login: Set(login(&event.actor)),
        actor_is_bot: Set(is_bot(&event.actor)),
        subject: Set(event.subject.clone()),
        created_at: Set(event.created_at),
    }
}

pub async fn store_tickets(
    db: &impl ConnectionTrait,
    scope: &Scope,
    tickets: &[Ticket],
) -> Result<(), DbErr> {
    let now = Utc::now();
    let mut rows = Vec::with_capacity(tickets.len());
    let mut comments = Vec::new();
    let mut events = Vec::new();
    for t in tickets {
        rows.push(ticket::ActiveModel {
            integration_id: Set(scope.integration_id.clone()),
            node_id: Set(t.node_id.clone()),
            repository_id: Set(scope.repository_id.clone()),
            number: Set(t.number),
            title: Set(t.title.clone()),
            state: Set(enum_name(&t.state)),
            state_reason: Set(t.state_reason.clone()),
            author_login: Set(login(&t.author)),
            author_is_bot: Set(is_bot(&t.author)),
            labels: Set(json(&t.labels)),
            assignees: Set(json(&t.assignees)),
            created_at: Set(t.created_at),
            updated_at: Set(t.updated_at),
            closed_at: Set(t.closed_at),
            imported_at: Set(now),
        });
        comments.extend(comment_rows(
            scope,
            &t.node_id,
            CommentParent::Ticket,
            &t.comments,
        ));
        events.extend(t.events.iter().map(|e| ticket_event::ActiveModel {
            integration_id: Set(scope.integration_id.clone()),
            node_id: Set(e.node_id.clone()),
            repository_id: Set(scope.repository_id.clone()),
            ticket_node_id: Set(t.node_id.clone()),
            kind: Set(enum_name(&e.kind)),
            actor_login: Set(login(&e.actor)),
            subject: Set(e.subject.clone()),
            created_at: Set(e.created_at),
        }));
    }
    let rows = leave_out_deleted(
        db,
        &scope.integration_id,
        rows,
        |t: &ticket::ActiveModel| vec![t.node_id.as_ref().clone()],
    )
    .await?;
    upsert_forward(db, rows, Some(TICKET_FORWARD)).await?;
    upsert_comments(db, &scope.integration_id, comments).await?;
    let events = leave_out_deleted(
        db,
        &scope.integration_id,
        events,
        |e: &ticket_event::ActiveModel| vec![e.ticket_node_id.as_ref().clone()],
    )
    .await?;
    upsert(db, events).await
}

/// What a page of pull requests holds, per resource.
pub fn pull_request_counts(pulls: &[PullRequest]) -> Vec<(Resource, i64)> {
    let sum = |f: fn(&PullRequest) -> usize| pulls.iter().map(f).sum::<usize>() as i64;
    vec![
        (Resource::PullRequests, pulls.len() as i64),
        (Resource::PullRequestCommits, sum(|p| p.commits.len())),
        (Resource::Reviews, sum(|p| p.reviews.len())),
        (Resource::Comments, sum(|p| p.comments.len())),
        (Resource::Reactions, sum(|p| p.reactions.len())),
    ]
}

/// What a page of tickets holds, per resource.
pub fn ticket_counts(tickets: &[Ticket]) -> Vec<(Resource, i64)> {
    let sum = |f: fn(&Ticket) -> usize| tickets.iter().map(f).sum::<usize>() as i64;
    vec![
        (Resource::Tickets, tickets.len() as i64),
        (Resource::Comments, sum(|t| t.comments.len())),
        (Resource::TicketEvents, sum(|t| t.events.len())),
    ]
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use entity::{integration, repository};
    use github::import::*;
    use migration::MigratorTrait;
    use sea_orm::{
        ActiveModelTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait,
        TransactionTrait,
    };

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    fn actor(login: &str) -> Option<Actor> {
        Some(Actor {
            login: login.into(),
            is_bot: login.ends_with("[bot]"),
        })
    }

    async fn database() -> (DatabaseConnection, Scope) {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        migration::Migrator::up(&db, None).await.unwrap();
        let now = Utc::now();
        integration::ActiveModel {
            id: Set("i1".into()),
            workspace: Set("default".into()),
            name: Set("n".into()),
            auth_kind: Set(integration::AuthKind::Token),
            token_ciphertext: Set("x".into()),
            login: Set("me".into()),
            account_id: Set(1),
            granted_scopes: Set(String::new()),
            repos_enabled: Set(true),
            pull_requests_enabled: Set(true),
            tickets_enabled: Set(true),
            webhooks_enabled: Set(false),
            last_test_ok: Set(true),
            last_test: Set(entity::connection_test::ConnectionTest {
                ok: true,
                message: String::new(),
                login: Some("me".into()),
                token_kind: entity::connection_test::TokenKind::ClassicPersonalAccessToken,
                granted_scopes: Vec::new(),
                missing_scopes: Vec::new(),
                available_services: Vec::new(),
                organizations: Vec::new(),
                warnings: Vec::new(),
                failure: None,
            }),
            last_tested_at: Set(now),
            comment_regular_from: Set(
                metrics::robustness::RobustnessThresholds::default().regular_from as i32
            ),
            comment_robust_from: Set(
                metrics::robustness::RobustnessThresholds::default().robust_from as i32
            ),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&db)
        .await
        .unwrap();
        entity::group::ActiveModel {
            id: Set("g1".into()),
            integration_id: Set("i1".into()),
            github_id: Set(1),
            login: Set("org".into()),
            kind: Set(entity::group::GroupKind::Organization),
            role: Set(None),
            access: Set(entity::group::GroupAccess::Ok),
            problem: Set(None),
            sso_url: Set(None),
            hidden_private_repos: Set(None),
            refreshed_at: Set(now),
        }
        .insert(&db)
        .await
        .unwrap();
        repository::ActiveModel {
            id: Set("r1".into()),
            integration_id: Set("i1".into()),
            group_id: Set("g1".into()),
            github_node_id: Set("R_1".into()),
            github_database_id: Set(None),
            owner: Set("org".into()),
            name: Set("repo".into()),
            private: Set(false),
            archived: Set(false),
            fork: Set(false),
            default_branch: Set(Some("main".into())),
            url: Set(String::new()),
            pushed_at: Set(None),
            selected: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&db)
        .await
        .unwrap();
        (
            db,
            Scope {
                integration_id: "i1".into(),
                repository_id: "r1".into(),
            },
        )
    }

    fn pull_request(number: i64, title: &str) -> PullRequest {
        PullRequest {
            node_id: format!("PR_{number}"),
            number,
            title: title.into(),
            body: "b".into(),
            state: PullRequestState::Merged,
            is_draft: false,
            created_at: at(0),
            updated_at: at(number),
            merged_at: Some(at(5)),
            closed_at: Some(at(5)),
            author: actor("alice"),
            base_ref: "main".into(),
            head_ref: "feature".into(),
            additions: 3,
            deletions: 1,
            changed_files: 2,
            merge_commit_oid: Some("abc".into()),
            labels: vec!["bug".into()],
            assignees: vec!["bob".into()],
            requested_reviewers: vec!["org/team".into()],
            commits: vec![PullRequestCommit {
                oid: format!("c{number}"),
                message_headline: "m".into(),
                authored_at: at(1),
                committed_at: at(1),
                author: GitActor::default(),
            }],
            reviews: vec![Review {
                node_id: format!("PRR_{number}"),
                state: ReviewState::ChangesRequested,
                author: actor("bob"),
                submitted_at: Some(at(2)),
                body: String::new(),
            }],
            comments: vec![
                Comment {
                    node_id: format!("IC_{number}"),
                    kind: CommentKind::Conversation,
                    author: None,
                    body: "c".into(),
                    created_at: at(3),
                    updated_at: None,
                },
                Comment {
                    node_id: format!("PRRC_{number}"),
                    kind: CommentKind::ReviewThread,
                    author: actor("dependabot[bot]"),
                    body: "t".into(),
                    created_at: at(4),
                    updated_at: None,
                },
            ],
            reactions: vec![Reaction {
                node_id: format!("RE_{number}"),
                content: "HOORAY".into(),
                user: Some("carol".into()),
                created_at: at(4),
            }],
            merged_by: actor("alice"),
            events: Vec::new(),
        }
    }

    async fn figures_of(
        db: &DatabaseConnection,
        without_bots: bool,
    ) -> metrics::pull_request_timeline::Figures {
        let row = entity::pull_request_figures::Entity::find_by_id((
            "i1".to_string(),
            "PR_1".to_string(),
            without_bots,
        ))
        .one(db)
        .await
        .unwrap()
        .expect("figures are stored with the pull request");
        metrics::pull_request_figures::figures_of(&row)
    }

    #[tokio::test]
    async fn a_pull_requests_figures_follow_every_write_of_it_and_its_actions() {
        let (db, scope) = database().await;
        store_pull_requests(&db, &scope, &[pull_request(1, "t")])
            .await
            .unwrap();
        // bob's review, a deleted account's comment and a bot's thread comment.
        let all = figures_of(&db, false).await;
        assert_eq!(all.reviewers, vec!["bob", "dependabot[bot]", "ghost"]);
        assert_eq!((all.comments, all.reviews, all.size), (2, 1, 4));
        assert_eq!(all.time_to_merge, Some(5.0 / 3600.0));
        let humans = figures_of(&db, true).await;
        assert_eq!(humans.reviewers, vec!["bob", "ghost"]);
        assert_eq!(humans.comments, 1);

        // A review arriving alone (a webhook) counts at once.
        let late = Review {
            node_id: "PRR_late".into(),
            state: ReviewState::Commented,
            author: actor("carol"),
            submitted_at: Some(at(6)),
            body: "looks good".into(),
        };
        store_reviews(&db, &scope, "PR_1", &[late]).await.unwrap();
        let all = figures_of(&db, false).await;
        assert_eq!(all.reviews, 2);
        assert!(all.reviewers.contains(&"carol".to_string()));

        // Rows computed by an older definition, or missing, are computed again at start.
        let before = figures_of(&db, false).await;
        entity::pull_request_figures::Entity::delete_many()
            .exec(&db)
            .await
            .unwrap();
        assert_eq!(
            metrics::pull_request_figures::refresh_stale(&db)
                .await
                .unwrap(),
            1
        );
        assert_eq!(figures_of(&db, false).await, before);
        assert_eq!(
            metrics::pull_request_figures::refresh_stale(&db)
                .await
                .unwrap(),
            0
        );
    }

    fn authored(oid: &str, login: Option<&str>, email: &str, name: &str) -> Commit {
        Commit {
            node_id: format!("C_{oid}"),
            oid: oid.into(),
            message_headline: "m".into(),
            authored_at: at(0),
            committed_at: at(0),
            author: GitActor {
                name: Some(name.into()),
                email: Some(email.into()),
                login: login.map(str::to_string),
            },
            committer: GitActor::default(),
            additions: 1,
            deletions: 1,
            changed_files: Some(1),
            parent_count: 1,
        }
    }

    async fn contributor_of(db: &DatabaseConnection, oid: &str) -> (String, bool, bool) {
        let c = commit::Entity::find_by_id(("r1".to_string(), oid.to_string()))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        (c.contributor, c.contributor_is_login, c.author_is_bot)
    }

    #[tokio::test]
    async fn an_email_linked_later_moves_its_older_commits_to_the_login() {
        let (db, scope) = database().await;
        store_commits(
            &db,
            &scope,
            &[
                authored("a1", None, "ann@home.example", "Ann"),
                authored("b1", None, "ci@example.com", "ci-bot[bot]"),
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            contributor_of(&db, "a1").await,
            ("ann@home.example".into(), false, false)
        );
        assert_eq!(
            contributor_of(&db, "b1").await,
            ("ci@example.com".into(), false, true)
        );
        // GitHub links the e-mail on a later commit: the older one follows.
        store_commits(
            &db,
            &scope,
            &[authored("a2", Some("ann"), "ann@home.example", "Ann")],
        )
        .await
        .unwrap();
        assert_eq!(contributor_of(&db, "a1").await, ("ann".into(), true, false));
        // A new unlinked commit of that e-mail is the login's at once; of two links,
        // the first login in order wins.
        store_commits(
            &db,
            &scope,
            &[
                authored("a3", None, "ann@home.example", "Ann"),
                authored("a4", Some("aardvark"), "ann@home.example", "Ann"),
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            contributor_of(&db, "a3").await,
            ("aardvark".into(), true, false)
        );
        assert_eq!(
            contributor_of(&db, "a1").await,
            ("aardvark".into(), true, false)
        );
        assert_eq!(contributor_of(&db, "a2").await, ("ann".into(), true, false));
    }

    #[tokio::test]
    async fn a_page_stored_twice_updates_its_rows_and_adds_none() {
        let (db, scope) = database().await;
        // More rows than one statement may carry, so the batching is exercised too.
        let many: Vec<PullRequest> = (1..=1_500).map(|n| pull_request(n, "first")).collect();
        let txn = db.begin().await.unwrap();
        store_pull_requests(&txn, &scope, &many).await.unwrap();
        txn.commit().await.unwrap();
        let edited: Vec<PullRequest> = (1..=1_500).map(|n| pull_request(n, "edited")).collect();
        store_pull_requests(&db, &scope, &edited).await.unwrap();

        assert_eq!(
            pull_request::Entity::find().count(&db).await.unwrap(),
            1_500
        );
        assert_eq!(
            pull_request_commit::Entity::find()
                .count(&db)
                .await
                .unwrap(),
            1_500
        );
        assert_eq!(review::Entity::find().count(&db).await.unwrap(), 1_500);
        assert_eq!(comment::Entity::find().count(&db).await.unwrap(), 3_000);
        assert_eq!(reaction::Entity::find().count(&db).await.unwrap(), 1_500);
        let stored = pull_request::Entity::find_by_id(("i1".to_string(), "PR_7".to_string()))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.title, "edited");
        assert_eq!(stored.state, "MERGED");
        assert_eq!(stored.labels, serde_json::json!(["bug"]));
        assert_eq!(stored.updated_at, at(7));
        let review = review::Entity::find_by_id(("i1".to_string(), "PRR_7".to_string()))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(review.state, "CHANGES_REQUESTED");
        let thread = comment::Entity::find_by_id(("i1".to_string(), "PRRC_7".to_string()))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                thread.kind.as_str(),
                thread.author_is_bot,
                thread.parent_kind
            ),
            ("REVIEW_THREAD", true, CommentParent::PullRequest)
        );
        let reaction = reaction::Entity::find_by_id(("i1".to_string(), "RE_7".to_string()))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert!(reaction.excluded_from_metrics);
        assert_eq!(
            pull_request_counts(&edited),
            vec![
                (Resource::PullRequests, 1_500),
                (Resource::PullRequestCommits, 1_500),
                (Resource::Reviews, 1_500),
                (Resource::Comments, 3_000),
                (Resource::Reactions, 1_500)
            ]
        );
    }

    /// An import page fetched before a webhook but stored after it (or a webhook older
    /// than the import) leaves the newer rows: the pull request and its comment by
    /// `updated_at`, its review by its state's order. A page as new applies.
    #[tokio::test]
    async fn an_older_page_stored_after_a_newer_one_changes_nothing() {
        let (db, scope) = database().await;
        let version = |title: &str, updated: i64, state: ReviewState| {
            let mut pr = pull_request(1, title);
            pr.updated_at = at(updated);
            pr.reviews[0].state = state;
            pr.comments[0].body = title.into();
            pr.comments[0].updated_at = Some(at(updated));
            pr
        };
        let stored = |db: DatabaseConnection| async move {
            let pr = pull_request::Entity::find_by_id(("i1".to_string(), "PR_1".to_string()))
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            let review = review::Entity::find_by_id(("i1".to_string(), "PRR_1".to_string()))
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            let comment = comment::Entity::find_by_id(("i1".to_string(), "IC_1".to_string()))
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            (pr.title, review.state, comment.body)
        };
        store_pull_requests(&db, &scope, &[version("new", 20, ReviewState::Dismissed)])
            .await
            .unwrap();
        store_pull_requests(&db, &scope, &[version("old", 10, ReviewState::Approved)])
            .await
            .unwrap();
        assert_eq!(
            stored(db.clone()).await,
            ("new".into(), "DISMISSED".into(), "new".into())
        );
        store_pull_requests(&db, &scope, &[version("newer", 20, ReviewState::Dismissed)])
            .await
            .unwrap();
        assert_eq!(
            stored(db.clone()).await,
            ("newer".into(), "DISMISSED".into(), "newer".into()),
            "a page as new as the stored rows applies"
        );

        let ticket = |title: &str, updated: i64| Ticket {
            node_id: "I_1".into(),
            number: 1,
            title: title.into(),
            state: TicketState::Open,
            state_reason: None,
            author: actor("alice"),
            labels: vec![],
            assignees: vec![],
            created_at: at(0),
            updated_at: at(updated),
            closed_at: None,
            comments: vec![],
            events: vec![],
        };
        store_tickets(&db, &scope, &[ticket("new", 20)])
            .await
            .unwrap();
        store_tickets(&db, &scope, &[ticket("old", 10)])
            .await
            .unwrap();
        let stored = ticket::Entity::find_by_id(("i1".to_string(), "I_1".to_string()))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.title, "new");
    }

    #[tokio::test]
    async fn commits_and_tickets_are_keyed_by_oid_and_node_id() {
        let (db, scope) = database().await;
        let commit = Commit {
            node_id: "C_1".into(),
            oid: "abc".into(),
            message_headline: "m".into(),
            authored_at: at(1),
            committed_at: at(2),
            author: GitActor {
                name: Some("A".into()),
                email: Some("a@x".into()),
                login: Some("alice".into()),
            },
            committer: GitActor::default(),
            additions: 1,
            deletions: 2,
            changed_files: None,
            parent_count: 2,
        };
        store_commits(
            &db,
            &scope,
            &[
                commit.clone(),
                Commit {
                    node_id: "C_2".into(),
                    oid: "def".into(),
                    ..commit.clone()
                },
            ],
        )
        .await
        .unwrap();
        store_commits(
            &db,
            &scope,
            &[Commit {
                message_headline: "again".into(),
                ..commit
            }],
        )
        .await
        .unwrap();
        assert_eq!(commit::Entity::find().count(&db).await.unwrap(), 2);
        let stored = commit::Entity::find_by_id(("r1".to_string(), "abc".to_string()))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                stored.message_headline.as_str(),
                stored.author_login.as_deref(),
                stored.parent_count
            ),
            ("again", Some("alice"), 2)
        );

        let ticket = Ticket {
            node_id: "I_1".into(),
            number: 1,
            title: "t".into(),
            state: TicketState::Closed,
            state_reason: Some("NOT_PLANNED".into()),
            author: actor("alice"),
            labels: vec![],
            assignees: vec!["bob".into()],
            created_at: at(0),
            updated_at: at(9),
            closed_at: Some(at(9)),
            comments: vec![Comment {
                node_id: "IC_9".into(),
                kind: CommentKind::Conversation,
                author: actor("bob"),
                body: "x".into(),
                created_at: at(3),
                updated_at: None,
            }],
            events: vec![
                TicketEvent {
                    node_id: "CE_1".into(),
                    kind: TicketEventKind::Closed,
                    actor: actor("alice"),
                    created_at: at(9),
                    subject: None,
                },
                TicketEvent {
                    node_id: "AE_1".into(),
                    kind: TicketEventKind::Assigned,
                    actor: actor("alice"),
                    created_at: at(1),
                    subject: Some("bob".into()),
                },
            ],
        };
        store_tickets(&db, &scope, std::slice::from_ref(&ticket))
            .await
            .unwrap();
        store_tickets(&db, &scope, &[ticket]).await.unwrap();
        assert_eq!(ticket::Entity::find().count(&db).await.unwrap(), 1);
        assert_eq!(ticket_event::Entity::find().count(&db).await.unwrap(), 2);
        let comment = comment::Entity::find_by_id(("i1".to_string(), "IC_9".to_string()))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(comment.parent_kind, CommentParent::Ticket);
        let event = ticket_event::Entity::find_by_id(("i1".to_string(), "AE_1".to_string()))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (event.kind.as_str(), event.subject.as_deref()),
            ("ASSIGNED", Some("bob"))
        );
    }
}
