//! The schema the simulator serves (a slice of GitHub's; the product's contract is
//! `crates/github/graphql/schema.graphql`) and its SDL as GitHub prints it.

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

use super::query::Query;

pub type SimSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn build_schema() -> SimSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription).finish()
}

/// The SDL this simulator serves, to compare with the product's contract.
pub fn graphql_sdl() -> String {
    without_builtin_directives(&build_schema().sdl())
}

/// async-graphql prints `@include`/`@skip`; every GraphQL server has them
/// built in, and GitHub's SDL does not declare them.
fn without_builtin_directives(sdl: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in sdl.lines() {
        let builtin = ["directive @include(", "directive @skip("]
            .iter()
            .any(|d| line.starts_with(d));
        if !builtin {
            out.push(line);
            continue;
        }
        // Drop the directive's description block too.
        if out.last().is_some_and(|l| l.trim() == "\"\"\"") {
            out.pop();
            while let Some(l) = out.pop() {
                if l.trim() == "\"\"\"" {
                    break;
                }
            }
        }
    }
    let mut sdl = out.join("\n");
    sdl.push('\n');
    sdl
}
