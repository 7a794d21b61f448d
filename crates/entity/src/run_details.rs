//! What an import run records in its JSON columns: per resource the rows fetched and
//! GitHub's total, the listings it skipped and why, and where each listing resumes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A kind of row an import stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Resource {
    Commits,
    PullRequests,
    PullRequestCommits,
    Reviews,
    Comments,
    Reactions,
    Tickets,
    TicketEvents,
}

impl Resource {
    pub const ALL: [Resource; 8] = [
        Resource::Commits,
        Resource::PullRequests,
        Resource::PullRequestCommits,
        Resource::Reviews,
        Resource::Comments,
        Resource::Reactions,
        Resource::Tickets,
        Resource::TicketEvents,
    ];
}

/// The three listings a run walks page by page; every other resource is nested in one.
/// Stored as its name (`COMMITS`, …) where a sync mark is kept per listing.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    EnumIter,
    DeriveActiveEnum,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Listing {
    Commits,
    PullRequests,
    Tickets,
}

impl Listing {
    pub const ALL: [Listing; 3] = [Listing::Commits, Listing::PullRequests, Listing::Tickets];

    /// The resource counted with GitHub's `totalCount` of the listing.
    pub fn resource(self) -> Resource {
        match self {
            Listing::Commits => Resource::Commits,
            Listing::PullRequests => Resource::PullRequests,
            Listing::Tickets => Resource::Tickets,
        }
    }

    /// The integration service that must be on for this listing, named as users see it.
    pub fn service(self) -> &'static str {
        match self {
            Listing::Commits => "Repos",
            Listing::PullRequests => "Pull requests",
            Listing::Tickets => "Tickets",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceCount {
    pub fetched: i64,
    /// GitHub's `totalCount`, known for the three listings only.
    pub total: Option<i64>,
}

/// Per resource, the rows fetched and GitHub's total (the `counts` column).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct Counts(pub BTreeMap<Resource, ResourceCount>);

/// A listing the run did not fetch, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub listing: Listing,
    pub reason: String,
}

/// The listings a run did not fetch (the `skipped` column).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct SkippedListings(pub Vec<Skipped>);

/// Where a listing stands: the cursor after the last stored page, whether it is done,
/// and the newest date seen on the field its marks track (kept here so a resumed run
/// still advances the marks by everything it stored).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingProgress {
    pub after: Option<String>,
    pub done: bool,
    pub newest: Option<DateTime<Utc>>,
}

/// Where each listing resumes (the `checkpoint` column).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct Checkpoint(pub BTreeMap<Listing, ListingProgress>);

/// The three JSON columns read as maps and lists: what code does with them.
macro_rules! deref_to {
    ($outer:ty => $inner:ty) => {
        impl std::ops::Deref for $outer {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }
        impl std::ops::DerefMut for $outer {
            fn deref_mut(&mut self) -> &mut $inner {
                &mut self.0
            }
        }
    };
}
deref_to!(Counts => BTreeMap<Resource, ResourceCount>);
deref_to!(SkippedListings => Vec<Skipped>);
deref_to!(Checkpoint => BTreeMap<Listing, ListingProgress>);
