//! Query strings and URL components, percent-encoded the way GitHub's links and
//! form bodies are. Decoding never fails: a malformed escape is kept as text.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// What a URL component keeps unescaped: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

/// A form value: `+` is a space, escapes are decoded.
pub(crate) fn percent_decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

pub(crate) fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing_never_panics() {
        assert_eq!(
            parse_query("a=1&b=%41&c=%4&d=%&e=%zz"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "A".into()),
                ("c".into(), "%4".into()),
                ("d".into(), "%".into()),
                ("e".into(), "%zz".into()),
            ]
        );
        assert_eq!(percent_decode("%C3%A9%"), "é%");
        assert_eq!(percent_decode("a+b%2B"), "a b+");
    }

    #[test]
    fn components_keep_only_unreserved_characters() {
        assert_eq!(
            encode_component("a b/c~d-e_f.g+é"),
            "a%20b%2Fc~d-e_f.g%2B%C3%A9"
        );
    }
}
