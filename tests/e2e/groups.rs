//! The Repos tab: every group (organizations and the account) and its repositories.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tributary_tests::{TestApp, on_every_backend};

const GROUPS: &str = r#"
query($id: ID!) {
  integration(id: $id) {
    groups {
      id login kind role access problem ssoUrl hiddenPrivateRepos
      repositories(first: 100) { totalCount nodes { id githubId owner name fullName private archived fork defaultBranch url selected } }
    }
  }
}"#;

async fn groups_of(app: &TestApp, id: &str) -> Vec<Value> {
    app.data(GROUPS, json!({ "id": id })).await["integration"]["groups"]
        .as_array()
        .unwrap()
        .clone()
}

/// What GitHub (the simulator's dataset) says `login` can see, as `owner/name`.
fn expected_repos(app: &TestApp, login: &str, owner: &str) -> BTreeSet<String> {
    app.sim_handle
        .dataset()
        .repos
        .iter()
        .filter(|r| r.owner == owner && r.visible_to.iter().any(|u| u == login))
        .map(|r| r.full_name())
        .collect()
}

fn listed(group: &Value) -> BTreeSet<String> {
    group["repositories"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fullName"].as_str().unwrap().to_string())
        .collect()
}

async fn owner_sees_its_organizations_account_and_repositories(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let groups = groups_of(app, &id).await;
    let logins: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g["kind"].as_str().unwrap(), g["login"].as_str().unwrap()))
        .collect();
    assert_eq!(
        logins,
        [
            ("ORGANIZATION", "acme-corp"),
            ("ORGANIZATION", "globex"),
            ("ORGANIZATION", "initech"),
            ("USER", "tributary-svc")
        ]
    );
    for group in &groups {
        let login = group["login"].as_str().unwrap();
        assert_eq!(
            listed(group),
            expected_repos(app, "tributary-svc", login),
            "repositories of {login}"
        );
        assert_eq!(group["repositories"]["totalCount"], listed(group).len());
        assert_eq!(group["access"], "OK");
    }
    let roles: Vec<&str> = groups.iter().map(|g| g["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["OWNER", "MEMBER", "OWNER", "OWNER"]);
    assert!(
        groups[1]["problem"]
            .as_str()
            .unwrap()
            .contains("not an owner")
    );

    let dataset = app.sim_handle.dataset();
    let repo = &groups[0]["repositories"]["nodes"][0];
    let truth = dataset
        .repos
        .iter()
        .find(|r| r.full_name() == repo["fullName"])
        .unwrap();
    assert_eq!(repo["githubId"], truth.node_id.as_str());
    assert_eq!(repo["private"], truth.private);
    assert_eq!(repo["archived"], truth.archived);
    assert_eq!(repo["defaultBranch"], truth.default_branch.as_str());
    assert_eq!(repo["selected"], false);
}
on_every_backend!(owner_sees_its_organizations_account_and_repositories);

async fn member_sees_only_what_github_shows_it(app: &TestApp) {
    let id = app.create_integration("member").await;
    let groups = groups_of(app, &id).await;
    assert_eq!(groups.len(), 4);
    for group in &groups {
        let login = group["login"].as_str().unwrap();
        assert_eq!(
            listed(group),
            expected_repos(app, "member-svc", login),
            "repositories of {login}"
        );
        if group["kind"] == "ORGANIZATION" {
            assert_eq!(group["role"], "MEMBER");
        }
    }
}
on_every_backend!(member_sees_only_what_github_shows_it);

async fn sso_group_is_listed_with_its_problem_and_no_repositories(app: &TestApp) {
    let id = app.create_integration("sso-unauthorized").await;
    let groups = groups_of(app, &id).await;
    let initech = groups
        .iter()
        .find(|g| g["login"] == "initech")
        .expect("the SSO organization is listed as a group");
    assert_eq!(initech["access"], "SSO_REQUIRED");
    assert!(
        initech["ssoUrl"]
            .as_str()
            .unwrap()
            .contains("/orgs/initech/sso")
    );
    assert_eq!(initech["repositories"]["totalCount"], 0);
}
on_every_backend!(sso_group_is_listed_with_its_problem_and_no_repositories);

/// Every repository of the integration, paged forward 3 at a time, as (id, full name);
/// and the total count the pages gave.
async fn paged_repositories(app: &TestApp, id: &str) -> (Vec<(String, String)>, u64) {
    let page = "query($id: ID!, $after: String) { integration(id: $id) { repositories(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id fullName } } } } }";
    let mut after = Value::Null;
    let mut seen = Vec::new();
    let mut total: u64;
    loop {
        let data = app.data(page, json!({ "id": id, "after": after })).await;
        let connection = &data["integration"]["repositories"];
        total = connection["totalCount"].as_u64().unwrap();
        let edges = connection["edges"].as_array().unwrap();
        assert!(edges.len() <= 3);
        seen.extend(edges.iter().map(|e| {
            (
                e["node"]["id"].as_str().unwrap().to_string(),
                e["node"]["fullName"].as_str().unwrap().to_string(),
            )
        }));
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    (seen, total)
}

async fn repositories_page_forward_by_owner_and_name_each_once(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let (seen, total) = paged_repositories(app, &id).await;
    assert_eq!(seen.len() as u64, total);
    let mut names: Vec<&String> = seen.iter().map(|(_, n)| n).collect();
    let sorted = {
        let mut s = names.clone();
        s.sort();
        s
    };
    assert_eq!(names, sorted, "ordered by owner and name");
    names.dedup();
    assert_eq!(
        names.len() as u64,
        total,
        "no repository twice across pages"
    );
}
on_every_backend!(repositories_page_forward_by_owner_and_name_each_once);

async fn repositories_page_backwards_from_the_end(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let (seen, _) = paged_repositories(app, &id).await;
    let tail = app.data("query($id: ID!) { integration(id: $id) { repositories(last: 2) { pageInfo { hasPreviousPage hasNextPage } nodes { fullName } } } }", json!({ "id": id })).await;
    let tail_names: Vec<&str> = tail["integration"]["repositories"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["fullName"].as_str().unwrap())
        .collect();
    let expected_tail: Vec<&str> = seen[seen.len() - 2..]
        .iter()
        .map(|(_, n)| n.as_str())
        .collect();
    assert_eq!(tail_names, expected_tail);
    assert_eq!(
        tail["integration"]["repositories"]["pageInfo"],
        json!({ "hasPreviousPage": true, "hasNextPage": false })
    );
}
on_every_backend!(repositories_page_backwards_from_the_end);

async fn a_groups_id_under_another_integration_matches_no_repository(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let other = app.create_integration("member").await;
    let group = app
        .data(
            "query($id: ID!) { integration(id: $id) { groups { id } } }",
            json!({ "id": id }),
        )
        .await["integration"]["groups"][0]["id"]
        .clone();
    let of_group = "query($id: ID!, $g: ID!) { integration(id: $id) { repositories(first: 10, group: $g) { totalCount nodes { id } } } }";
    let own = app.data(of_group, json!({ "id": id, "g": group })).await;
    assert!(
        own["integration"]["repositories"]["totalCount"]
            .as_u64()
            .unwrap()
            > 0,
        "the group has repositories under its own integration: {own}"
    );
    let foreign = app.data(of_group, json!({ "id": other, "g": group })).await;
    assert_eq!(
        foreign["integration"]["repositories"],
        json!({ "totalCount": 0, "nodes": [] })
    );
}
on_every_backend!(a_groups_id_under_another_integration_matches_no_repository);

async fn a_page_of_more_than_100_repositories_is_refused(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let too_many = app
        .graphql(
            "query($id: ID!) { integration(id: $id) { repositories(first: 101) { totalCount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        too_many["errors"][0]["extensions"]["code"], "INVALID_PAGE_SIZE",
        "{too_many}"
    );
}
on_every_backend!(a_page_of_more_than_100_repositories_is_refused);

/// A refresh upserts by GitHub id.
async fn a_refresh_keeps_the_same_repository_rows_and_ids(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let (seen, total) = paged_repositories(app, &id).await;
    app.data(
        "mutation($id: ID!) { refreshGroups(input: {integrationId: $id}) { integration { id } } }",
        json!({ "id": id }),
    )
    .await;
    let again = app.data("query($id: ID!) { integration(id: $id) { repositories(first: 100) { totalCount nodes { id } } } }", json!({ "id": id })).await;
    assert_eq!(
        again["integration"]["repositories"]["totalCount"]
            .as_u64()
            .unwrap(),
        total
    );
    let ids: BTreeSet<&str> = again["integration"]["repositories"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let before: BTreeSet<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, before);
}
on_every_backend!(a_refresh_keeps_the_same_repository_rows_and_ids);
