//! The GitHub side stays honest: every operation the project sends validates against
//! GitHub's own public schema, the cut-down schema the client is typed against matches
//! GitHub's field by field, and github-sim executes a schema that prints the same.

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::{ExecutableDocument, Schema, schema::ExtendedType, validation::Valid};

fn github_schema_text() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/github/schema.docs.graphql");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!(
                "\n*** SKIPPED: {} is absent, so GitHub operations are not checked against GitHub's schema ***\n",
                path.display()
            );
            None
        }
    }
}

/// GitHub's published schema repeats a few field definitions (in `EnterpriseOwnerInfo`),
/// which a strict validator rejects; those duplicates are identical, so they are
/// tolerated, and any other problem fails the test.
fn github_schema() -> Option<Valid<Schema>> {
    let text = github_schema_text()?;
    match Schema::parse_and_validate(text, "schema.docs.graphql") {
        Ok(valid) => Some(valid),
        Err(with_errors) => {
            let other: Vec<String> = with_errors
                .errors
                .iter()
                .map(|e| e.to_string())
                .filter(|e| !e.contains("duplicate definitions for the"))
                .collect();
            assert!(
                other.is_empty(),
                "GitHub's schema does not validate:\n{}",
                other.join("\n")
            );
            eprintln!(
                "note: GitHub's schema has {} duplicate field definitions; they are ignored",
                with_errors.errors.len()
            );
            Some(Valid::assume_valid(with_errors.partial))
        }
    }
}

fn subset_schema() -> Valid<Schema> {
    let path = github::operations::crate_file(github::operations::SCHEMA_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    Schema::parse_and_validate(text, path)
        .unwrap_or_else(|e| panic!("the subset schema does not validate: {}", e.errors))
}

fn validate_operations(schema: &Valid<Schema>, against: &str) {
    for file in github::operations::OPERATION_FILES {
        let path = github::operations::crate_file(file);
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(errors) = ExecutableDocument::parse_and_validate(schema, text, &path) {
            panic!(
                "{file} does not validate against {against}:\n{}",
                errors.errors
            );
        }
    }
}

#[test]
fn every_github_operation_validates_against_githubs_schema() {
    let Some(github) = github_schema() else {
        return;
    };
    assert!(!github::operations::OPERATION_FILES.is_empty());
    validate_operations(&github, "GitHub's public schema");
}

/// The documents `github::import::batch` builds at run time, in every shape: with and
/// without `since`, each listing alone and all together.
fn batch_documents() -> Vec<(&'static str, String)> {
    use github::import::{
        RepoRef,
        batch::{FirstPagesRequest, PlanRequest, first_pages_document, plan_document},
    };
    let repo = |name: &str| RepoRef {
        owner: "acme-corp".into(),
        name: name.into(),
    };
    let since = Some(chrono::Utc::now());
    let plan = plan_document(&[
        PlanRequest {
            repo: repo("a"),
            commits_since: None,
            tickets_since: None,
        },
        PlanRequest {
            repo: repo("b"),
            commits_since: since,
            tickets_since: since,
        },
    ]);
    let pages = |commits, pull_requests, tickets| FirstPagesRequest {
        repo: repo("a"),
        commits,
        pull_requests,
        tickets,
    };
    vec![
        ("RepositoryPlans", plan),
        (
            "RepositoryFirstPages (all listings)",
            first_pages_document(&[
                pages(Some((None, 3)), Some(2), Some((None, 1))),
                pages(Some((since, 100)), None, Some((since, 37))),
            ]),
        ),
        (
            "RepositoryFirstPages (commits)",
            first_pages_document(&[pages(Some((None, 1)), None, None)]),
        ),
        (
            "RepositoryFirstPages (pull requests)",
            first_pages_document(&[pages(None, Some(11), None)]),
        ),
        (
            "RepositoryFirstPages (tickets)",
            first_pages_document(&[pages(None, None, Some((None, 5)))]),
        ),
    ]
}

#[test]
fn the_batch_documents_validate_against_both_schemas() {
    let mut schemas = vec![(subset_schema(), "the subset schema")];
    schemas.extend(github_schema().map(|s| (s, "GitHub's public schema")));
    for (schema, against) in &schemas {
        for (name, document) in batch_documents() {
            if let Err(errors) = ExecutableDocument::parse_and_validate(schema, document, name) {
                panic!(
                    "{name} does not validate against {against}:\n{}",
                    errors.errors
                );
            }
        }
    }
}

#[test]
fn every_operation_file_is_registered() {
    let dir = github::operations::crate_file("graphql");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| format!("graphql/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|name| name.ends_with(".graphql") && !name.ends_with("/schema.graphql"))
        .collect();
    let registered: BTreeSet<String> = github::operations::OPERATION_FILES
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        on_disk, registered,
        "OPERATION_FILES must list every operation file so it is validated"
    );
    validate_operations(&subset_schema(), "the subset schema");
}

/// An argument (or, for an input field, its default under the key `=`): name → (type, default).
type Arguments = BTreeMap<String, (String, Option<String>)>;

#[derive(Debug, PartialEq, Eq)]
struct Shape {
    kind: &'static str,
    interfaces: BTreeSet<String>,
    /// field or input field → (type, arguments: name → (type, default))
    fields: BTreeMap<String, (String, Arguments)>,
    values: BTreeSet<String>,
}

fn shapes(schema: &Schema) -> BTreeMap<String, Shape> {
    let args =
        |arguments: &[apollo_compiler::Node<apollo_compiler::ast::InputValueDefinition>]| {
            arguments
                .iter()
                .map(|a| {
                    (
                        a.name.to_string(),
                        (
                            a.ty.to_string(),
                            a.default_value.as_ref().map(|v| v.to_string()),
                        ),
                    )
                })
                .collect::<BTreeMap<_, _>>()
        };
    let mut out = BTreeMap::new();
    for (name, ty) in &schema.types {
        if ty.is_built_in() {
            continue;
        }
        let mut shape = Shape {
            kind: "",
            interfaces: BTreeSet::new(),
            fields: BTreeMap::new(),
            values: BTreeSet::new(),
        };
        match ty {
            ExtendedType::Scalar(_) => shape.kind = "scalar",
            ExtendedType::Object(o) => {
                shape.kind = "object";
                shape.interfaces = o
                    .implements_interfaces
                    .iter()
                    .map(|i| i.to_string())
                    .collect();
                shape.fields = o
                    .fields
                    .iter()
                    .map(|(n, f)| (n.to_string(), (f.ty.to_string(), args(&f.arguments))))
                    .collect();
            }
            ExtendedType::Interface(i) => {
                shape.kind = "interface";
                shape.interfaces = i
                    .implements_interfaces
                    .iter()
                    .map(|i| i.to_string())
                    .collect();
                shape.fields = i
                    .fields
                    .iter()
                    .map(|(n, f)| (n.to_string(), (f.ty.to_string(), args(&f.arguments))))
                    .collect();
            }
            ExtendedType::Union(u) => {
                shape.kind = "union";
                shape.values = u.members.iter().map(|m| m.to_string()).collect();
            }
            ExtendedType::Enum(e) => {
                shape.kind = "enum";
                shape.values = e.values.keys().map(|v| v.to_string()).collect();
            }
            ExtendedType::InputObject(i) => {
                shape.kind = "input";
                shape.fields = i
                    .fields
                    .iter()
                    .map(|(n, f)| {
                        (
                            n.to_string(),
                            (
                                f.ty.to_string(),
                                BTreeMap::from([(
                                    "=".to_string(),
                                    (
                                        String::new(),
                                        f.default_value.as_ref().map(|v| v.to_string()),
                                    ),
                                )]),
                            ),
                        )
                    })
                    .collect();
            }
        }
        out.insert(name.to_string(), shape);
    }
    out
}

#[test]
fn the_subset_schema_matches_github_field_by_field() {
    let Some(github) = github_schema() else {
        return;
    };
    let github = shapes(&github);
    let subset = shapes(&subset_schema());
    let mut problems = Vec::new();
    for (name, mine) in &subset {
        let Some(theirs) = github.get(name) else {
            problems.push(format!("type {name} is not in GitHub's schema"));
            continue;
        };
        if mine.kind != theirs.kind {
            problems.push(format!(
                "{name} is a {} here but a {} at GitHub",
                mine.kind, theirs.kind
            ));
        }
        for interface in mine.interfaces.difference(&theirs.interfaces) {
            problems.push(format!("{name} does not implement {interface} at GitHub"));
        }
        for value in mine.values.difference(&theirs.values) {
            problems.push(format!("{name}.{value} is not a value at GitHub"));
        }
        for (field, (ty, args)) in &mine.fields {
            let Some((their_ty, their_args)) = theirs.fields.get(field) else {
                problems.push(format!("{name}.{field} does not exist at GitHub"));
                continue;
            };
            if ty != their_ty {
                problems.push(format!(
                    "{name}.{field} is {ty} here but {their_ty} at GitHub"
                ));
            }
            for (arg, value) in args {
                match their_args.get(arg) {
                    None => {
                        problems.push(format!("{name}.{field}({arg}) does not exist at GitHub"))
                    }
                    Some(theirs) if theirs != value => problems.push(format!(
                        "{name}.{field}({arg}) is {value:?} here but {theirs:?} at GitHub"
                    )),
                    _ => {}
                }
            }
            for (arg, (their_arg_ty, default)) in their_args {
                if their_arg_ty.ends_with('!') && default.is_none() && !args.contains_key(arg) {
                    problems.push(format!(
                        "{name}.{field} leaves out GitHub's required argument {arg}"
                    ));
                }
            }
        }
        if mine.kind == "input" {
            for (field, (ty, extra)) in &theirs.fields {
                let required =
                    ty.ends_with('!') && extra.get("=").is_some_and(|(_, d)| d.is_none());
                if required && !mine.fields.contains_key(field) {
                    problems.push(format!(
                        "input {name} leaves out GitHub's required field {field}"
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the subset schema disagrees with GitHub's:\n{}",
        problems.join("\n")
    );
}

#[test]
fn github_sim_executes_the_subset_schema() {
    let sim = Schema::parse(github_sim::graphql_sdl(), "github-sim.graphql")
        .unwrap_or_else(|e| panic!("github-sim's SDL does not parse: {}", e.errors));
    let sim = shapes(&sim);
    let subset = shapes(&subset_schema());
    let names = |m: &BTreeMap<String, Shape>| m.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(
        names(&sim),
        names(&subset),
        "github-sim and the subset define different types"
    );
    for (name, shape) in &subset {
        assert_eq!(
            &sim[name], shape,
            "github-sim's {name} differs from the subset schema"
        );
    }
}
