//! Which services an integration runs, and the rule that a service is only switched on
//! where the token's scopes allow it.

use entity::integration;

use crate::{
    error::{ApiError, ApiResult},
    graphql::connection_test::{ConnectionTest, Service},
    graphql::user_error::UserErrorCode,
};

/// Which services an integration runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceSwitches {
    pub repos: bool,
    pub pull_requests: bool,
    pub tickets: bool,
    pub webhooks: bool,
}

/// A partial change of services: `None` leaves a switch as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServiceChange {
    pub repos: Option<bool>,
    pub pull_requests: Option<bool>,
    pub tickets: Option<bool>,
    pub webhooks: Option<bool>,
}

impl ServiceSwitches {
    pub fn of(model: &integration::Model) -> Self {
        ServiceSwitches {
            repos: model.repos_enabled,
            pull_requests: model.pull_requests_enabled,
            tickets: model.tickets_enabled,
            webhooks: model.webhooks_enabled,
        }
    }

    pub(crate) fn all_of(available: &[Service]) -> Self {
        ServiceSwitches {
            repos: available.contains(&Service::Repos),
            pull_requests: available.contains(&Service::PullRequests),
            tickets: available.contains(&Service::Tickets),
            webhooks: available.contains(&Service::Webhooks),
        }
    }

    pub(crate) fn apply(self, change: ServiceChange) -> Self {
        ServiceSwitches {
            repos: change.repos.unwrap_or(self.repos),
            pull_requests: change.pull_requests.unwrap_or(self.pull_requests),
            tickets: change.tickets.unwrap_or(self.tickets),
            webhooks: change.webhooks.unwrap_or(self.webhooks),
        }
    }

    fn enabled(self) -> Vec<Service> {
        [
            (Service::Repos, self.repos),
            (Service::PullRequests, self.pull_requests),
            (Service::Tickets, self.tickets),
            (Service::Webhooks, self.webhooks),
        ]
        .into_iter()
        .filter_map(|(s, on)| on.then_some(s))
        .collect()
    }

    /// Refuses switching on a service the token cannot run, naming the scope to add.
    pub(crate) fn check_against(self, test: &ConnectionTest) -> ApiResult<()> {
        for service in self.enabled() {
            if !test.available_services.contains(&service) {
                let scopes: Vec<&str> = test
                    .missing_scopes
                    .iter()
                    .filter(|m| m.disables.contains(&service))
                    .map(|m| m.scope.as_str())
                    .collect();
                return Err(ApiError::user_at(
                    UserErrorCode::ScopeMissing,
                    &["services", service_field(service)],
                    format!(
                        "{} cannot be switched on: the token lacks the scope{} {}. Add {} to the token, update it, then switch the service on.",
                        github::Service::from(service).label(),
                        if scopes.len() == 1 { "" } else { "s" },
                        scopes.join(", "),
                        if scopes.len() == 1 { "it" } else { "them" },
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The `ServicesInput` field that switches `service`, for a user error's `field`.
fn service_field(service: Service) -> &'static str {
    match service {
        Service::Repos => "repos",
        Service::PullRequests => "pullRequests",
        Service::Tickets => "tickets",
        Service::Webhooks => "webhooks",
    }
}
