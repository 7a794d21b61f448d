//! GitHub's GraphQL rate-limit cost: one request per connection, multiplied down
//! the nesting by the parents' page sizes; the cost is requests / 100, at least 1.

use async_graphql::Positioned;
use async_graphql::Variables;
use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};

/// What a query will cost, before it runs.
pub(super) struct Cost {
    /// Points: GitHub's requests ÷ 100, rounded, at least 1.
    pub points: u32,
    /// The most nodes its connections can return (GitHub refuses past 500,000).
    pub nodes: u64,
    /// `rateLimit(dryRun: true)`: GitHub computes the cost and charges nothing.
    pub dry_run: bool,
}

/// GitHub's cost model: one request per connection, multiplied down the
/// nesting by the parents' page sizes; cost is requests / 100, at least 1.
pub(super) fn cost_of(query: &str, operation: Option<&str>, variables: &Variables) -> Cost {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return Cost {
            points: 1,
            nodes: 0,
            dry_run: false,
        };
    };
    let selection = match &doc.operations {
        DocumentOperations::Single(op) => Some(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => match operation {
            Some(name) => ops
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, op)| &op.node.selection_set.node),
            None => ops.values().next().map(|op| &op.node.selection_set.node),
        },
    };
    let mut requests = 0u64;
    let mut nodes = 0u64;
    let mut dry_run = false;
    if let Some(selection) = selection {
        walk(&doc, selection, variables, 1, 0, &mut requests, &mut nodes);
        dry_run = asks_dry_run(selection, variables);
    }
    Cost {
        points: ((requests as f64) / 100.0).round().max(1.0) as u32,
        nodes,
        dry_run,
    }
}

/// A top-level `rateLimit(dryRun: true)` (a literal or a variable).
fn asks_dry_run(set: &SelectionSet, variables: &Variables) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) if field.node.name.node.as_str() == "rateLimit" => field
            .node
            .get_argument("dryRun")
            .and_then(|v| {
                v.node
                    .clone()
                    .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
                    .ok()
            })
            .is_some_and(|v| v == async_graphql::Value::Boolean(true)),
        _ => false,
    })
}

/// `@skip(if: true)` and `@include(if: false)` leave a selection out of the answer,
/// and out of the cost: GitHub computes the cost on the query it will run.
fn included(directives: &[Positioned<Directive>], variables: &Variables) -> bool {
    directives.iter().all(|d| {
        let condition = d.node.get_argument("if").and_then(|v| {
            v.node
                .clone()
                .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
                .ok()
        });
        match (d.node.name.node.as_str(), condition) {
            ("skip", Some(async_graphql::Value::Boolean(skip))) => !skip,
            ("include", Some(async_graphql::Value::Boolean(include))) => include,
            _ => true,
        }
    })
}

fn walk(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    variables: &Variables,
    multiplier: u64,
    depth: usize,
    requests: &mut u64,
    nodes: &mut u64,
) {
    if depth > 32 {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) if included(&field.node.directives, variables) => {
                let field = &field.node;
                let page = field
                    .arguments
                    .iter()
                    .find(|(name, _)| name.node.as_str() == "first" || name.node.as_str() == "last")
                    .and_then(|(_, value)| {
                        let value = value
                            .node
                            .clone()
                            .into_const_with(|name| variables.get(&name).cloned().ok_or(()));
                        match value {
                            Ok(async_graphql::Value::Number(n)) => n.as_u64(),
                            _ => None,
                        }
                    });
                let next = match page {
                    Some(n) => {
                        *requests = requests.saturating_add(multiplier);
                        *nodes = nodes.saturating_add(multiplier.saturating_mul(n));
                        multiplier.saturating_mul(n.max(1))
                    }
                    None => multiplier,
                };
                walk(
                    doc,
                    &field.selection_set.node,
                    variables,
                    next,
                    depth + 1,
                    requests,
                    nodes,
                );
            }
            Selection::InlineFragment(fragment)
                if included(&fragment.node.directives, variables) =>
            {
                walk(
                    doc,
                    &fragment.node.selection_set.node,
                    variables,
                    multiplier,
                    depth + 1,
                    requests,
                    nodes,
                );
            }
            Selection::FragmentSpread(spread) if included(&spread.node.directives, variables) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    walk(
                        doc,
                        &fragment.node.selection_set.node,
                        variables,
                        multiplier,
                        depth + 1,
                        requests,
                        nodes,
                    );
                }
            }
            _ => {}
        }
    }
}
