//! The indexer on the emulator: a batch of one tenant's changes lands in
//! one commit per index (the manifests' versions say how many), each
//! ticket and person found afterwards; an unreadable message fails itself
//! and every message after it (a FIFO group must not run ahead), and the
//! ones before it are indexed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use search_indexer::Indexers;
use switchboard_aws::keys;
use switchboard_domain::kb::service::KnowledgeBase;
use switchboard_domain::kernel::ids::{TenantId, TicketId, UserId};
use switchboard_domain::search::people::PeopleRequest;
use switchboard_domain::search::ports::{IndexQueue, IndexTask};
use switchboard_domain::search::query::SearchSort;
use switchboard_domain::search::service::{Search, SearchRequest};
use switchboard_domain::tickets::input::{Body, NewTicket, SubjectLine};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, TestTenant};
use switchboard_search::SharedIndexes;
use switchboard_wiring::services::SearchService;

/// What a rebuild handed back to the queue.
#[derive(Default)]
struct Sent {
    tasks: std::sync::Mutex<Vec<(IndexTask, String)>>,
}

impl IndexQueue for Sent {
    fn send<'a>(
        &'a self,
        task: IndexTask,
        dedup: String,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = switchboard_domain::kernel::error::StoreResult<()>>
                + Send
                + 'a,
        >,
    > {
        self.tasks.lock().unwrap().push((task, dedup));
        Box::pin(async { Ok(()) })
    }
}

async fn service() -> Indexers {
    let config = kit::emulator().await;
    let s3 = switchboard_aws::config::s3(&config);
    let bucket = format!("index-{}", ulid::Ulid::new().to_string().to_lowercase());
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let indexes = SharedIndexes::new(
        s3,
        bucket,
        switchboard_aws::config::dynamodb(&config),
        std::env::var("SWITCHBOARD_TEST_TABLE").unwrap(),
        std::env::temp_dir().join(format!("indexer-{}", ulid::Ulid::new())),
    );
    Indexers {
        search: Search::new(kit::store().await, indexes.clone()),
        kb: KnowledgeBase::new(kit::store().await, indexes),
    }
}

/// How many commits an index has had (its manifest's version).
async fn commits(tenant: TenantId, index: &str) -> u64 {
    let key = keys::search_manifest(tenant, index);
    let item = kit::store()
        .await
        .client()
        .get_item()
        .table_name(std::env::var("SWITCHBOARD_TEST_TABLE").unwrap())
        .key("PK", AttributeValue::S(key.pk))
        .key("SK", AttributeValue::S(key.sk))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item;
    item.and_then(|i| i.get("version")?.as_n().ok()?.parse().ok())
        .unwrap_or(0)
}

fn message(id: &str, body: String) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.into());
    m.body = Some(body);
    m
}

fn ticket_task(tenant: TenantId, ticket: TicketId) -> String {
    serde_json::to_string(&IndexTask::ticket_change(tenant, ticket)).unwrap()
}

fn person_task(tenant: TenantId, user: UserId) -> String {
    serde_json::to_string(&IndexTask::Person {
        tenant_id: tenant,
        user_id: user,
    })
    .unwrap()
}

async fn open(t: &TestTenant, subject: &str) -> TicketId {
    let owner = kit::principal(&t.owner).await;
    let (detail, _) = Ticketing::new(kit::store().await)
        .create(
            &owner,
            NewTicket::new(
                SubjectLine::parse(subject).unwrap(),
                Body::parse("Help.").unwrap(),
            ),
            None,
            Timestamp::now(),
        )
        .await
        .unwrap()
        .into_inner();
    detail.ticket.id
}

async fn found(search: &SearchService, t: &TestTenant, q: &str) -> usize {
    let owner = kit::principal(&t.owner).await;
    let request = SearchRequest {
        q: q.into(),
        sort: SearchSort::Relevance,
        descending: true,
        offset: 0,
        limit: 25,
    };
    search
        .tickets(&owner, &request, Timestamp::now())
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn a_batch_of_one_tenants_changes_lands_in_one_commit_per_index() {
    let indexers = service().await;
    let search = &indexers.search;
    let t = TestTenant::new().await;
    let ana = t.person("customer", "Ana Quintero").await;
    let mut tickets = Vec::new();
    for subject in ["Vortex one", "Vortex two", "Vortex three"] {
        tickets.push(open(&t, subject).await);
    }
    // The same ticket twice, as a ticket's two events would.
    let mut records: Vec<SqsMessage> = tickets
        .iter()
        .chain(std::iter::once(&tickets[0]))
        .enumerate()
        .map(|(i, id)| message(&format!("m{i}"), ticket_task(t.id, *id)))
        .collect();
    records.push(message("p", person_task(t.id, ana.id)));
    let mut batch = SqsEvent::default();
    batch.records = records;

    let response = search_indexer::handle(
        &indexers,
        &Sent::default(),
        search_indexer::REBUILD_BUDGET,
        batch,
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(found(search, &t, "vortex").await, 3);
    assert_eq!(
        commits(t.id, "tickets.2").await,
        1,
        "one commit for the tickets"
    );
    assert_eq!(commits(t.id, "people.1").await, 1, "one for the person");
    let owner = kit::principal(&t.owner).await;
    let people = search
        .people(
            &owner,
            &PeopleRequest {
                q: "quintero".into(),
                kind: None,
                organization_id: None,
                inactive: false,
                offset: 0,
                limit: 25,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        people.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        [ana.id]
    );
}

#[tokio::test]
async fn an_unreadable_message_fails_itself_and_all_after_it() {
    let indexers = service().await;
    let search = &indexers.search;
    let t = TestTenant::new().await;
    let first = open(&t, "Nimbus before").await;
    let after = open(&t, "Nimbus after").await;
    let mut batch = SqsEvent::default();
    batch.records = vec![
        message("a", ticket_task(t.id, first)),
        message("b", "{\"not\": \"a task\"}".into()),
        message("c", ticket_task(t.id, after)),
    ];
    let response = search_indexer::handle(
        &indexers,
        &Sent::default(),
        search_indexer::REBUILD_BUDGET,
        batch,
    )
    .await;
    let failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, ["b", "c"]);
    assert_eq!(found(search, &t, "before").await, 1);
    assert_eq!(
        found(search, &t, "after").await,
        0,
        "not run ahead of a failure"
    );
}

#[tokio::test]
async fn a_rebuild_out_of_time_hands_itself_back_to_the_queue() {
    let indexers = service().await;
    let search = &indexers.search;
    let t = TestTenant::new().await;
    open(&t, "Zephyr down").await;
    let job = switchboard_domain::search::rebuild::request_rebuild(
        &kit::store().await,
        t.id,
        Timestamp::now(),
    )
    .await
    .unwrap();
    let task = IndexTask::Rebuild {
        tenant_id: t.id,
        job_id: job.id,
    };
    let queue = Sent::default();
    let mut batch = SqsEvent::default();
    batch.records = vec![message("r", serde_json::to_string(&task).unwrap())];
    // Almost no time: a page (the one ticket), then back to the queue.
    let response = search_indexer::handle(
        &indexers,
        &queue,
        jiff::SignedDuration::from_millis(20),
        batch.clone(),
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    let sent = queue.tasks.lock().unwrap().clone();
    assert_eq!(sent, [(task, format!("{}:1", job.id))]);
    // The next delivery writes the people and finishes.
    let response =
        search_indexer::handle(&indexers, &queue, search_indexer::REBUILD_BUDGET, batch).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        queue.tasks.lock().unwrap().len(),
        1,
        "nothing more to hand back"
    );
    let done = switchboard_domain::search::rebuild::rebuild_job(&kit::store().await, t.id, job.id)
        .await
        .unwrap();
    assert_eq!(done.status, switchboard_domain::jobs::job::JobStatus::Done);
    assert_eq!(done.progress.total, Some(2), "the ticket and the owner");
    assert_eq!(found(search, &t, "zephyr").await, 1);
}

#[tokio::test]
async fn a_second_rebuild_in_a_batch_gets_only_what_the_first_left() {
    let indexers = service().await;
    let (a, b) = (TestTenant::new().await, TestTenant::new().await);
    let mut tasks = Vec::new();
    for t in [&a, &b] {
        open(t, "Borealis").await;
        let job = switchboard_domain::search::rebuild::request_rebuild(
            &kit::store().await,
            t.id,
            Timestamp::now(),
        )
        .await
        .unwrap();
        tasks.push((
            IndexTask::Rebuild {
                tenant_id: t.id,
                job_id: job.id,
            },
            job.id,
        ));
    }
    let queue = Sent::default();
    let mut batch = SqsEvent::default();
    batch.records = tasks
        .iter()
        .enumerate()
        .map(|(i, (task, _))| message(&format!("r{i}"), serde_json::to_string(task).unwrap()))
        .collect();
    let response = search_indexer::handle(
        &indexers,
        &queue,
        jiff::SignedDuration::from_millis(20),
        batch,
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    // The first did a page and goes on; the second goes back untouched.
    let sent = queue.tasks.lock().unwrap().clone();
    assert_eq!(
        sent,
        [
            (tasks[0].0, format!("{}:1", tasks[0].1)),
            (tasks[1].0, format!("{}:again:r1", tasks[1].1)),
        ]
    );
    let untouched =
        switchboard_domain::search::rebuild::rebuild_job(&kit::store().await, b.id, tasks[1].1)
            .await
            .unwrap();
    assert_eq!(
        untouched.status,
        switchboard_domain::jobs::job::JobStatus::Queued
    );
}
