//! THE list of places where GitHub's live behaviour differs from its descriptions, each
//! with its evidence. A check lets through exactly what an entry here names — one field
//! of one schema, one status with its message, one undescribed route — and nothing else;
//! an entry no test meets any more should go.

/// One difference between GitHub's description and what GitHub answers.
#[derive(Debug, PartialEq, Eq)]
pub struct Gap {
    pub of: Description,
    pub kind: GapKind,
    /// What GitHub answers instead of what the description says.
    pub answer: &'static str,
    /// Why we believe GitHub answers so: an example of GitHub's, its documentation, a
    /// known issue.
    pub evidence: &'static str,
}

/// Which of GitHub's descriptions a gap is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Description {
    /// `openapi/api.github.com.json`
    Rest,
    /// `webhooks-schema/schema.json`
    Webhooks,
}

#[derive(Debug, PartialEq, Eq)]
pub enum GapKind {
    /// A field whose value breaks its schema: the failing keyword's place in the
    /// description starts with `location` (after `#/components/schemas/` for REST,
    /// `#/definitions/` for webhooks), e.g. `organization-full/properties/blog`.
    Field { location: &'static str },
    /// A status (with the message its body starts with) that GitHub answers on
    /// operations whose description does not list it: on any operation when
    /// `operations` is empty, else on those (`METHOD /template`). Its body is checked
    /// against GitHub's error shape, `basic-error`.
    Status {
        status: u16,
        message: &'static str,
        operations: &'static [&'static str],
    },
    /// A route GitHub serves that its description leaves out, answered as `as_template`.
    Alias {
        template: &'static str,
        as_template: &'static str,
    },
}

const ISSUE_2507: &str = "github/rest-api-description#2507 (\"company and email properties of team-organization (and likely organization-full) should have null as available\"): GET /orgs/{org} of an organization that never set them answers null for company and email, and (comments there) for location and name";

pub static GAPS: &[Gap] = &[
    Gap {
        of: Description::Rest,
        kind: GapKind::Field {
            location: "organization-full/properties/company",
        },
        answer: "null when the organization has not set it",
        evidence: ISSUE_2507,
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Field {
            location: "organization-full/properties/email",
        },
        answer: "null when the organization has not set a public e-mail",
        evidence: ISSUE_2507,
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Field {
            location: "organization-full/properties/location",
        },
        answer: "null when the organization has not set it",
        evidence: ISSUE_2507,
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Field {
            location: "organization-full/properties/blog",
        },
        answer: "\"\" (not a URI) when the organization has no website",
        evidence: "GitHub's own example in the REST description (GET /users/{username}/copilot-spaces/{space_number}/collaborators, example `default`, collaborators[1]): an account with no website answers \"blog\": \"\" beside null company, location and email; the user schemas (public-user, private-user) describe the same profile field as a plain string, with no uri format",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 401,
            message: "Bad credentials",
            operations: &[],
        },
        answer: "401 Bad credentials for an unknown, expired or revoked token, whatever the route",
        evidence: "docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api (\"Bad credentials\": 401 when the token is invalid, expired or revoked, on any endpoint); the description lists 401 only on some operations",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 403,
            message: "You have exceeded a secondary rate limit",
            operations: &[],
        },
        answer: "403 with retry-after when a secondary rate limit stops the request, whatever the route",
        evidence: "docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits (\"you will receive a 403 or 429 response\" on any endpoint)",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 403,
            message: "API rate limit exceeded",
            operations: &[],
        },
        answer: "403 when the primary rate limit is spent, whatever the route",
        evidence: "docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-primary-rate-limit (\"you will receive a 403 or 429 response\" on any endpoint)",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 403,
            message: "Resource protected by organization SAML enforcement",
            operations: &[],
        },
        answer: "403 with x-github-sso: required; url=… for a token not authorized for the organization's SAML SSO",
        evidence: "docs.github.com/rest/authentication/authenticating-to-the-rest-api#using-personal-access-tokens and docs.github.com/enterprise-cloud@latest/rest/using-the-rest-api/troubleshooting-the-rest-api (SAML SSO: 403 and the X-GitHub-SSO header on any organization resource)",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 403,
            message: "Although you appear to have the correct authorization credentials",
            operations: &[],
        },
        answer: "403 for an OAuth app's token on an organization restricting OAuth apps that has not approved the app",
        evidence: "docs.github.com/organizations/managing-oauth-access-to-your-organizations-data/about-oauth-app-access-restrictions (the API refuses the app's requests for the organization's resources)",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 403,
            message: "Resource not accessible by personal access token",
            operations: &[],
        },
        answer: "403 for a fine-grained token without the permission the route needs (x-accepted-github-permissions names it)",
        evidence: "docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api#resource-not-accessible (\"Resource not accessible by personal access token\" for a fine-grained token lacking the permission)",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 401,
            message: "Requires authentication",
            operations: &[],
        },
        answer: "401 Requires authentication for a caller with no token on a route that needs one",
        evidence: "the description's own `requires_authentication` response (401), which it lists on the sibling operations GET /user, GET /user/orgs and GET /user/memberships/orgs but not on GET /user/memberships/orgs/{org}; docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api (\"Requires authentication\")",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 404,
            message: "Not Found",
            operations: &[
                "GET /orgs/{org}/hooks/{hook_id}/config",
                "GET /orgs/{org}/hooks/{hook_id}/deliveries",
                "GET /orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}",
                "POST /orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts",
            ],
        },
        answer: "404 for a hook the caller may not manage (not an owner, no admin:org_hook) or that does not exist",
        evidence: "the description lists 404 for the same hook on its sibling operations (GET, PATCH and DELETE /orgs/{org}/hooks/{hook_id}, POST …/pings); docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api#404-not-found-for-an-existing-resource (404 rather than 403 to callers who may not see a resource)",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 404,
            message: "Not Found",
            operations: &[
                "DELETE /applications/{client_id}/token",
                "DELETE /applications/{client_id}/grant",
            ],
        },
        answer: "404 for wrong client credentials or a token the app did not issue",
        evidence: "the description itself: POST /applications/{client_id}/token (checking a token with the same client credentials) lists 404 for a token GitHub does not know; and docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api#404-not-found-for-an-existing-resource (GitHub answers 404 rather than 401/403 to callers who may not see a resource)",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Status {
            status: 404,
            message: "Not Found",
            operations: &[
                "GET /orgs/{org}/repos",
                "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits",
                "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
                "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments",
            ],
        },
        answer: "404 for an organization or a pull request that does not exist (or the caller may not see), under which the listing would be",
        evidence: "the description lists 404 for the same organization and pull request on their own operations (GET /orgs/{org}, GET /repos/{owner}/{repo}/pulls/{pull_number}) and for the sibling listings under an issue number (GET …/issues/{issue_number}/comments, …/timeline, …/reactions); docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api#404-not-found-for-an-existing-resource (404 for a resource that does not exist or that the caller may not see)",
    },
    Gap {
        of: Description::Rest,
        kind: GapKind::Alias {
            template: "/organizations/{organization_id}",
            as_template: "/orgs/{org}",
        },
        answer: "the organization, addressed by its id, as GET /orgs/{org} answers it",
        evidence: "GitHub's own examples in the REST description address organizations by id under /organizations/{id} (teams' url https://api.github.com/organizations/1/team/1, invitations' https://api.github.com/organizations/2/invitations/1/teams): the id form of the /orgs/{org} routes",
    },
];

/// The gap a failing keyword at `location` falls under.
pub(super) fn field(of: Description, location: &str) -> Option<&'static Gap> {
    GAPS.iter()
        .filter(|gap| gap.of == of)
        .find(|gap| match gap.kind {
            GapKind::Field { location: at } => {
                location == at || location.starts_with(&format!("{at}/"))
            }
            _ => false,
        })
}

/// The gap that allows `status` with `message` on `operation` (`METHOD /template`).
pub(super) fn status(status: u16, message: &str, operation: &str) -> Option<&'static Gap> {
    GAPS.iter().find(|gap| match gap.kind {
        GapKind::Status {
            status: s,
            message: m,
            operations,
        } => {
            s == status
                && message.starts_with(m)
                && (operations.is_empty() || operations.contains(&operation))
        }
        _ => false,
    })
}

/// The described template an undescribed route is answered as.
pub(super) fn alias(path: &[String]) -> Option<(&'static str, &'static Gap)> {
    GAPS.iter().find_map(|gap| match gap.kind {
        GapKind::Alias {
            template,
            as_template,
        } => {
            let t: Vec<&str> = template.split('/').skip(1).collect();
            let same = t.len() == path.len()
                && t.iter()
                    .zip(path)
                    .all(|(t, p)| *t == p || (t.starts_with('{') && !p.is_empty()));
            same.then_some((as_template, gap))
        }
        _ => None,
    })
}
