//! `schema.graphql` is what the code exports (`tributary schema` prints `api::sdl()`).

#[test]
fn schema_graphql_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let current = api::sdl();
    if committed != current {
        if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &current).unwrap();
            return;
        }
        panic!(
            "schema.graphql is out of date: run `cargo run -q -- schema > schema.graphql` (or UPDATE_SCHEMA=1 scripts/test)"
        );
    }
}

/// Every type, field, argument, input field and enum value carries a description, so
/// that GraphiQL and generated client types explain themselves.
#[test]
fn every_part_of_the_api_is_documented() {
    use apollo_compiler::schema::ExtendedType;
    let sdl = api::sdl();
    let document =
        apollo_compiler::Schema::parse(&sdl, "schema.graphql").expect("the API's SDL parses");
    let mut undocumented = Vec::new();
    for (name, ty) in &document.types {
        if ty.is_built_in() {
            continue;
        }
        if ty.description().is_none() {
            undocumented.push(name.to_string());
        }
        let mut fields = |field_name: &str,
                          described: bool,
                          arguments: &[apollo_compiler::Node<
            apollo_compiler::ast::InputValueDefinition,
        >]| {
            if !described {
                undocumented.push(format!("{name}.{field_name}"));
            }
            for argument in arguments {
                if argument.description.is_none() {
                    undocumented.push(format!("{name}.{field_name}({})", argument.name));
                }
            }
        };
        match ty {
            ExtendedType::Object(object) => {
                for (field_name, field) in &object.fields {
                    fields(field_name, field.description.is_some(), &field.arguments);
                }
            }
            ExtendedType::Interface(interface) => {
                for (field_name, field) in &interface.fields {
                    fields(field_name, field.description.is_some(), &field.arguments);
                }
            }
            ExtendedType::InputObject(input) => {
                for (field_name, field) in &input.fields {
                    fields(field_name, field.description.is_some(), &[]);
                }
            }
            ExtendedType::Enum(enumeration) => {
                for (value_name, value) in &enumeration.values {
                    fields(value_name, value.description.is_some(), &[]);
                }
            }
            _ => {}
        }
    }
    assert!(
        undocumented.is_empty(),
        "document these in the code: {undocumented:#?}"
    );
}

/// The roots carry GitHub's names, and every object with an identity is a `Node`.
#[test]
fn roots_and_identities_follow_github_conventions() {
    let schema = apollo_compiler::Schema::parse_and_validate(api::sdl(), "schema.graphql")
        .expect("the API's SDL");
    let roots = &schema.schema_definition;
    assert_eq!(roots.query.as_ref().map(|r| r.as_str()), Some("Query"));
    assert_eq!(
        roots.mutation.as_ref().map(|r| r.as_str()),
        Some("Mutation")
    );
    assert_eq!(
        roots.subscription.as_ref().map(|r| r.as_str()),
        Some("Subscription")
    );
    for name in [
        "Integration",
        "Group",
        "Repository",
        "ImportRun",
        "OrganizationWebhook",
        "OAuthGrant",
        "PullRequestFigures",
        "Contributor",
    ] {
        let object = schema.get_object(name).unwrap_or_else(|| panic!("{name}"));
        assert!(
            object
                .implements_interfaces
                .iter()
                .any(|i| i.name == "Node"),
            "{name} is a Node"
        );
    }
    // Every mutation takes one `input` and answers a payload with typed user errors.
    let mutation = schema.get_object("Mutation").unwrap();
    for (name, field) in &mutation.fields {
        let arguments: Vec<&str> = field.arguments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(arguments, ["input"], "{name} takes one input");
        let payload = field.ty.inner_named_type();
        assert!(payload.ends_with("Payload"), "{name} answers {payload}");
        let payload = schema.get_object(payload).unwrap();
        assert!(
            payload.fields.contains_key("userErrors"),
            "{name}: userErrors"
        );
        assert!(
            payload.fields.contains_key("clientMutationId"),
            "{name}: clientMutationId"
        );
    }
}
