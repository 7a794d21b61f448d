//! Every top-level error carries `extensions.code`: resolvers set theirs (`ApiError`);
//! this extension gives one to the errors async-graphql raises itself, so that no
//! screen has to read a message to tell a malformed document from a bad argument.

use std::sync::Arc;

use async_graphql::{
    Response, ServerError,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest},
};

/// A document that does not parse or validate (syntax, unknown field, wrong argument
/// type, too deep or too complex).
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
/// A value async-graphql refused while executing (an argument out of its type's range).
pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            give_code(error);
        }
        response
    }
}

fn give_code(error: &mut ServerError) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some());
    if has_code {
        return;
    }
    // Errors before execution (parsing, validation, limits) have no path.
    let code = if error.path.is_empty() {
        VALIDATION_FAILED
    } else {
        INVALID_ARGUMENT
    };
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}
