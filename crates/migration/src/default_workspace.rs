//! The workspace integrations belong to when nobody named one.

/// The workspace integrations belong to when nobody named one: where migration 11
/// puts the integrations from before workspaces, and what the server key creates
/// without an `X-Tributary-Workspace` header. `TRIBUTARY_DEFAULT_WORKSPACE`, else
/// `default`; read here so the migration and the server always agree.
pub fn default_workspace() -> String {
    std::env::var("TRIBUTARY_DEFAULT_WORKSPACE")
        .ok()
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "default".to_string())
}
