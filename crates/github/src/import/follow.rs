//! Following a nested connection past its first page: one follow-up query after
//! another from the connection's cursor, each retried alone on a 502 or a timeout, and
//! the macro that writes a follow-up query for one kind of connection.

use std::{future::Future, time::Duration};

use backon::{ExponentialBuilder, Retryable};

use super::query::Tally;
use super::types::RateLimitReading;
use crate::error::GithubError;

/// One follow-up page: items, the next cursor, and what the request cost.
pub(super) type FollowUp<T> = (Vec<T>, Option<String>, Option<RateLimitReading>);

/// Tries per follow-up request. A follow-up is one request inside a page already half
/// read: a 502 or a timeout on it is retried here, after a short pause, instead of
/// failing the page (whose retry would re-read everything, and meet the same odds
/// again on a long pull request). Other failures go to the worker's policy at once.
const FOLLOW_UP_ATTEMPTS: u32 = 4;

/// Fetches pages after `next` until the connection ends, appending to `items`.
pub(super) async fn follow<T, F, Fut>(
    items: &mut Vec<T>,
    mut next: Option<String>,
    tally: &mut Tally,
    mut fetch: F,
) -> Result<(), GithubError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<FollowUp<T>, GithubError>>,
{
    while let Some(cursor) = next.take() {
        // 200, 400, 800 ms: short, since the page's own request already succeeded.
        let pauses = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_times(FOLLOW_UP_ATTEMPTS as usize - 1);
        let (more, cursor, reading) = (|| fetch(cursor.clone()))
            .retry(pauses)
            .sleep(tokio::time::sleep)
            .when(|error: &GithubError| error.is_timeout() || error.is_server_error())
            .notify(|error, pause| {
                tracing::debug!(%error, ?pause, "retrying a follow-up request");
            })
            .await?;
        tally.record(reading);
        items.extend(more);
        next = cursor;
    }
    Ok(())
}

/// A follow-up: `node(id:)` narrowed to `$node`, one more page of the connection
/// `$connection` picks from it (`None` where GitHub's schema lets it be null),
/// converted item by item. The conversion macros of `convert` must be in scope where
/// it is used.
macro_rules! follow_up {
    ($name:ident, $query:ident, $node:path, |$parent:ident| $connection:expr, |$item:ident| $convert:expr, $out:ty) => {
        async fn $name(
            &self,
            token: &$crate::token::Token,
            id: &str,
            after: String,
        ) -> Result<$crate::import::follow::FollowUp<$out>, $crate::error::GithubError> {
            type Variables = <$query as ::graphql_client::GraphQLQuery>::Variables;
            let variables = Variables {
                id: id.into(),
                after: Some(after),
            };
            let data = self.import_query::<$query>(token, variables).await?;
            let reading = reading!(data.rate_limit);
            let Some($node($parent)) = data.node else {
                return Err($crate::import::follow::vanished(id));
            };
            let Some(connection) = $connection else {
                return Ok((Vec::new(), None, reading));
            };
            let next = next_cursor!(connection.page_info.clone());
            Ok((convert_nodes!(connection, |$item| $convert), next, reading))
        }
    };
}

/// A follow-up's `node(id:)` came back as something else, or as nothing: the item was
/// deleted while we read it.
pub(super) fn vanished(id: &str) -> GithubError {
    GithubError::NotFound {
        what: format!("the GitHub object {id} (deleted during the import?)"),
    }
}

pub(super) use follow_up;
