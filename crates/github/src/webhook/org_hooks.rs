//! Organization webhooks over REST (GitHub has no GraphQL for them): create, list,
//! read, update and delete hooks, list a hook's recent deliveries and ask for a
//! redelivery. The caller must be an owner of the organization, and classic or OAuth
//! tokens need `admin:org_hook`.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::{client::GithubClient, error::GithubError, token::Token};

/// An organization hook as GitHub lists it (the secret shows as `********`).
#[derive(Clone, Debug, Deserialize)]
pub struct OrgHook {
    pub id: i64,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub config: HookConfig,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct HookConfig {
    pub url: Option<String>,
    pub content_type: Option<String>,
}

/// What Tributary asks of a hook: JSON deliveries of `events` to `url`, signed with `secret`.
#[derive(Clone, Copy, Debug)]
pub struct HookSpec<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub events: &'a [&'a str],
}

impl HookSpec<'_> {
    fn body(&self) -> serde_json::Value {
        json!({
            "name": "web",
            "active": true,
            "events": self.events,
            "config": {
                "url": self.url,
                "content_type": "json",
                "secret": self.secret,
                "insecure_ssl": "0",
            }
        })
    }
}

/// One attempt GitHub made to deliver an event (`GET …/hooks/{id}/deliveries`).
#[derive(Clone, Debug, Deserialize)]
pub struct HookDelivery {
    /// The attempt's id, which redelivery names.
    pub id: i64,
    /// The delivery's GUID (`X-GitHub-Delivery`), the same on every attempt.
    pub guid: String,
    pub delivered_at: DateTime<Utc>,
    #[serde(default)]
    pub redelivery: bool,
    /// The receiver's HTTP status; 0 when GitHub could not reach it.
    #[serde(default)]
    pub status_code: i64,
    #[serde(default)]
    pub event: String,
    pub action: Option<String>,
}

impl HookDelivery {
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status_code)
    }
}

/// Deliveries per page: GitHub's maximum.
const DELIVERY_PAGE_SIZE: u32 = 100;

impl GithubClient {
    /// Every hook of the organization.
    pub async fn org_hooks(&self, token: &Token, org: &str) -> Result<Vec<OrgHook>, GithubError> {
        let mut hooks = Vec::new();
        let mut page = Some(format!("/orgs/{org}/hooks?per_page=100"));
        while let Some(path) = page.take() {
            let response = self.rest_get::<Vec<OrgHook>>(token, &path).await?;
            hooks.extend(response.body);
            page = response.next_page;
        }
        Ok(hooks)
    }

    pub async fn org_hook(
        &self,
        token: &Token,
        org: &str,
        id: i64,
    ) -> Result<OrgHook, GithubError> {
        Ok(self
            .rest_get(token, &format!("/orgs/{org}/hooks/{id}"))
            .await?
            .body)
    }

    pub async fn create_org_hook(
        &self,
        token: &Token,
        org: &str,
        spec: HookSpec<'_>,
    ) -> Result<OrgHook, GithubError> {
        Ok(self
            .rest(
                Method::POST,
                token,
                &format!("/orgs/{org}/hooks"),
                Some(&spec.body()),
            )
            .await?
            .body)
    }

    /// Replaces the hook's URL, events and secret (GitHub drops the secret of a PATCH
    /// without one, so it is always sent).
    pub async fn update_org_hook(
        &self,
        token: &Token,
        org: &str,
        id: i64,
        spec: HookSpec<'_>,
    ) -> Result<OrgHook, GithubError> {
        let mut body = spec.body();
        if let Some(object) = body.as_object_mut() {
            object.remove("name");
        }
        Ok(self
            .rest(
                Method::PATCH,
                token,
                &format!("/orgs/{org}/hooks/{id}"),
                Some(&body),
            )
            .await?
            .body)
    }

    pub async fn delete_org_hook(
        &self,
        token: &Token,
        org: &str,
        id: i64,
    ) -> Result<(), GithubError> {
        self.rest::<serde_json::Value>(
            Method::DELETE,
            token,
            &format!("/orgs/{org}/hooks/{id}"),
            None,
        )
        .await?;
        Ok(())
    }

    /// The hook's delivery attempts from newest to oldest, back to `since` (pages are
    /// followed through the `Link` header until one reaches past it).
    pub async fn hook_deliveries(
        &self,
        token: &Token,
        org: &str,
        id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<HookDelivery>, GithubError> {
        let mut deliveries = Vec::new();
        let mut page = Some(format!(
            "/orgs/{org}/hooks/{id}/deliveries?per_page={DELIVERY_PAGE_SIZE}"
        ));
        while let Some(path) = page.take() {
            let response = self.rest_get::<Vec<HookDelivery>>(token, &path).await?;
            let reached_past = response.body.iter().any(|d| d.delivered_at < since);
            deliveries.extend(
                response
                    .body
                    .into_iter()
                    .filter(|d| d.delivered_at >= since),
            );
            if !reached_past {
                page = response.next_page;
            }
        }
        Ok(deliveries)
    }

    /// Asks GitHub to deliver the attempt `delivery_id` again (same GUID).
    pub async fn redeliver(
        &self,
        token: &Token,
        org: &str,
        hook_id: i64,
        delivery_id: i64,
    ) -> Result<(), GithubError> {
        self.rest::<serde_json::Value>(
            Method::POST,
            token,
            &format!("/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts"),
            None,
        )
        .await?;
        Ok(())
    }
}
