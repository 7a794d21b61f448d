//! Compiling one schema of a large description: only the definitions it reaches
//! through local `$ref`s are copied beside it, at the paths the references name, so
//! each validator is small and the references resolve as they are written.

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value};

/// One way an instance breaks its schema.
pub(super) struct Violation {
    /// Where in the instance (a JSON pointer).
    pub at: String,
    /// The failing keyword's place in the description, after `components/schemas/`
    /// or `definitions/` (e.g. `organization-full/properties/blog/format`).
    pub location: String,
    pub message: String,
}

/// `schema` as the root of a document holding every definition it reaches in `doc`.
pub(super) fn compile(doc: &Value, schema: &Value) -> Validator {
    let mut root = Map::new();
    root.insert("allOf".into(), Value::Array(vec![schema.clone()]));
    let mut root = Value::Object(root);
    let mut pending = Vec::new();
    references(schema, &mut pending);
    while let Some(pointer) = pending.pop() {
        if root.pointer(&pointer).is_some() {
            continue;
        }
        let target = doc
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("the description has no {pointer}"));
        references(target, &mut pending);
        place(&mut root, &pointer, target.clone());
    }
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("a schema of GitHub's description does not compile: {e}"))
}

pub(super) fn violations(validator: &Validator, instance: &Value) -> Vec<Violation> {
    validator
        .iter_errors(instance)
        .map(|error| {
            let location = error
                .absolute_keyword_location()
                .map(|uri| uri.as_str().to_string())
                .unwrap_or_else(|| error.schema_path().to_string());
            let location = ["/components/schemas/", "/definitions/"]
                .iter()
                .filter_map(|prefix| location.rsplit_once(prefix).map(|(_, rest)| rest))
                .next()
                .unwrap_or(&location)
                .to_string();
            Violation {
                at: error.instance_path().to_string(),
                location,
                message: error.to_string(),
            }
        })
        .collect()
}

/// The JSON pointers of the local references under `schema`.
fn references(schema: &Value, into: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref")
                && let Some(pointer) = reference.strip_prefix('#')
            {
                into.push(pointer.to_string());
            }
            map.values().for_each(|v| references(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, into)),
        _ => {}
    }
}

/// Puts `value` at `pointer` in `root`, making the objects on the way.
fn place(root: &mut Value, pointer: &str, value: Value) {
    let mut at = root;
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let (last, path) = segments
        .split_last()
        .expect("a reference names a definition");
    for segment in path {
        at = at
            .as_object_mut()
            .expect("definitions live in objects")
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    at.as_object_mut()
        .expect("definitions live in objects")
        .insert(last.clone(), value);
}
