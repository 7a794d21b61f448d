//! Captures every log line and every API answer of the test process, so that a test
//! can assert no secret ever appeared in either.

use std::{
    io::Write,
    sync::{Mutex, Once},
};

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static RESPONSES: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs a process-wide subscriber at TRACE level, so that even debug output of
/// our crates and of the HTTP stack is searched.
pub fn install() {
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| Capture)
            .with_ansi(false)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

pub fn captured() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

pub fn remember_response(body: &serde_json::Value) {
    RESPONSES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(body.to_string());
}

pub fn responses() -> Vec<String> {
    RESPONSES.lock().unwrap_or_else(|p| p.into_inner()).clone()
}
