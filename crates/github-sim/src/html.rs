//! The frame of the github.com pages the simulator serves (OAuth consent, SSO),
//! and escaping for what goes inside them.

pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{} · GitHub</title></head>\n<body>\n{}\n</body>\n</html>\n",
        escape(title),
        body
    )
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
