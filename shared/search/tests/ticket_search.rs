//! Searching tickets through the domain's use case on the tantivy index:
//! text in subjects, replies and notes; the query language's filters;
//! permissions by construction (a customer never matches an internal
//! note, nor another's ticket; a tenant never another's); documents kept
//! up to date (deletion, redaction, an older version arriving late).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::SignedDuration;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::jobs::job::JobStatus;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::privacy::runner::{JobRunner, Ran};
use switchboard_domain::search::document::TicketDocument;
use switchboard_domain::search::ports::{IndexQueue, IndexTask, PeopleIndex, TicketIndex};
use switchboard_domain::search::query::SearchSort;
use switchboard_domain::search::rebuild::{Rebuilt, rebuild_job, request_rebuild};
use switchboard_domain::search::service::{Search, SearchRequest, SearchResults};
use switchboard_domain::tickets::input::{Body, NewComment, NewTicket, SubjectLine};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_search::TantivyIndexes;
use switchboard_testkit::{MemoryObjects, MemoryStore, TestClock, TestTenant};

struct Desk {
    clock: TestClock,
    store: MemoryStore,
    acme: TestTenant,
    tickets: Ticketing<MemoryStore>,
    search: Search<MemoryStore, TantivyIndexes>,
    index: TantivyIndexes,
}

async fn desk() -> Desk {
    let clock = TestClock::new();
    let store = MemoryStore::with_clock(clock.clone());
    let acme = TestTenant::new(&store, clock.now()).await.unwrap();
    let index = TantivyIndexes::in_memory();
    Desk {
        tickets: Ticketing::new(store.clone()),
        search: Search::new(store.clone(), index.clone()),
        clock,
        store,
        acme,
        index,
    }
}

impl Desk {
    async fn open(&self, who: &Principal, subject: &str, text: &str) -> TicketId {
        let (detail, _) = self
            .tickets
            .create(
                who,
                NewTicket::new(
                    SubjectLine::parse(subject).unwrap(),
                    Body::parse(text).unwrap(),
                ),
                None,
                self.clock.now(),
            )
            .await
            .unwrap()
            .into_inner();
        self.search
            .index_ticket(self.acme.tenant.id, detail.ticket.id)
            .await
            .unwrap();
        detail.ticket.id
    }

    async fn comment(&self, who: &Principal, id: TicketId, text: &str, public: bool) {
        let body = Body::parse(text).unwrap();
        let input = if public {
            NewComment::reply(body)
        } else {
            NewComment::note(body)
        };
        self.tickets
            .add_comment(who, id, input, None, self.clock.now())
            .await
            .unwrap();
        self.search
            .index_ticket(self.acme.tenant.id, id)
            .await
            .unwrap();
    }

    async fn find(&self, who: &Principal, q: &str) -> SearchResults {
        self.try_find(who, q).await.unwrap()
    }

    async fn try_find(&self, who: &Principal, q: &str) -> Result<SearchResults, DomainError> {
        self.search
            .tickets(
                who,
                &SearchRequest {
                    q: q.into(),
                    sort: SearchSort::Relevance,
                    descending: true,
                    offset: 0,
                    limit: 25,
                },
                self.clock.now(),
            )
            .await
    }

    async fn ids(&self, who: &Principal, q: &str) -> Vec<TicketId> {
        let found = self.find(who, q).await;
        assert_eq!(found.total, found.items.len(), "{q}: one page holds them");
        found.items.iter().map(|f| f.ticket.id).collect()
    }
}

#[tokio::test]
async fn staff_find_tickets_by_subject_reply_and_note_and_customers_by_public_text_only() {
    let d = desk().await;
    let (agent, ana) = (&d.acme.agent.principal, &d.acme.customer.principal);
    let printer = d.open(ana, "Printer on fire", "Smoke everywhere.").await;
    d.comment(agent, printer, "Try turning it off and on again.", true)
        .await;
    d.comment(agent, printer, "Vendor escalation: zebra protocol.", false)
        .await;

    assert_eq!(d.ids(agent, "printer ").await, vec![printer]);
    assert_eq!(d.ids(agent, "turning ").await, vec![printer]);
    assert_eq!(d.ids(agent, "zebra ").await, vec![printer]);
    assert_eq!(d.ids(ana, "turning ").await, vec![printer]);
    let hidden = d.find(ana, "zebra").await;
    assert_eq!(
        (hidden.total, hidden.items.len()),
        (0, 0),
        "no count, no match"
    );
    // Nor through a phrase, a prefix, or an OR.
    assert!(d.ids(ana, "\"zebra protocol\"").await.is_empty());
    assert!(d.ids(ana, "zeb").await.is_empty());
    assert!(d.ids(ana, "nothing OR zebra ").await.is_empty());
    // Excluding a note's word hides nothing from a customer...
    assert_eq!(d.ids(ana, "printer -zebra ").await, vec![printer]);

    let found = d.find(agent, "turning").await;
    let snippet = found.items[0].snippet.clone().unwrap();
    assert!(snippet.contains("<em>turning</em>"), "{snippet}");
    let subject = d.find(agent, "fire ").await.items[0]
        .subject
        .clone()
        .unwrap();
    assert_eq!(subject, "Printer on <em>fire</em>");
}

#[tokio::test]
async fn customers_find_only_tickets_they_may_read_and_tenants_only_their_own() {
    let d = desk().await;
    let ana = &d.acme.customer.principal;
    let agent = &d.acme.agent.principal;
    let hers = d
        .open(ana, "Refund for invoice 7731", "Please refund.")
        .await;
    let staff = d
        .open(agent, "Refund policy review", "Internal work.")
        .await;
    assert_eq!(d.ids(ana, "refund ").await, vec![hers]);
    let mut both = d.ids(agent, "refund ").await;
    both.sort();
    let mut expected = vec![hers, staff];
    expected.sort();
    assert_eq!(both, expected);

    let other = TestTenant::new(&d.store, d.clock.now()).await.unwrap();
    let theirs = Search::new(d.store.clone(), d.index.clone());
    let found = theirs
        .tickets(
            &other.owner.principal,
            &SearchRequest {
                q: "refund".into(),
                sort: SearchSort::Relevance,
                descending: true,
                offset: 0,
                limit: 25,
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(found.total, 0);
}

#[tokio::test]
async fn the_query_language_filters_and_pages() {
    let d = desk().await;
    let (agent, ana) = (&d.acme.agent.principal, &d.acme.customer.principal);
    let mut ids = Vec::new();
    for i in 0..5 {
        d.clock.advance(jiff::SignedDuration::from_secs(60));
        ids.push(
            d.open(ana, &format!("Scanner jam {i}"), "Paper stuck.")
                .await,
        );
    }
    let fax = d.open(ana, "Fax machine", "Beeping.").await;
    let number = d.tickets.get(agent, fax).await.unwrap().ticket.number;

    assert_eq!(d.ids(agent, &format!("#{number}")).await, vec![fax]);
    assert_eq!(d.ids(agent, "scanner OR fax status:new ").await.len(), 6);
    assert_eq!(d.ids(agent, "scan").await.len(), 5, "the word being typed");
    assert!(d.ids(agent, "scan ").await.is_empty(), "a whole word");
    assert_eq!(d.ids(agent, "scanner -jam ").await, Vec::<TicketId>::new());
    assert_eq!(d.ids(agent, "-status:new").await, Vec::<TicketId>::new());
    assert_eq!(d.ids(agent, "assignee:none priority:normal").await.len(), 6);
    assert_eq!(d.ids(agent, "created>1d").await.len(), 6);
    assert!(d.ids(agent, "created<1d").await.is_empty());

    // Newest first by creation, two a page.
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = d
            .search
            .tickets(
                agent,
                &SearchRequest {
                    q: "scanner".into(),
                    sort: SearchSort::Created,
                    descending: true,
                    offset,
                    limit: 2,
                },
                d.clock.now(),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 5);
        seen.extend(page.items.iter().map(|f| f.ticket.id));
        match page.next_offset {
            Some(next) => offset = next,
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids);

    // Customers filter by what they can see of a ticket.
    match d.try_find(ana, "tag:vip").await {
        Err(DomainError::Invalid(e)) => assert_eq!(e[0].code, "filter_not_allowed"),
        other => panic!("{other:?}"),
    }
    match d.try_find(agent, "statu:open").await {
        Err(DomainError::Invalid(e)) => {
            assert_eq!((e[0].field.as_str(), e[0].code), ("q", "unknown_filter"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn documents_follow_deletion_redaction_and_ignore_older_versions() {
    let d = desk().await;
    let (owner, ana) = (&d.acme.owner.principal, &d.acme.customer.principal);
    let tenant = d.acme.tenant.id;
    let t = d.open(ana, "Printer", "The word is xylophone.").await;
    assert_eq!(d.ids(owner, "xylophone ").await, vec![t]);

    // Deleted: gone; restored: back.
    d.tickets.delete(owner, t, d.clock.now()).await.unwrap();
    d.search.index_ticket(tenant, t).await.unwrap();
    assert!(d.ids(owner, "xylophone ").await.is_empty());
    d.tickets.restore(owner, t, d.clock.now()).await.unwrap();
    d.search.index_ticket(tenant, t).await.unwrap();
    assert_eq!(d.ids(owner, "xylophone ").await, vec![t]);

    // A redacted comment's text leaves the index.
    let detail = d.tickets.get(owner, t).await.unwrap();
    let opening = detail.comments[0].id;
    let newer = TicketDocument::of(&detail.ticket, &detail.comments, &[]);
    d.tickets
        .delete_comment(ana, t, opening, d.clock.now())
        .await
        .unwrap();
    d.search.index_ticket(tenant, t).await.unwrap();
    assert!(d.ids(owner, "xylophone ").await.is_empty());

    // A document older than the one indexed changes nothing.
    let mut stale = newer;
    stale.version = 0;
    d.index.put(tenant, &[stale]).await.unwrap();
    assert!(d.ids(owner, "xylophone ").await.is_empty());
}

/// The indexer's queue, as a list of what was sent.
#[derive(Default)]
struct Sent(std::sync::Mutex<Vec<(IndexTask, String)>>);

impl IndexQueue for Sent {
    fn send<'a>(
        &'a self,
        task: IndexTask,
        dedup: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<()>> + Send + 'a>> {
        self.0.lock().unwrap().push((task, dedup));
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test]
async fn a_rebuild_restores_a_lost_index_and_reports_its_progress() {
    let d = desk().await;
    let (owner, ana) = (&d.acme.owner.principal, &d.acme.customer.principal);
    let tenant = d.acme.tenant.id;
    let mut opened = Vec::new();
    for subject in ["Printer jam", "Printer smoke", "Printer noise"] {
        opened.push(d.open(ana, subject, "Help.").await);
    }
    d.tickets
        .delete(owner, opened[2], d.clock.now())
        .await
        .unwrap();
    d.index.clear(tenant).await.unwrap();
    d.index.clear_people(tenant).await.unwrap();
    assert!(
        d.ids(owner, "printer ").await.is_empty(),
        "the index is lost"
    );
    let people = |q: &str| switchboard_domain::search::people::PeopleRequest {
        q: q.into(),
        kind: None,
        organization_id: None,
        inactive: false,
        offset: 0,
        limit: 25,
    };
    assert_eq!(
        d.search
            .people(owner, &people("casey"))
            .await
            .unwrap()
            .total,
        0
    );

    // The operator's request is a job; the jobs worker hands it to the
    // indexer's queue, once.
    let job = request_rebuild(&d.store, tenant, d.clock.now())
        .await
        .unwrap();
    let queue = std::sync::Arc::new(Sent::default());
    let clock = d.clock.clone();
    let runner = JobRunner::new(
        d.store.clone(),
        MemoryObjects::new(),
        MemoryObjects::new(),
        MemoryObjects::new(),
        std::sync::Arc::new(move || clock.now()),
    )
    .with_index_queue(queue.clone());
    assert_eq!(runner.run(tenant, job.id).await.unwrap(), Ran::HandedOver);
    let sent = queue.0.lock().unwrap().clone();
    assert_eq!(
        sent,
        vec![(
            IndexTask::Rebuild {
                tenant_id: tenant,
                job_id: job.id
            },
            job.id.to_string()
        )]
    );

    // The indexer runs it.
    let clock = d.clock.clone();
    d.search
        .rebuild(tenant, job.id, || clock.now(), SignedDuration::from_mins(4))
        .await
        .unwrap();
    let done = rebuild_job(&d.store, tenant, job.id).await.unwrap();
    assert_eq!(done.status, JobStatus::Done);
    // Two tickets and three people (the owner, the agent, the customer).
    assert_eq!((done.progress.done, done.progress.total), (5, Some(5)));
    assert_eq!(
        d.search
            .people(owner, &people("casey"))
            .await
            .unwrap()
            .total,
        1
    );
    let mut found = d.ids(owner, "printer ").await;
    found.sort();
    let mut expected = opened[..2].to_vec();
    expected.sort();
    assert_eq!(found, expected, "the deleted ticket stays out");
    // Run again (a redelivery): nothing more happens.
    d.search
        .rebuild(tenant, job.id, || clock.now(), SignedDuration::from_mins(4))
        .await
        .unwrap();
    assert_eq!(runner.run(tenant, job.id).await.unwrap(), Ran::Skipped);
    // Another tenant's operator id is not this job.
    assert!(matches!(
        rebuild_job(
            &d.store,
            switchboard_domain::kernel::ids::TenantId::new(),
            job.id
        )
        .await,
        Err(DomainError::NotFound)
    ));
}

#[tokio::test]
async fn customers_filter_by_what_they_see_and_find_tickets_they_are_copied_on() {
    let d = desk().await;
    let (agent, ana) = (&d.acme.agent.principal, &d.acme.customer.principal);
    let tenant = d.acme.tenant.id;
    let hers = d.open(ana, "Lamp flickers", "It flickers.").await;
    // Two hours later, internal work only: a note and a file on it.
    d.clock.advance(jiff::SignedDuration::from_hours(2));
    d.comment(agent, hers, "Checked the wiring.", false).await;
    let internal_file = switchboard_domain::attachments::attachment::Attachment {
        id: switchboard_domain::kernel::ids::AttachmentId::new(),
        tenant_id: tenant,
        ticket_id: hers,
        comment_id: None,
        public: false,
        filename: "wiring.png".into(),
        content_type: "image/png".into(),
        size: 3,
        uploaded_by: agent.actor(),
        created_at: d.clock.now(),
    };
    use switchboard_domain::attachments::ports::AttachmentStore;
    d.store.attach(&[internal_file], &[]).await.unwrap();
    d.search.index_ticket(tenant, hers).await.unwrap();

    assert_eq!(d.ids(agent, "updated>1h").await, vec![hers]);
    assert_eq!(d.ids(agent, "has:attachment").await, vec![hers]);
    // The customer's clock did not move, and the file is not theirs to see.
    assert!(d.ids(ana, "updated>1h").await.is_empty());
    assert_eq!(d.ids(ana, "updated<1h").await, vec![hers]);
    assert!(d.ids(ana, "has:attachment").await.is_empty());
    assert_eq!(
        d.find(ana, "lamp ").await.items[0].score,
        0.0,
        "no relevance for customers"
    );

    // A ticket of the agent's, Ana copied on it: hers to find.
    let copied = d.open(agent, "Lamp order", "Ordering lamps.").await;
    let address = d.acme.customer.user.email.as_str().to_owned();
    d.tickets
        .update(
            agent,
            copied,
            switchboard_domain::tickets::input::TicketPatch {
                cc: Some(
                    switchboard_domain::tickets::input::Participants::parse(&[address]).unwrap(),
                ),
                ..Default::default()
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    d.search.index_ticket(tenant, copied).await.unwrap();
    let mut found = d.ids(ana, "lamp ").await;
    found.sort();
    let mut both = vec![hers, copied];
    both.sort();
    assert_eq!(found, both);
}

#[tokio::test]
async fn a_rebuild_out_of_time_continues_where_it_stopped_and_a_failed_page_is_retried() {
    let d = desk().await;
    let (owner, ana) = (&d.acme.owner.principal, &d.acme.customer.principal);
    let tenant = d.acme.tenant.id;
    // More than a page (100) of tickets, written without indexing them.
    for i in 0..130 {
        d.tickets
            .create(
                ana,
                NewTicket::new(
                    SubjectLine::parse(&format!("Kettle {i}")).unwrap(),
                    Body::parse("Boils dry.").unwrap(),
                ),
                None,
                d.clock.now(),
            )
            .await
            .unwrap();
    }
    let job = request_rebuild(&d.store, tenant, d.clock.now())
        .await
        .unwrap();
    let clock = d.clock.clone();
    let run = || {
        d.search
            .rebuild(tenant, job.id, || clock.now(), SignedDuration::ZERO)
    };

    // No time at all: one page per invocation, each saying where it is.
    assert_eq!(run().await.unwrap(), Rebuilt::Continue { done: 100 });
    let halfway = rebuild_job(&d.store, tenant, job.id).await.unwrap();
    assert_eq!(
        (halfway.status, halfway.progress.done),
        (JobStatus::Running, 100)
    );
    assert_eq!(
        d.find(owner, "kettle").await.total,
        100,
        "searchable as it goes"
    );

    // A failure mid-page: the next delivery resumes from the same place.
    d.store.fail_next_call_to(
        "list_tickets",
        switchboard_domain::StoreError::Unavailable("a hiccup".into()),
    );
    assert!(run().await.is_err());
    assert_eq!(run().await.unwrap(), Rebuilt::Continue { done: 130 });
    // Then the people (owner, agent, customer), and it is done.
    assert_eq!(run().await.unwrap(), Rebuilt::Over);
    let done = rebuild_job(&d.store, tenant, job.id).await.unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!((done.progress.done, done.progress.total), (133, Some(133)));
    assert_eq!(done.attempts, 1, "continuations are not new attempts");
    assert_eq!(done.checkpoint, None);
    assert_eq!(d.find(owner, "kettle").await.total, 130);
    assert_eq!(
        run().await.unwrap(),
        Rebuilt::Over,
        "a finished job stays so"
    );
}

#[tokio::test]
async fn words_are_split_as_the_index_split_them_and_results_count_by_status() {
    let d = desk().await;
    let (agent, ana) = (&d.acme.agent.principal, &d.acme.customer.principal);
    let invoice = d
        .open(
            ana,
            "Invoice INV-2041 is wrong",
            "Mail me at ana.lima@globex.example",
        )
        .await;
    let other = d.open(ana, "E-mail bounces", "Since Monday.").await;
    d.open(ana, "Nothing to see", "Hello.").await;

    // Punctuated words match as the phrase of their parts, typed or whole.
    assert_eq!(d.ids(agent, "inv-2041 ").await, vec![invoice]);
    assert_eq!(d.ids(agent, "INV-2041").await, vec![invoice]);
    assert_eq!(
        d.ids(agent, "ana.lima@globex.example ").await,
        vec![invoice]
    );
    assert_eq!(d.ids(agent, "e-mail ").await, vec![other]);
    assert!(d.ids(agent, "inv-2042 ").await.is_empty());
    // A word of punctuation alone is left out, not a match for nothing.
    assert_eq!(d.ids(agent, "invoice -- ").await, vec![invoice]);

    // Counts cover every match, not only the page's.
    d.tickets
        .update(
            agent,
            other,
            switchboard_domain::tickets::input::TicketPatch {
                status: Some(switchboard_domain::tickets::ticket::Status::Pending),
                ..Default::default()
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    d.search
        .index_ticket(d.acme.tenant.id, other)
        .await
        .unwrap();
    let page = d
        .search
        .tickets(
            agent,
            &SearchRequest {
                q: String::new(),
                sort: SearchSort::Created,
                descending: true,
                offset: 0,
                limit: 1,
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.total), (1, 3));
    use switchboard_domain::tickets::ticket::Status;
    assert_eq!(
        page.by_status.into_iter().collect::<Vec<_>>(),
        [(Status::New, 2), (Status::Pending, 1)]
    );
}

#[tokio::test]
async fn a_word_the_index_does_not_keep_matches_nothing() {
    let d = desk().await;
    let (agent, ana) = (&d.acme.agent.principal, &d.acme.customer.principal);
    let long = "a".repeat(41);
    d.open(ana, "Hash mismatch", &format!("The hash was {long}."))
        .await;
    assert!(d.ids(agent, &format!("{long} ")).await.is_empty());
    assert!(d.ids(agent, &format!("hash {long} ")).await.is_empty());
    assert_eq!(d.ids(agent, &format!("hash -{long} ")).await.len(), 1);
}
