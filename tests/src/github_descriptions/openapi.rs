//! OpenAPI 3.0's schema objects turned into JSON Schema (draft 7): `nullable: true`
//! admits `null` (also beside `$ref`, `allOf`, `anyOf` and `oneOf`, where it wraps the
//! schema), a `discriminator` with a mapping picks its schema by the property's value
//! (what OpenAPI means, where a plain `oneOf` would fail an answer valid against two of
//! them), and the OpenAPI-only keywords are dropped.

use serde_json::{Map, Value, json};

const OPENAPI_ONLY: &[&str] = &[
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
];

/// One schema object, and every schema inside it.
pub(super) fn schema(value: &Value) -> Value {
    let Value::Object(object) = value else {
        return value.clone();
    };
    let mut out = Map::new();
    for (keyword, inner) in object {
        if OPENAPI_ONLY.contains(&keyword.as_str()) || keyword.starts_with("x-") {
            continue;
        }
        let converted = match keyword.as_str() {
            "properties" => Value::Object(
                inner
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, s)| (name.clone(), schema(s)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => schema(inner),
            "allOf" | "anyOf" | "oneOf" => {
                Value::Array(inner.as_array().into_iter().flatten().map(schema).collect())
            }
            _ => inner.clone(),
        };
        out.insert(keyword.clone(), converted);
    }
    if let Some(mapping) = object.get("discriminator").and_then(|d| {
        Some((
            d.get("propertyName")?.as_str()?,
            d.get("mapping")?.as_object()?,
        ))
    }) {
        discriminate(&mut out, mapping.0, mapping.1);
    }
    if object.get("nullable") == Some(&Value::Bool(true)) {
        return nullable(out);
    }
    Value::Object(out)
}

/// `oneOf` chosen by `property`: each mapped value requires its own schema.
fn discriminate(out: &mut Map<String, Value>, property: &str, mapping: &Map<String, Value>) {
    out.remove("oneOf");
    let values: Vec<&String> = mapping.keys().collect();
    let choices: Vec<Value> = mapping
        .iter()
        .map(|(value, target)| {
            json!({
                "if": {"properties": {property: {"const": value}}, "required": [property]},
                "then": {"$ref": target},
            })
        })
        .collect();
    out.insert(
        "allOf".into(),
        Value::Array(
            std::iter::once(
                json!({"properties": {property: {"enum": values}}, "required": [property]}),
            )
            .chain(choices)
            .collect(),
        ),
    );
}

fn nullable(mut out: Map<String, Value>) -> Value {
    let composed = ["$ref", "allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| out.contains_key(*k));
    match out.get("type").cloned() {
        Some(Value::String(kind)) if !composed => {
            out.insert("type".into(), json!([kind, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            Value::Object(out)
        }
        _ => json!({"anyOf": [{"type": "null"}, Value::Object(out)]}),
    }
}

/// `components` with every schema converted, for references to resolve against.
pub(super) fn components(description: &Value) -> Value {
    let schemas: Map<String, Value> = description["components"]["schemas"]
        .as_object()
        .expect("the description has components.schemas")
        .iter()
        .map(|(name, s)| (name.clone(), schema(s)))
        .collect();
    json!({"components": {"schemas": schemas}})
}
