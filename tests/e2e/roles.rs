//! Roles: every mutation against every role. The role each mutation needs comes from
//! docs/auth.md's table, so the documentation is what is tested; a mutation missing
//! from the table fails the test. A role short of it gets `FORBIDDEN` and changes
//! nothing; the role itself (and any above) gets past the check.

use std::collections::BTreeMap;

use api::auth::Role;
use serde_json::{Value, json};
use tributary_tests::{TestApp, on_every_backend};

const WORKSPACE: &str = "acme-tenant";

/// `mutation name → role` from the table in docs/auth.md (rows `| \`name\` | role |`).
fn documented_roles() -> BTreeMap<String, Role> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/auth.md"))
        .expect("docs/auth.md");
    let section = doc
        .split("## Mutations and the role they need")
        .nth(1)
        .expect("docs/auth.md has the mutations table");
    section
        .lines()
        .take_while(|line| !line.starts_with("## "))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let role = Role::from_claim(cells.get(2)?)?;
            Some((name.to_string(), role))
        })
        .collect()
}

/// One call of each mutation, on the workspace's own objects.
fn mutation_calls(
    integration: &str,
    group: &str,
    repository: &str,
) -> Vec<(&'static str, String, Value)> {
    let one = |name: &'static str, input: &str, selection: &str| -> (&'static str, String, Value) {
        // Only the variables the input uses (GraphQL refuses unused ones).
        let ids = [("i", integration), ("g", group), ("r", repository)];
        let used: Vec<&(&str, &str)> = ids
            .iter()
            .filter(|(v, _)| input.contains(&format!("${v}")))
            .collect();
        let declared: Vec<String> = used.iter().map(|(v, _)| format!("${v}: ID!")).collect();
        let declared = if declared.is_empty() {
            String::new()
        } else {
            format!("({})", declared.join(", "))
        };
        let variables: serde_json::Map<String, Value> = used
            .iter()
            .map(|(v, id)| (v.to_string(), json!(id)))
            .collect();
        (
            name,
            format!("mutation{declared} {{ {name}(input: {input}) {{ {selection} }} }}"),
            Value::Object(variables),
        )
    };
    vec![
        one(
            "testToken",
            "{token: \"ghp_example\"}",
            "userErrors { code }",
        ),
        one("startOAuth", "{}", "userErrors { code }"),
        one(
            "createIntegration",
            "{name: \"second\", token: \"ghp_example\"}",
            "userErrors { code }",
        ),
        one(
            "testConnection",
            "{integrationId: $i}",
            "userErrors { code }",
        ),
        one(
            "reconnectIntegration",
            "{integrationId: $i, token: \"ghp_example\"}",
            "userErrors { code }",
        ),
        one(
            "setServices",
            "{integrationId: $i, services: {tickets: true}}",
            "userErrors { code }",
        ),
        one(
            "renameIntegration",
            "{integrationId: $i, name: \"renamed\"}",
            "userErrors { code }",
        ),
        one(
            "setCommentRobustness",
            "{integrationId: $i, regularFrom: 10, robustFrom: 100}",
            "userErrors { code }",
        ),
        one(
            "refreshGroups",
            "{integrationId: $i}",
            "userErrors { code }",
        ),
        one(
            "reportOAuthApprovalRequested",
            "{integrationId: $i, organization: \"nowhere\"}",
            "userErrors { code }",
        ),
        one(
            "importRepositories",
            "{integrationId: $i, repositoryIds: [$r]}",
            "userErrors { code }",
        ),
        one("importGroup", "{groupId: $g}", "userErrors { code }"),
        one(
            "syncIntegration",
            "{integrationId: $i}",
            "userErrors { code }",
        ),
        // A run id that names no run: the role check comes first, so a short role is
        // FORBIDDEN and a sufficient one NOT_FOUND.
        one(
            "cancelImport",
            "{runId: \"SW1wb3J0UnVuOm5vbmU\"}",
            "userErrors { code }",
        ),
        one(
            "retryImport",
            "{runId: \"SW1wb3J0UnVuOm5vbmU\"}",
            "userErrors { code }",
        ),
        // Last: it removes what the others use.
        one(
            "deleteIntegration",
            "{integrationId: $i}",
            "deletedIntegrationId",
        ),
    ]
}

async fn every_role_against_every_mutation(app: &TestApp) {
    let documented = documented_roles();
    let admin = app.user_token(WORKSPACE, Role::Admin);
    let create = "mutation($t: String!) { createIntegration(input: {name: \"roles\", token: $t}) { integration { id groups { id } repositories(first: 1) { nodes { id } } } } }";
    let created = app
        .as_caller(&admin)
        .data(create, json!({ "t": app.token("owner") }))
        .await["createIntegration"]["integration"]
        .clone();
    let integration = created["id"].as_str().unwrap();
    let group = created["groups"][0]["id"].as_str().unwrap();
    let repository = created["repositories"]["nodes"][0]["id"].as_str().unwrap();

    let schema = app
        .as_caller(&admin)
        .data(
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let mut mutations: Vec<String> = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    mutations.sort();
    let mut in_table: Vec<String> = documented.keys().cloned().collect();
    in_table.sort();
    assert_eq!(
        in_table, mutations,
        "docs/auth.md's table lists every mutation, and only those"
    );
    let calls = mutation_calls(integration, group, repository);
    let mut called: Vec<String> = calls.iter().map(|(n, _, _)| n.to_string()).collect();
    called.sort();
    assert_eq!(called, mutations, "every mutation is called below");

    for (name, document, variables) in &calls {
        let needed = documented[*name];
        for role in [Role::Viewer, Role::Member, Role::Admin] {
            let token = app.user_token(WORKSPACE, role);
            let body = app
                .as_caller(&token)
                .graphql(document, variables.clone())
                .await;
            let code = &body["errors"][0]["extensions"]["code"];
            if role < needed {
                assert_eq!(code, "FORBIDDEN", "{name} as {role:?}: {body}");
                let message = body["errors"][0]["message"].as_str().unwrap();
                assert!(
                    message.contains(needed.claim()),
                    "the refusal names the role needed: {message}"
                );
                assert!(body["data"].is_null(), "{name} as {role:?}: {body}");
            } else {
                assert_ne!(code, "FORBIDDEN", "{name} as {role:?}: {body}");
            }
        }
    }
    // The viewer's and the member's deleteIntegration were refused; the admin's, last,
    // went through.
    let after = app
        .data(
            "query($i: ID!) { integration(id: $i) { id } }",
            json!({ "i": integration }),
        )
        .await;
    assert!(
        after["integration"].is_null(),
        "the admin's deleteIntegration went through last"
    );
}

on_every_backend!(every_role_against_every_mutation);

/// A viewer reads everything of its workspace: integrations, groups, repositories,
/// runs, metrics, the Work log and who it is.
async fn a_viewer_reads_its_workspace(app: &TestApp) {
    let admin = app.user_token(WORKSPACE, Role::Admin);
    let create = "mutation($t: String!) { createIntegration(input: {name: \"read me\", token: $t}) { integration { id } } }";
    let integration = app
        .as_caller(&admin)
        .data(create, json!({ "t": app.token("owner") }))
        .await["createIntegration"]["integration"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let viewer = app.user_token(WORKSPACE, Role::Viewer);
    let read = app
        .as_caller(&viewer)
        .data(
            r#"query($i: ID!, $f: AnalyticsFilter!) {
              viewer { role workspace credential subject }
              integrations { id }
              integration(id: $i) { groups { login } repositories(first: 1) { totalCount } }
              importRuns(integrationId: $i) { totalCount }
              commitMetrics(filter: $f) { commits }
              workLog(filter: $f, first: 1) { totalCount }
            }"#,
            json!({ "i": integration, "f": { "integrationId": integration, "from": "2026-01-01", "to": "2026-01-31" } }),
        )
        .await;
    assert_eq!(
        read["viewer"],
        json!({ "role": "VIEWER", "workspace": WORKSPACE, "credential": "USER_TOKEN", "subject": "test-user" })
    );
    assert_eq!(read["integrations"], json!([{ "id": integration }]));
    assert!(
        read["integration"]["repositories"]["totalCount"]
            .as_i64()
            .unwrap()
            > 0
    );
}

on_every_backend!(a_viewer_reads_its_workspace);
