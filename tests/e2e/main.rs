//! End-to-end tests: one binary, one module per area.

mod commit_days;
mod flow_check;
mod fuzz;
mod github_import;
mod github_rest_descriptions;
mod github_schema;
mod github_webhook_descriptions;
mod groups;
mod http_surface;
mod import_page;
mod imports;
mod metrics;
mod oauth;
mod repos_tab;
mod roles;
mod schema_file;
mod screens;
mod secrets;
mod services;
mod subscriptions;
mod token_path;
mod troubleshooting;
mod user_tokens;
mod webhooks;
mod work_log_days;
mod workspaces;
