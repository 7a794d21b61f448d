//! Hostile input, end to end (issue 16, item 14): random and hostile values (unicode,
//! NUL, huge numbers, deep nesting, wrong types, ids of real and forged rows) into every
//! mutation's input through the API, and random bodies with valid signatures into the
//! webhook receiver. Never a 5xx, never an error without a code or with `INTERNAL`,
//! never a delivery left unapplied (a panic in the worker would leave it so).
//!
//! Seeded (`TRIBUTARY_FUZZ_SEED`, 16 by default) and small in the normal run;
//! `TRIBUTARY_FUZZ_CASES` raises the budget (cases per mutation, and bodies ÷ 2).

use std::collections::HashMap;

use proptest::{
    collection::{hash_map, vec},
    prelude::*,
    strategy::ValueTree,
    test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
};
use serde_json::{Value, json};
use tributary_tests::{TestApp, on_every_backend};

use crate::webhooks::{
    eventually, hook_secret, hooked, post, pull_request_payload, sign, stored_delivery, with_redis,
};

fn cases() -> usize {
    std::env::var("TRIBUTARY_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(6)
}

fn runner() -> TestRunner {
    let seed: u64 = std::env::var("TRIBUTARY_FUZZ_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(16);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    println!("fuzzing with TRIBUTARY_FUZZ_SEED={seed}, {} cases", cases());
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

fn draw<S: Strategy>(runner: &mut TestRunner, strategy: S) -> S::Value {
    strategy
        .new_tree(runner)
        .expect("a value of the strategy")
        .current()
}

/// A hostile string: what a string-typed field may receive and must refuse or store.
fn hostile_string() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<String>().prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
        Just(json!("")),
        Just(json!(" ")),
        Just(json!("\u{0}")),
        Just(json!("a\u{0}b")),
        Just(json!("🦀".repeat(3_000))),
        Just(json!("x".repeat(70_000))),
        Just(json!("' OR 1=1 --")),
        Just(json!("../../../etc/passwd")),
        Just(json!("<script>alert(1)</script>")),
        Just(json!("\u{202e}\u{fe0f}\u{200d}")),
        Just(json!("ghp_0000000000000000000000000000000000000")),
        Just(json!("github_pat_11AAAAAAA0000000000000000000")),
        Just(json!("https://evil.example/callback")),
        // Global ids: well-formed for kinds that exist and do not, and malformed.
        Just(json!("SW50ZWdyYXRpb246MQ")),
        Just(json!("UmVwb3NpdG9yeTo")),
        Just(json!("Tm9wZTpub3Bl")),
        Just(json!("!!notbase64!!")),
    ]
    .boxed()
}

/// One hostile JSON scalar: a hostile string, or a number, boolean or null at the
/// edges of its type.
fn hostile_scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        // Strings keep the share they had when listed here: 15 cases of 25.
        15 => hostile_string(),
        1 => Just(json!(i64::MAX)),
        1 => Just(json!(i64::MIN)),
        1 => Just(json!(u64::MAX)),
        1 => Just(json!(2_147_483_648_i64)),
        1 => Just(json!(-1)),
        1 => Just(json!(1e308)),
        1 => Just(json!(-0.0)),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
    ]
    .boxed()
}

/// Hostile JSON of any shape: scalars, arrays and objects a few levels deep.
fn hostile_value() -> BoxedStrategy<Value> {
    hostile_scalar()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..6).prop_map(Value::Array),
                hash_map("\\PC{0,12}", inner, 0..6)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
        .boxed()
}

/// Arrays nested `depth` deep.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, _| json!([inner]))
}

/// The API's schema as introspection tells it: input objects' fields and enums' values.
struct Schema {
    inputs: HashMap<String, Vec<(String, Value)>>,
    enums: HashMap<String, Vec<String>>,
}

const TYPE_REF: &str =
    "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

async fn introspect(app: &TestApp) -> (Vec<Value>, Schema) {
    let data = app
        .data(
            &format!(
                "{{ __schema {{ mutationType {{ fields {{ name type {{ {TYPE_REF} }} args {{ name type {{ {TYPE_REF} }} }} }} }} \
                 types {{ kind name inputFields {{ name type {{ {TYPE_REF} }} }} enumValues {{ name }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    let mut schema = Schema {
        inputs: HashMap::new(),
        enums: HashMap::new(),
    };
    for t in data["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap().to_string();
        match t["kind"].as_str() {
            Some("INPUT_OBJECT") => {
                let fields = t["inputFields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| (f["name"].as_str().unwrap().to_string(), f["type"].clone()))
                    .collect();
                schema.inputs.insert(name, fields);
            }
            Some("ENUM") => {
                let values = t["enumValues"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["name"].as_str().unwrap().to_string())
                    .collect();
                schema.enums.insert(name, values);
            }
            _ => {}
        }
    }
    let mutations = data["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .clone();
    (mutations, schema)
}

/// A type reference as GraphQL spells it (`[String!]!`).
fn spelled(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", spelled(&ty["ofType"])),
        Some("LIST") => format!("[{}]", spelled(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap().to_string(),
    }
}

fn innermost_kind(ty: &Value) -> &str {
    match ty["kind"].as_str() {
        Some("NON_NULL" | "LIST") => innermost_kind(&ty["ofType"]),
        kind => kind.unwrap_or_default(),
    }
}

/// A value for `ty`, built from real ids where it takes an id: of its type but with
/// hostile content (strings, sizes, lists of 600), and with `wrong_types` the chance
/// of any part being of another type (which variable coercion refuses before a
/// resolver runs; the typed ones reach the resolvers).
fn value_for(
    runner: &mut TestRunner,
    schema: &Schema,
    ids: &[String],
    ty: &Value,
    depth: usize,
    wrong_types: f64,
) -> Value {
    if draw(runner, prop::bool::weighted(wrong_types)) || depth > 6 {
        return draw(runner, hostile_value());
    }
    let name = ty["name"].as_str().unwrap_or_default();
    match ty["kind"].as_str() {
        Some("NON_NULL") => value_for(runner, schema, ids, &ty["ofType"], depth, wrong_types),
        Some("LIST") => {
            let length = draw(runner, prop_oneof![0..4usize, Just(600usize)]);
            Value::Array(
                (0..length)
                    .map(|_| value_for(runner, schema, ids, &ty["ofType"], depth + 1, wrong_types))
                    .collect(),
            )
        }
        Some("INPUT_OBJECT") => {
            let mut object = serde_json::Map::new();
            for (field, field_type) in schema.inputs.get(name).cloned().unwrap_or_default() {
                let optional = field_type["kind"] != "NON_NULL";
                if optional && draw(runner, prop::bool::weighted(0.3)) {
                    continue;
                }
                object.insert(
                    field,
                    value_for(runner, schema, ids, &field_type, depth + 1, wrong_types),
                );
            }
            Value::Object(object)
        }
        Some("ENUM") => {
            let values = schema.enums.get(name).cloned().unwrap_or_default();
            match values.is_empty() || draw(runner, prop::bool::weighted(0.1)) {
                true => json!("NOT_A_VALUE"),
                false => json!(values[draw(runner, 0..values.len())]),
            }
        }
        _ => match name {
            "ID" if !ids.is_empty() && draw(runner, prop::bool::weighted(0.6)) => {
                json!(ids[draw(runner, 0..ids.len())])
            }
            "Int" => draw(
                runner,
                prop_oneof![
                    (-5i64..200).prop_map(Value::from),
                    Just(json!(i32::MAX)),
                    Just(json!(i32::MIN))
                ],
            ),
            "Float" => draw(runner, any::<f64>().prop_map(|f| json!(f))),
            "Boolean" => draw(runner, any::<bool>().prop_map(Value::from)),
            "Date" => draw(
                runner,
                prop_oneof![
                    Just(json!("2026-02-30")),
                    Just(json!("9999-12-31")),
                    Just(json!("0000-01-01")),
                    (2000i32..2030, 1u32..13, 1u32..29)
                        .prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}")))
                ],
            ),
            "String" | "ID" => draw(runner, hostile_string()),
            _ => draw(runner, hostile_scalar()),
        },
    }
}

/// The whole answer must be a non-5xx status and JSON whose every error has a code
/// other than `INTERNAL`.
fn assert_coded(what: &str, status: reqwest::StatusCode, body: &str) {
    let what: String = what.chars().take(400).collect();
    let shown: String = body.chars().take(400).collect();
    assert!(
        !status.is_server_error(),
        "{what}: answered {status}: {shown}"
    );
    let answer: Value =
        serde_json::from_str(body).unwrap_or_else(|_| panic!("{what}: {status} not JSON: {shown}"));
    for error in answer["errors"].as_array().into_iter().flatten() {
        let code = error["extensions"]["code"].as_str();
        assert!(code.is_some(), "{what}: an error without a code: {error}");
        assert_ne!(code, Some("INTERNAL"), "{what}: {error}");
    }
}

async fn post_graphql(app: &TestApp, body: &Value) -> (reqwest::StatusCode, String) {
    let response = app
        .http
        .post(app.graphql_url())
        .bearer_auth(&app.api.api_key)
        .json(body)
        .send()
        .await
        .expect("the API answers (a panic would drop the connection)");
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn every_mutation_takes_hostile_input_with_a_coded_answer(app: &TestApp) {
    let integration = app.create_integration("owner").await;
    let repositories = app
        .data(
            "query($id: ID!) { integration(id: $id) { repositories(first: 3) { nodes { id } } groups { id } } }",
            json!({ "id": integration }),
        )
        .await;
    let mut ids = vec![integration.clone()];
    for node in repositories["integration"]["repositories"]["nodes"]
        .as_array()
        .unwrap()
    {
        ids.push(node["id"].as_str().unwrap().to_string());
    }
    let (mutations, schema) = introspect(app).await;
    assert!(mutations.len() > 10, "the schema lists its mutations");
    let mut runner = runner();
    let (mut sent, mut resolved) = (0, 0);
    for mutation in &mutations {
        let name = mutation["name"].as_str().unwrap();
        let args = mutation["args"].as_array().unwrap();
        let declared = args
            .iter()
            .map(|a| format!("${}: {}", a["name"].as_str().unwrap(), spelled(&a["type"])))
            .collect::<Vec<_>>();
        let passed = args
            .iter()
            .map(|a| format!("{0}: ${0}", a["name"].as_str().unwrap()))
            .collect::<Vec<_>>();
        let selection = match innermost_kind(&mutation["type"]) {
            "OBJECT" | "INTERFACE" | "UNION" => " { __typename }",
            _ => "",
        };
        let (declared, passed) = match declared.is_empty() {
            true => (String::new(), String::new()),
            false => (
                format!("({})", declared.join(", ")),
                format!("({})", passed.join(", ")),
            ),
        };
        let document = format!("mutation{declared} {{ {name}{passed}{selection} }}");
        for case in 0..cases() {
            let mut variables = serde_json::Map::new();
            for arg in args {
                let value = match case {
                    // The whole input of the wrong shape, and deeply nested.
                    0 => draw(&mut runner, hostile_value()),
                    1 => nested(200),
                    // Every other case of the right types, to reach the resolvers.
                    case if case % 2 == 0 => {
                        value_for(&mut runner, &schema, &ids, &arg["type"], 0, 0.0)
                    }
                    _ => value_for(&mut runner, &schema, &ids, &arg["type"], 0, 0.15),
                };
                variables.insert(arg["name"].as_str().unwrap().to_string(), value);
            }
            let body = json!({ "query": document, "variables": variables });
            let (status, answer) = post_graphql(app, &body).await;
            assert_coded(&format!("{name} with {body}"), status, &answer);
            sent += 1;
            // A resolver ran: a payload, or an error from within (with a path).
            let answer: Value = serde_json::from_str(&answer).unwrap();
            if answer["data"][name].is_object() || answer["errors"][0]["path"].is_array() {
                resolved += 1;
            }
        }
    }
    // Still serving.
    app.data("{ __typename }", json!({})).await;
    println!("{sent} hostile mutations answered with codes, {resolved} of them by a resolver");
    assert!(
        resolved * 5 >= sent,
        "too few reached a resolver ({resolved} of {sent}): the inputs test only coercion"
    );
}
on_every_backend!(every_mutation_takes_hostile_input_with_a_coded_answer);

/// Events the product subscribes to, and a few it does not.
const EVENTS: [&str; 12] = [
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_review_thread",
    "issues",
    "issue_comment",
    "push",
    "repository",
    "organization",
    "member",
    "ping",
    "star",
];

/// Sets the value at a random path of `value` (objects and arrays) to `replacement`.
fn replace_somewhere(runner: &mut TestRunner, value: &mut Value, replacement: Value) {
    let children: Vec<String> = match value {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(items) => (0..items.len()).map(|i| i.to_string()).collect(),
        _ => Vec::new(),
    };
    if children.is_empty() || draw(runner, prop::bool::weighted(0.3)) {
        *value = replacement;
        return;
    }
    let child = &children[draw(runner, 0..children.len())];
    let next = match value {
        Value::Object(map) => map.get_mut(child).unwrap(),
        Value::Array(items) => &mut items[child.parse::<usize>().unwrap()],
        _ => unreachable!(),
    };
    replace_somewhere(runner, next, replacement);
}

async fn signed_hostile_bodies_are_answered_and_every_stored_one_is_applied(app: &TestApp) {
    let hooked = hooked(app).await;
    let secret = hook_secret(app, &hooked.integration).await;
    let mut runner = runner();
    let mut stored = Vec::new();
    for case in 0..cases() * 5 {
        let event = EVENTS[draw(&mut runner, 0..EVENTS.len())];
        let body: Vec<u8> = match case % 4 {
            // A real payload with one value replaced by a hostile one.
            0 | 1 => {
                let mut payload = pull_request_payload(&hooked, "PR_fuzz", 9100, "fuzz");
                let replacement = draw(&mut runner, hostile_value());
                replace_somewhere(&mut runner, &mut payload, replacement);
                serde_json::to_vec(&payload).unwrap()
            }
            2 => serde_json::to_vec(&draw(&mut runner, hostile_value())).unwrap(),
            // Not JSON at all, or JSON nested past any parser's patience.
            _ => match draw(&mut runner, any::<bool>()) {
                true => draw(&mut runner, vec(any::<u8>(), 0..256)),
                // Spelled out: a `Value` this deep would overflow the test's own stack.
                false => format!(
                    "{{\"action\": {}1{}}}",
                    "[".repeat(5_000),
                    "]".repeat(5_000)
                )
                .into_bytes(),
            },
        };
        let delivery = format!("fuzz-{case}");
        let (status, answer) = post(
            app,
            &hooked.integration,
            event,
            &delivery,
            &body,
            sign(&secret, &body),
        )
        .await;
        assert!(
            !status.is_server_error(),
            "{event} #{case}: {status} {answer}"
        );
        if status == reqwest::StatusCode::ACCEPTED {
            stored.push(delivery);
        }
    }
    assert!(!stored.is_empty(), "some hostile bodies were stored");
    eventually(60, "every stored hostile delivery is applied", || async {
        for delivery in &stored {
            if stored_delivery(app, &hooked, delivery)
                .await
                .is_none_or(|d| d.applied_at.is_none())
            {
                return false;
            }
        }
        true
    })
    .await;
    println!("{} hostile deliveries stored and applied", stored.len());
}
on_every_backend!(
    signed_hostile_bodies_are_answered_and_every_stored_one_is_applied,
    with_redis
);
