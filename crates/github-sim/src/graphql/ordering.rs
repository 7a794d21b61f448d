//! `orderBy` for issues and pull requests; ties broken by number, as GitHub
//! breaks them by id.

use async_graphql::{Enum, InputObject};
use chrono::{DateTime, Utc};

/// Ways in which lists of issues can be ordered upon return.
#[derive(InputObject)]
pub struct IssueOrder {
    pub(super) direction: OrderDirection,
    pub(super) field: IssueOrderField,
}

/// Properties by which issue connections can be ordered.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum IssueOrderField {
    Comments,
    CreatedAt,
    UpdatedAt,
}

/// Possible directions in which to order a list of items when provided an `orderBy` argument.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum OrderDirection {
    Asc,
    Desc,
}

/// Orders item indexes as `orderBy` asks; ties by number, as GitHub breaks them by id.
pub(super) fn ordered<T>(
    items: &[T],
    order: Option<IssueOrder>,
    key: impl Fn(&T, IssueOrderField) -> (DateTime<Utc>, usize, i64),
) -> Vec<usize> {
    let (field, direction) = order.map_or((IssueOrderField::CreatedAt, OrderDirection::Asc), |o| {
        (o.field, o.direction)
    });
    let mut indexes: Vec<usize> = (0..items.len()).collect();
    indexes.sort_by_key(|&i| {
        let (time, count, number) = key(&items[i], field);
        match field {
            IssueOrderField::Comments => (count as i64, DateTime::<Utc>::MIN_UTC, number),
            _ => (0, time, number),
        }
    });
    if direction == OrderDirection::Desc {
        indexes.reverse();
    }
    indexes
}
