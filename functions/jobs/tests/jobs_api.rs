//! Exports and erasures end to end on the emulator: the users function's
//! routes record a job, the jobs function runs it from its stream record,
//! and the job's file is downloaded from the bucket.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use axum::Router;
use serde_json::{Value, json};
use switchboard_aws::items::JobItem;
use switchboard_domain::jobs::job::Job;
use switchboard_domain::jobs::ports::JobStore;
use switchboard_domain::kernel::ids::JobId;
use switchboard_domain::privacy::requests::PersonalData;
use switchboard_domain::privacy::runner::JobRunner;
use switchboard_domain::tickets::input::{Body, NewTicket, SubjectLine};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, Calls, TestTenant};
use switchboard_wiring::services::JobRunnerService;

struct Desk {
    app: Router,
    runner: JobRunnerService,
    t: TestTenant,
}

async fn desk() -> Desk {
    let bucket = kit::bucket().await;
    let inbound = kit::bucket().await;
    let app = users::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        users::Services {
            directory: kit::directory().await,
            organizations: switchboard_domain::accounts::organizations::Organizations::new(
                kit::store().await,
            ),
            tickets: Ticketing::new(kit::store().await),
            personal_data: PersonalData::new(kit::store().await, bucket.clone()),
        },
    )));
    let runner = JobRunner::new(
        kit::store().await,
        bucket.clone(),
        bucket,
        inbound,
        Arc::new(jiff::Timestamp::now),
    );
    Desk {
        app,
        runner,
        t: TestTenant::new().await,
    }
}

/// The stream's delivery of a new job item, as the mapping hands it over.
async fn deliver(d: &Desk, job_url: &str) -> Value {
    let id: JobId = job_url.trim_start_matches("/v1/jobs/").parse().unwrap();
    let job: Job = kit::store().await.job(d.t.id, id).await.unwrap().unwrap();
    let image = serde_dynamo::to_item::<_, serde_dynamo::Item>(JobItem::from(&job)).unwrap();
    let batch: Event = serde_json::from_value(json!({"Records": [{
        "eventID": "1",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_700_000_000,
            "Keys": {"PK": {"S": "x"}, "SK": {"S": "JOB"}},
            "NewImage": serde_json::to_value(image).unwrap(),
            "SequenceNumber": "100",
            "SizeBytes": 100,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x"
    }]}))
    .unwrap();
    serde_json::to_value(jobs::handle(&d.runner, batch).await).unwrap()
}

async fn open_ticket(auth: &str, subject: &str) {
    Ticketing::new(kit::store().await)
        .create(
            &kit::principal(auth).await,
            NewTicket::new(
                SubjectLine::parse(subject).unwrap(),
                Body::parse("Ana Lima writes: the invoice is wrong.").unwrap(),
            ),
            None,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_customer_downloads_their_export_once_the_job_has_run() {
    let d = desk().await;
    let ana = d.t.person("customer", "Ana Lima").await;
    open_ticket(&ana.auth, "Invoice 7731").await;
    let other = d.t.person("customer", "Bo Brown").await;

    let r = d
        .app
        .post(
            &format!("/v1/users/{}/export", ana.id),
            json!({}),
            &other.auth,
        )
        .await;
    r.assert_problem(404, "not_found");
    let r = d
        .app
        .post(
            &format!("/v1/users/{}/export", ana.id),
            json!({}),
            &ana.auth,
        )
        .await;
    assert_eq!(r.status, 202, "{:#}", r.body);
    let job_url = r.header("location").to_owned();
    assert_eq!(
        job_url,
        format!("/v1/jobs/{}", r.body["id"].as_str().unwrap())
    );
    assert_eq!(r.body["status"], "queued");
    assert_eq!(r.body["type"], "person_export");
    assert!(r.body.get("download").is_none());

    let outcome = deliver(&d, &job_url).await;
    assert_eq!(outcome["batchItemFailures"], json!([]), "{outcome}");
    let r = d.app.get(&job_url, &ana.auth).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["status"], "done");
    assert_eq!(r.body["progress"], json!({"done": 1, "total": 1}));
    d.app
        .get(&job_url, &other.auth)
        .await
        .assert_problem(404, "not_found");

    let url = r.body["download"]["url"].as_str().unwrap();
    let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    let file: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(file["person"]["email"], ana.email);
    assert_eq!(file["tickets"][0]["subject"], "Invoice 7731");
}

#[tokio::test]
async fn an_admin_erases_a_customer_who_then_exists_only_as_a_tombstone() {
    let d = desk().await;
    let ana = d.t.person("customer", "Ana Lima").await;
    open_ticket(&ana.auth, "Invoice 7731").await;
    let path = format!("/v1/users/{}/erase", ana.id);

    let r = d.app.post(&path, json!({}), &d.t.owner).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "confirm");
    let r = d
        .app
        .post(
            &path,
            json!({"confirm": "someone@else.example"}),
            &d.t.owner,
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "mismatch");
    d.app
        .post(&path, json!({"confirm": ana.email}), &ana.auth)
        .await
        .assert_problem(403, "forbidden");

    let r = d
        .app
        .post(&path, json!({"confirm": ana.email}), &d.t.owner)
        .await;
    assert_eq!(r.status, 202, "{:#}", r.body);
    let job_url = r.header("location").to_owned();
    // Her session ended with her.
    assert_eq!(d.app.get("/v1/users", &ana.auth).await.status, 401);
    let outcome = deliver(&d, &job_url).await;
    assert_eq!(outcome["batchItemFailures"], json!([]), "{outcome}");
    let r = d.app.get(&job_url, &d.t.owner).await;
    assert_eq!(r.body["status"], "done", "{:#}", r.body);

    let person = d
        .app
        .get(&format!("/v1/users/{}", ana.id), &d.t.owner)
        .await;
    assert_eq!(person.body["name"], "Erased person");
    assert!(person.body["erasedAt"].is_string());
    let everything = format!(
        "{}{}",
        person.body,
        d.app.get("/v1/users", &d.t.owner).await.body
    );
    assert!(
        !everything.contains(&ana.email) && !everything.contains("Ana Lima"),
        "{everything}"
    );
    // Her ticket's words are gone.
    let tickets = Ticketing::new(kit::store().await);
    let owner = kit::principal(&d.t.owner).await;
    let listed = tickets
        .list(
            &owner,
            switchboard_domain::tickets::input::TicketListFilter::default(),
            &switchboard_domain::kernel::pagination::PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    let hers = listed
        .items
        .iter()
        .find(|t| t.requester_id == ana.id)
        .unwrap();
    let detail = tickets.get(&owner, hers.id).await.unwrap();
    assert!(detail.comments.iter().all(|c| c.body.is_empty()));

    // Again: the same job.
    let again = d
        .app
        .post(&path, json!({"confirm": "x@y.example"}), &d.t.owner)
        .await;
    assert_eq!(again.status, 202);
    assert_eq!(again.header("location"), job_url);
}
