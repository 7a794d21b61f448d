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

#[test]
fn every_field_of_the_api_is_documented() {
    let sdl = api::sdl();
    let document =
        apollo_compiler::Schema::parse(&sdl, "schema.graphql").expect("the API's SDL parses");
    let mut undocumented = Vec::new();
    for (name, ty) in &document.types {
        if ty.is_built_in() {
            continue;
        }
        // Roots, and the Relay connection types async-graphql generates, carry no description of their own.
        let generated = matches!(
            name.as_str(),
            "QueryRoot" | "MutationRoot" | "SubscriptionRoot"
        ) || name.ends_with("Connection")
            || name.ends_with("Edge");
        if ty.description().is_none() && !generated {
            undocumented.push(name.to_string());
        }
        if let apollo_compiler::schema::ExtendedType::Object(object) = ty {
            for (field_name, field) in &object.fields {
                if field.description.is_none() {
                    undocumented.push(format!("{name}.{field_name}"));
                }
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "document these in the code: {undocumented:#?}"
    );
}
