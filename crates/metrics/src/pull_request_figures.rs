//! Each pull request's figures, kept beside it: whenever the store writes a pull
//! request or one of its actions (an import page, a webhook), the figures of the pull
//! requests touched are computed again from their whole timeline and stored, so that a
//! metrics query over a year of pull requests adds up one row each instead of reading
//! and replaying every action. Two rows per pull request: every action counted, and
//! bots' actions left out (the `excludeBots` filter changes who the reviewers are).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    comment, integration, pull_request, pull_request_commit,
    pull_request_event::{self, PullRequestEventKind},
    pull_request_figures, review,
    sql::upsert,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationDef,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    bots::{GHOST, is_bot_identity, is_bot_login},
    pull_request_timeline::{Action, ActionKind, Figures, Timeline},
    robustness::RobustnessThresholds,
};

/// The version of the definitions in [`timeline`]: raise it when they change, and every
/// stored row is computed again at the next start ([`refresh_stale`]).
/// 2: Flow's Responsiveness (from the reviewer action just before, merged pull requests
/// only), comment robustness in thoroughly reviewed, bot commits without a login, merges
/// and closes as actions of whoever did them.
pub const DEFINITION: i32 = 2;

/// Pull requests whose figures are computed per statement: their actions are read in
/// three statements, within SQLite's limit of bound parameters.
const CHUNK: usize = 500;

/// The figures a stored row holds.
pub fn figures_of(row: &pull_request_figures::Model) -> Figures {
    let lists = row.timeline.clone();
    Figures {
        time_to_first_comment: row.time_to_first_comment_hours,
        reaction_times: lists.reaction_times,
        responsiveness: lists.responsiveness,
        thoroughly_reviewed: row.thoroughly_reviewed,
        comments: row.comments,
        reviews: row.reviews,
        reviewers: lists.reviewers,
        iterations: row.iterations,
        time_to_merge: row.time_to_merge_hours,
        size: row.size,
    }
}

fn row_of(
    pr: &pull_request::Model,
    without_bots: bool,
    figures: Figures,
) -> pull_request_figures::ActiveModel {
    let sum = |values: &[f64]| values.iter().sum::<f64>();
    pull_request_figures::ActiveModel {
        integration_id: Set(pr.integration_id.clone()),
        pull_request_node_id: Set(pr.node_id.clone()),
        without_bots: Set(without_bots),
        repository_id: Set(pr.repository_id.clone()),
        definition: Set(DEFINITION),
        time_to_first_comment_hours: Set(figures.time_to_first_comment),
        reaction_count: Set(figures.reaction_times.len() as i64),
        reaction_hours: Set(sum(&figures.reaction_times)),
        responsiveness_count: Set(figures.responsiveness.len() as i64),
        responsiveness_hours: Set(sum(&figures.responsiveness)),
        thoroughly_reviewed: Set(figures.thoroughly_reviewed),
        comments: Set(figures.comments),
        reviews: Set(figures.reviews),
        reviewer_count: Set(figures.reviewers.len() as i64),
        iterations: Set(figures.iterations),
        time_to_merge_hours: Set(figures.time_to_merge),
        size: Set(figures.size),
        timeline: Set(pull_request_figures::Lists {
            reaction_times: figures.reaction_times,
            responsiveness: figures.responsiveness,
            reviewers: figures.reviewers,
        }),
    }
}

/// An action as stored: its pull request, who (and whether a bot), when, what.
struct StoredAction {
    pull_request: String,
    login: Option<String>,
    is_bot: bool,
    at: DateTime<Utc>,
    kind: ActionKind,
}

/// Every action on the pull requests `ids`: comments (with their robustness),
/// submitted reviews (a pending review is a draft only its author sees; a dismissed one
/// still happened) and commits.
async fn actions(
    db: &impl ConnectionTrait,
    integration_id: &str,
    ids: &[String],
    thresholds: &RobustnessThresholds,
) -> Result<Vec<StoredAction>, DbErr> {
    let comments: Vec<(String, Option<String>, bool, DateTime<Utc>, String)> =
        comment::Entity::find()
            .select_only()
            .columns([
                comment::Column::ParentNodeId,
                comment::Column::AuthorLogin,
                comment::Column::AuthorIsBot,
                comment::Column::CreatedAt,
                comment::Column::Body,
            ])
            .filter(comment::Column::IntegrationId.eq(integration_id))
            .filter(comment::Column::ParentKind.eq("PULL_REQUEST"))
            .filter(comment::Column::ParentNodeId.is_in(ids))
            .into_tuple()
            .all(db)
            .await?;
    let reviews: Vec<(String, Option<String>, bool, Option<DateTime<Utc>>, String)> =
        review::Entity::find()
            .select_only()
            .columns([
                review::Column::PullRequestNodeId,
                review::Column::AuthorLogin,
                review::Column::AuthorIsBot,
                review::Column::SubmittedAt,
                review::Column::Body,
            ])
            .filter(review::Column::IntegrationId.eq(integration_id))
            .filter(review::Column::PullRequestNodeId.is_in(ids))
            .filter(review::Column::SubmittedAt.is_not_null())
            .filter(review::Column::State.ne("PENDING"))
            .into_tuple()
            .all(db)
            .await?;
    let commits: Vec<(
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        DateTime<Utc>,
    )> = pull_request_commit::Entity::find()
        .select_only()
        .columns([
            pull_request_commit::Column::PullRequestNodeId,
            pull_request_commit::Column::AuthorLogin,
            pull_request_commit::Column::AuthorName,
            pull_request_commit::Column::AuthorEmail,
            pull_request_commit::Column::CommittedAt,
        ])
        .filter(pull_request_commit::Column::IntegrationId.eq(integration_id))
        .filter(pull_request_commit::Column::PullRequestNodeId.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;

    // Merges and closes are actions of whoever did them.
    let events: Vec<(
        String,
        Option<String>,
        bool,
        DateTime<Utc>,
        PullRequestEventKind,
    )> = pull_request_event::Entity::find()
        .select_only()
        .columns([
            pull_request_event::Column::PullRequestNodeId,
            pull_request_event::Column::ActorLogin,
            pull_request_event::Column::ActorIsBot,
            pull_request_event::Column::CreatedAt,
            pull_request_event::Column::Kind,
        ])
        .filter(pull_request_event::Column::IntegrationId.eq(integration_id))
        .filter(pull_request_event::Column::PullRequestNodeId.is_in(ids))
        .filter(
            pull_request_event::Column::Kind
                .is_in([PullRequestEventKind::Merged, PullRequestEventKind::Closed]),
        )
        .into_tuple()
        .all(db)
        .await?;

    let mut all = Vec::with_capacity(comments.len() + reviews.len() + commits.len() + events.len());
    all.extend(
        events
            .into_iter()
            .map(|(pull_request, login, is_bot, at, kind)| StoredAction {
                pull_request,
                login,
                is_bot,
                at,
                kind: match kind {
                    PullRequestEventKind::Merged => ActionKind::Merge,
                    _ => ActionKind::Close,
                },
            }),
    );
    all.extend(
        comments
            .into_iter()
            .map(|(pull_request, login, is_bot, at, body)| StoredAction {
                pull_request,
                login,
                is_bot,
                at,
                kind: ActionKind::Comment(thresholds.of(&body)),
            }),
    );
    all.extend(
        reviews
            .into_iter()
            .filter_map(|(pull_request, login, is_bot, at, body)| {
                Some(StoredAction {
                    pull_request,
                    login,
                    is_bot,
                    at: at?,
                    kind: ActionKind::Review {
                        body: (!body.trim().is_empty()).then(|| thresholds.of(&body)),
                    },
                })
            }),
    );
    // Commits carry no account type: a bot is known by the `[bot]` in its login, name
    // or e-mail (a GitHub App's commits often have no login at all).
    all.extend(
        commits
            .into_iter()
            .map(|(pull_request, login, name, email, at)| StoredAction {
                is_bot: is_bot_identity(login.as_deref(), name.as_deref(), email.as_deref()),
                pull_request,
                login,
                at,
                kind: ActionKind::Commit,
            }),
    );
    Ok(all)
}

fn is_bot(action: &StoredAction) -> bool {
    action.is_bot || action.login.as_deref().is_some_and(is_bot_login)
}

/// The pull request's timeline, with or without bots. A commit without a GitHub
/// account is counted as the author's (it was pushed to their branch); a comment or
/// review by a deleted account is `ghost`'s.
fn timeline(pr: &pull_request::Model, actions: &[&StoredAction], without_bots: bool) -> Timeline {
    let author = pr.author_login.clone().unwrap_or_else(|| GHOST.to_string());
    Timeline {
        actions: actions
            .iter()
            .filter(|a| !(without_bots && is_bot(a)))
            .map(|a| Action {
                actor: match (&a.login, a.kind) {
                    (Some(login), _) => login.clone(),
                    (None, ActionKind::Commit) => author.clone(),
                    (None, _) => GHOST.to_string(),
                },
                at: a.at,
                kind: a.kind,
            })
            .collect(),
        author,
        created_at: pr.created_at,
        merged_at: pr.merged_at,
        size: pr.additions + pr.deletions,
    }
}

/// Computes and stores again the figures of the pull requests `node_ids` of one
/// integration (those that exist: an action stored before its pull request waits for
/// it). Call it in the transaction that wrote them.
pub async fn refresh(
    db: &impl ConnectionTrait,
    integration_id: &str,
    node_ids: &[String],
) -> Result<(), DbErr> {
    let thresholds = thresholds_of(db, integration_id).await?;
    for ids in node_ids.chunks(CHUNK) {
        let pulls = pull_request::Entity::find()
            .filter(pull_request::Column::IntegrationId.eq(integration_id))
            .filter(pull_request::Column::NodeId.is_in(ids))
            .all(db)
            .await?;
        if pulls.is_empty() {
            continue;
        }
        let stored = actions(db, integration_id, ids, &thresholds).await?;
        let mut by_pull_request: HashMap<&str, Vec<&StoredAction>> = HashMap::new();
        for action in &stored {
            by_pull_request
                .entry(action.pull_request.as_str())
                .or_default()
                .push(action);
        }
        let rows = pulls.iter().flat_map(|pr| {
            let actions = by_pull_request
                .get(pr.node_id.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            [false, true].map(|without_bots| {
                let figures = timeline(pr, actions, without_bots).figures();
                row_of(pr, without_bots, figures)
            })
        });
        upsert(db, rows.collect()).await?;
    }
    Ok(())
}

/// The integration's comment robustness thresholds (the defaults for one not stored).
pub async fn thresholds_of(
    db: &impl ConnectionTrait,
    integration_id: &str,
) -> Result<RobustnessThresholds, DbErr> {
    let stored: Option<(i32, i32)> = integration::Entity::find_by_id(integration_id.to_string())
        .select_only()
        .columns([
            integration::Column::CommentRegularFrom,
            integration::Column::CommentRobustFrom,
        ])
        .into_tuple()
        .one(db)
        .await?;
    Ok(stored
        .and_then(|(regular, robust)| {
            RobustnessThresholds::new(regular.try_into().ok()?, robust.try_into().ok()?)
        })
        .unwrap_or_default())
}

/// Every pull request of the integration, computed again (after its comment
/// robustness thresholds changed).
pub async fn refresh_integration(
    db: &impl ConnectionTrait,
    integration_id: &str,
) -> Result<u64, DbErr> {
    let nodes: Vec<String> = pull_request::Entity::find()
        .select_only()
        .column(pull_request::Column::NodeId)
        .filter(pull_request::Column::IntegrationId.eq(integration_id))
        .into_tuple()
        .all(db)
        .await?;
    refresh(db, integration_id, &nodes).await?;
    Ok(nodes.len() as u64)
}

fn to_pull_request() -> RelationDef {
    pull_request_figures::Entity::belongs_to(pull_request::Entity)
        .from((
            pull_request_figures::Column::IntegrationId,
            pull_request_figures::Column::PullRequestNodeId,
        ))
        .to((
            pull_request::Column::IntegrationId,
            pull_request::Column::NodeId,
        ))
        .into()
}

/// Computes the figures of every pull request that has none, or whose figures an
/// earlier [`DEFINITION`] computed. Run at start, after the migrations; any number of
/// processes may run it at once (each row is an upsert of the same values).
pub async fn refresh_stale(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let mut refreshed = 0;
    loop {
        let stale: Vec<(String, String)> = pull_request::Entity::find()
            .select_only()
            .columns([
                pull_request::Column::IntegrationId,
                pull_request::Column::NodeId,
            ])
            .join(
                JoinType::LeftJoin,
                to_pull_request().rev().on_condition(|_, figures| {
                    sea_orm::Condition::all().add(
                        Expr::col((figures, pull_request_figures::Column::WithoutBots)).eq(false),
                    )
                }),
            )
            .filter(
                sea_orm::Condition::any()
                    .add(pull_request_figures::Column::Definition.is_null())
                    .add(pull_request_figures::Column::Definition.ne(DEFINITION)),
            )
            .limit(CHUNK as u64)
            .into_tuple()
            .all(db)
            .await?;
        if stale.is_empty() {
            return Ok(refreshed);
        }
        let mut by_integration: HashMap<String, Vec<String>> = HashMap::new();
        for (integration, node) in stale {
            by_integration.entry(integration).or_default().push(node);
        }
        for (integration, nodes) in by_integration {
            refreshed += nodes.len() as u64;
            refresh(db, &integration, &nodes).await?;
        }
    }
}
