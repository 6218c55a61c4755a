//! The route check: every HttpApi route in template.yaml is served by the
//! function it names, and every route a function serves is in the template.
//! A function's route table is also what builds its router, so the two
//! cannot drift apart unnoticed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use devstack::template::{self, Template, offline_context};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type RouteSet = BTreeSet<(String, String)>;

fn served() -> BTreeMap<&'static str, RouteSet> {
    fn set(routes: &[(http::Method, &'static str)]) -> RouteSet {
        routes
            .iter()
            .map(|(m, p)| (m.as_str().to_owned(), (*p).to_owned()))
            .collect()
    }
    BTreeMap::from([
        ("auth", set(auth::routes().declared())),
        ("tenants", set(tenants::routes().declared())),
        ("users", set(users::routes().declared())),
        ("search", set(search::routes().declared())),
        ("analytics", set(analytics::routes().declared())),
        ("audit", set(audit::routes().declared())),
        ("kb", set(kb::routes().declared())),
        ("help-center", set(help_center::routes().declared())),
        ("teams", set(teams::routes().declared())),
        ("tickets", set(tickets::routes().declared())),
        ("notifications", set(notifications::routes().declared())),
        ("realtime", set(realtime::routes().declared())),
        ("webhooks", set(webhooks::routes().declared())),
        ("mailboxes", set(mailboxes::routes().declared())),
        ("sla", set(sla::routes().declared())),
        ("automation", set(automation::routes().declared())),
    ])
}

#[test]
fn template_routes_and_function_routes_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let template = Template::load(&root.join("template.yaml")).unwrap();
    let ctx = offline_context(&template, "switchboard");
    let functions = template::functions(&template, &ctx).unwrap();
    let served = served();
    let mut problems = Vec::new();
    let mut seen_keys = BTreeSet::new();

    for f in &functions {
        let in_template: RouteSet = f
            .http_routes
            .iter()
            .map(|r| (r.method.clone(), r.path.clone()))
            .collect();
        for r in &f.http_routes {
            if !seen_keys.insert(r.key()) {
                problems.push(format!("{} is routed twice in the template", r.key()));
            }
        }
        match served.get(f.binary.as_str()) {
            None if in_template.is_empty() => {}
            None => problems.push(format!(
                "{} has HttpApi routes but the route check does not know binary `{}`: add its routes() here",
                f.logical_id, f.binary
            )),
            Some(by_function) => {
                for (m, p) in in_template.difference(by_function) {
                    problems.push(format!("template sends {m} {p} to `{}`, which does not serve it", f.binary));
                }
                for (m, p) in by_function.difference(&in_template) {
                    problems.push(format!("`{}` serves {m} {p}, which the template does not route to it", f.binary));
                }
            }
        }
    }
    for binary in served.keys() {
        if !functions.iter().any(|f| f.binary == *binary) {
            problems.push(format!(
                "`{binary}` has routes but no function in the template"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "route check failed:\n  {}",
        problems.join("\n  ")
    );
}
