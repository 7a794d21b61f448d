//! Labels on issues and pull requests.

use async_graphql::{Context, Error, SimpleObject};

use super::paging::{connection, window};

connection!(LabelConnection, Label);

pub(super) fn labels(
    ctx: &Context<'_>,
    names: &[String],
    after: Option<String>,
    first: Option<i32>,
) -> Result<LabelConnection, Error> {
    let window = window(ctx, "labels", names.len(), first, after)?;
    Ok(LabelConnection::new(window, |i| Label {
        name: names[i].clone(),
    }))
}

/// A label for categorizing Issues, Pull Requests, Milestones, or Discussions with a given Repository.
#[derive(SimpleObject)]
pub struct Label {
    pub(super) name: String,
}
