//! GitHub's custom scalars: `DateTime`, `URI`, `GitObjectID`, `GitTimestamp`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, SecondsFormat, Utc};

/// An ISO-8601 encoded UTC date string.
pub struct GhDateTime(pub DateTime<Utc>);

/// An ISO-8601 encoded UTC date string.
#[Scalar(name = "DateTime")]
impl ScalarType for GhDateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| GhDateTime(d.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(format!("{s:?} is not a valid ISO-8601 date time"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

/// An RFC 3986, RFC 3987, and RFC 6570 (level 4) compliant URI string.
pub struct Uri(pub String);

/// An RFC 3986, RFC 3987, and RFC 6570 (level 4) compliant URI string.
#[Scalar(name = "URI")]
impl ScalarType for Uri {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Uri(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// A Git object ID.
pub struct GitObjectId(pub String);

/// A Git object ID.
#[Scalar(name = "GitObjectID")]
impl ScalarType for GitObjectId {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(GitObjectId(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// An ISO-8601 encoded date string. Unlike the DateTime type, GitTimestamp is not converted in UTC.
pub struct GitTimestamp(pub DateTime<Utc>);

/// An ISO-8601 encoded date string. Unlike the DateTime type, GitTimestamp is not converted in UTC.
#[Scalar(name = "GitTimestamp")]
impl ScalarType for GitTimestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| GitTimestamp(d.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(format!("{s:?} is not a valid ISO-8601 timestamp"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        GhDateTime(self.0).to_value()
    }
}
