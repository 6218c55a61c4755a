//! Erasing a customer (GDPR): their account becomes a tombstone at once;
//! the job then redacts what they wrote, deletes their files and the mail
//! they sent, takes their address off tickets and their history, and
//! forgets the records kept of their mail. Tickets and their numbers stay.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;
mod privacy_support;

use channels_support::{fields, page, raw_mail};
use privacy_support::{ANA, story};
use switchboard_domain::DomainError;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::user::{Email, Role};
use switchboard_domain::attachments::ports::AttachmentStore;
use switchboard_domain::email::ports::{Bounces, MessageLog};
use switchboard_domain::jobs::job::{Job, JobStatus, Work};
use switchboard_domain::jobs::ports::JobStore;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::JobId;
use switchboard_domain::privacy::runner::{NotYet, Ran};

/// Ana (erased or not) answers her old ticket at its signed reply address,
/// with its `[#n]` tag and, when given, referencing her first mail.
async fn reply_to_her_ticket(
    s: &privacy_support::Story,
    in_reply_to: Option<&str>,
) -> switchboard_domain::email::intake::Decision {
    let d = &s.desk;
    let number = d.detail(s.hers).await.ticket.number;
    let reply_address = channels_support::replies().address(d.acme.id(), number);
    let subject = format!("Re: [#{number}] Invoice 7731 is wrong");
    let id = format!("<{}>", channels_support::message_id());
    let referenced = in_reply_to.map(|m| format!("<{m}>"));
    let mut headers = vec![
        ("From", ANA),
        ("To", reply_address.as_str()),
        ("Subject", subject.as_str()),
        ("Message-ID", id.as_str()),
    ];
    if let Some(r) = &referenced {
        headers.push(("In-Reply-To", r.as_str()));
    }
    d.receive(&reply_address, &raw_mail(&headers, "Me again."))
        .await
}

#[tokio::test]
async fn an_erased_customer_is_a_tombstone_and_nothing_they_wrote_or_sent_remains() {
    let s = story().await;
    let d = &s.desk;
    let owner = &d.acme.owner.principal;
    let tenant = d.acme.id();
    let job = s
        .requests()
        .erase(owner, s.ana.id, "Ana.Lima@GLOBEX.example ", d.clock.now())
        .await
        .unwrap();

    // At once: a tombstone that no address finds, and the audit event.
    let ana = d.store.user(tenant, s.ana.id).await.unwrap().unwrap();
    assert!(ana.is_erased() && !ana.is_active());
    assert_eq!(ana.name, "Erased person");
    assert!(!ana.email.as_str().contains("ana"));
    assert!(
        d.store
            .user_by_email(tenant, &Email::parse(ANA).unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(!ana.accepts_session_from(d.clock.now() - jiff::SignedDuration::from_secs(1)));
    let events = d.store.take_events();
    let erased = events
        .iter()
        .find(|e| e.kind == EventType::UserErased)
        .unwrap();
    assert_eq!(erased.subject.user_id, Some(s.ana.id));
    assert_eq!(erased.data["jobId"], job.id.to_string());
    assert!(!erased.data.to_string().contains("ana"), "{}", erased.data);
    assert_eq!(job.status, JobStatus::Queued);

    // The job.
    assert_eq!(s.run(&job).await, Ran::Done);
    // Each redaction is announced as any other (live views, webhooks and
    // the search index drop the text), and carries none.
    let redacted = d.store.take_events();
    assert!(!redacted.is_empty());
    for e in &redacted {
        assert_eq!(e.kind, EventType::CommentDeleted);
        assert_eq!(e.data["body"], "");
    }
    let done = s.job(&job).await;
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!(done.progress.done, done.progress.total.unwrap());
    assert!(matches!(
        done.work,
        Work::PersonErasure { address: None, .. }
    ));

    // Her words are gone from both tickets; the agent's stay.
    for ticket in [s.hers, s.bos] {
        let comments = d
            .ticketing
            .list_comments(owner, ticket, &page(100))
            .await
            .unwrap()
            .items;
        for c in &comments {
            if c.author_id == Some(s.ana.id) {
                assert!(c.body.is_empty() && c.deleted_at.is_some(), "{c:?}");
            }
        }
        let shown = format!("{comments:?}");
        assert!(
            !shown.contains("Ana Lima") && !shown.contains(ANA),
            "{shown}"
        );
    }
    let hers = d.detail(s.hers).await;
    assert!(
        hers.comments
            .iter()
            .any(|c| c.body == "We refunded the seat."),
        "the agent's reply stays"
    );
    assert_eq!(hers.ticket.requester_id, s.ana.id, "the ticket stays hers");

    // Her address is off Bo's ticket and out of its history.
    let bos = d.detail(s.bos).await.ticket;
    assert!(bos.cc.is_empty());
    let history = d.ticketing.history(owner, s.bos).await.unwrap();
    assert!(!format!("{history:?}").contains(ANA), "{history:?}");

    // Her file, her mail as received, its record and her bounce are gone.
    assert!(
        d.store
            .attachment(tenant, s.file.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(d.objects.file(&s.file).is_none());
    assert!(d.objects.bytes("inbound/raw-object").is_none());
    assert!(
        d.store
            .message(tenant, &s.first_mail)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!d.store.is_bouncing(tenant, ANA).await.unwrap());
    assert!(d.recorded("created").await.is_empty());

    // Asking again changes nothing: the same job, no event, no new run.
    let again = s
        .requests()
        .erase(owner, s.ana.id, "anything", d.clock.now())
        .await
        .unwrap();
    assert_eq!(again.id, job.id);
    assert!(d.store.take_events().is_empty());
    assert_eq!(s.run(&job).await, Ran::Skipped);
}

#[tokio::test]
async fn new_mail_from_an_erased_address_opens_a_new_ticket() {
    let s = story().await;
    let d = &s.desk;
    let job = s
        .requests()
        .erase(&d.acme.owner.principal, s.ana.id, ANA, d.clock.now())
        .await
        .unwrap();
    s.run(&job).await;
    // To the signed reply address, referencing her first mail, tagged.
    let decision = reply_to_her_ticket(&s, Some(&s.first_mail)).await;
    assert_eq!(decision.decision, "created", "{decision:?}");
    assert_ne!(decision.ticket_id, Some(s.hers));
    let newcomer = d
        .store
        .user_by_email(d.acme.id(), &Email::parse(ANA).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(newcomer.id, s.ana.id);
}

#[tokio::test]
async fn only_admins_erase_only_customers_and_only_with_their_address() {
    let s = story().await;
    let d = &s.desk;
    let now = d.clock.now();
    let owner = &d.acme.owner.principal;
    assert!(matches!(
        s.requests()
            .erase(&d.acme.agent.principal, s.ana.id, ANA, now)
            .await,
        Err(DomainError::Forbidden)
    ));
    assert_eq!(
        fields(
            s.requests()
                .erase(owner, s.ana.id, "bo@globex.example", now)
                .await
        ),
        vec![("confirm".to_owned(), "mismatch")]
    );
    let agent = &d.acme.agent.user;
    assert_eq!(agent.role, Role::Agent);
    assert_eq!(
        fields(
            s.requests()
                .erase(owner, agent.id, agent.email.as_str(), now)
                .await
        ),
        vec![("id".to_owned(), "not_a_customer")]
    );
    let other = channels_support::other_helpdesk(&d.store, &d.clock).await;
    assert!(matches!(
        s.requests()
            .erase(&other.owner.principal, s.ana.id, ANA, now)
            .await,
        Err(DomainError::NotFound)
    ));
    // Nothing was erased by any of these.
    let ana = d.store.user(d.acme.id(), s.ana.id).await.unwrap().unwrap();
    assert!(!ana.is_erased());
    assert!(d.store.take_events().is_empty());
}

#[tokio::test]
async fn an_erasure_that_was_not_written_stops_at_its_job_which_then_does_nothing() {
    let s = story().await;
    let d = &s.desk;
    let owner = &d.acme.owner.principal;
    // The tombstone's write fails after the job was recorded.
    d.store.fail_next_call_to(
        "update_user",
        switchboard_domain::StoreError::Unavailable("down".into()),
    );
    let err = s
        .requests()
        .erase(owner, s.ana.id, ANA, d.clock.now())
        .await;
    assert!(matches!(err, Err(DomainError::Store(_))), "{err:?}");
    assert!(
        !d.store
            .user(d.acme.id(), s.ana.id)
            .await
            .unwrap()
            .unwrap()
            .is_erased()
    );

    // Such a job waits (the worker is retried) and touches nothing.
    let orphan = Job::new(
        JobId::new(),
        d.acme.id(),
        Work::PersonErasure {
            user_id: s.ana.id,
            address: Email::parse(ANA).ok(),
            organization_id: None,
        },
        owner.actor(),
        d.clock.now(),
    );
    d.store.create_job(&orphan, &[]).await.unwrap();
    assert!(matches!(
        s.runner().run(d.acme.id(), orphan.id).await,
        Err(NotYet::NotErased)
    ));
    let untouched = d
        .ticketing
        .list_comments(owner, s.hers, &page(100))
        .await
        .unwrap()
        .items;
    assert!(untouched.iter().all(|c| c.deleted_at.is_none()));
    assert!(
        d.store
            .attachment(d.acme.id(), s.file.id)
            .await
            .unwrap()
            .is_some()
    );

    // Once another request erased her, the orphan fails as superseded.
    let job = s
        .requests()
        .erase(owner, s.ana.id, ANA, d.clock.now())
        .await
        .unwrap();
    assert_eq!(s.run(&orphan).await, Ran::Failed("superseded".into()));
    let void = d.store.job(d.acme.id(), orphan.id).await.unwrap().unwrap();
    assert_eq!(void.status, JobStatus::Failed);
    assert!(matches!(
        void.work,
        Work::PersonErasure { address: None, .. }
    ));
    assert_eq!(s.run(&job).await, Ran::Done);
}

#[tokio::test]
async fn deleted_tickets_are_erased_too_so_a_restore_brings_nothing_back() {
    let s = story().await;
    let d = &s.desk;
    let owner = &d.acme.owner.principal;
    let now = d.clock.now();
    d.ticketing.delete(owner, s.hers, now).await.unwrap();
    d.ticketing.delete(owner, s.bos, now).await.unwrap();
    let job = s.requests().erase(owner, s.ana.id, ANA, now).await.unwrap();
    assert_eq!(s.run(&job).await, Ran::Done);
    for ticket in [s.hers, s.bos] {
        d.ticketing.restore(owner, ticket, now).await.unwrap();
        let detail = d.detail(ticket).await;
        let shown = format!("{:?}{:?}", detail.ticket, detail.comments);
        assert!(
            !shown.contains(ANA) && !shown.contains("Ana Lima"),
            "{shown}"
        );
    }
    assert!(
        d.store
            .attachment(d.acme.id(), s.file.id)
            .await
            .unwrap()
            .is_none()
    );
    // Bo's restored ticket lists nobody copied: no one can claim it by
    // her address.
    assert!(d.detail(s.bos).await.ticket.cc.is_empty());
}

#[tokio::test]
async fn a_failed_erasure_is_run_again_when_asked_again() {
    let s = story().await;
    let d = &s.desk;
    let owner = &d.acme.owner.principal;
    let job = s
        .requests()
        .erase(owner, s.ana.id, ANA, d.clock.now())
        .await
        .unwrap();
    d.objects
        .fail_next(switchboard_domain::StoreError::Internal(
            "access denied".into(),
        ));
    assert!(matches!(s.run(&job).await, Ran::Failed(_)));
    let failed = s.job(&job).await;
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(
        failed.error.as_deref(),
        Some("the job could not finish; ask again to retry"),
        "no store detail reaches the caller"
    );
    let again = s
        .requests()
        .erase(owner, s.ana.id, "", d.clock.now())
        .await
        .unwrap();
    assert_ne!(again.id, job.id);
    assert_eq!(s.run(&again).await, Ran::Done);
    assert!(
        d.store
            .attachment(d.acme.id(), s.file.id)
            .await
            .unwrap()
            .is_none()
    );
    let ana = d.store.user(d.acme.id(), s.ana.id).await.unwrap().unwrap();
    assert_eq!(ana.erasure.unwrap().job_id, again.id);
    // The failed one is void now.
    assert_eq!(s.run(&failed).await, Ran::Skipped);
}

#[tokio::test]
async fn an_erased_person_cannot_be_given_back_a_name_address_or_organisation() {
    let s = story().await;
    let d = &s.desk;
    let owner = &d.acme.owner.principal;
    let now = d.clock.now();
    s.requests().erase(owner, s.ana.id, ANA, now).await.unwrap();
    let directory = switchboard_testkit::fixtures::directory(d.store.clone()).unwrap();
    let patch = switchboard_domain::accounts::input::UserPatch {
        name: Some("Ana Lima".into()),
        ..Default::default()
    };
    assert_eq!(
        fields(
            directory
                .update_user(owner, s.ana.id, patch, None, now)
                .await
        ),
        vec![("id".to_owned(), "erased")]
    );
    assert_eq!(
        fields(
            directory
                .set_organization(owner, s.ana.id, None, None, now)
                .await
        ),
        vec![("id".to_owned(), "erased")]
    );
}

#[tokio::test]
async fn earlier_exports_are_deleted_and_no_longer_offered() {
    let s = story().await;
    let d = &s.desk;
    let export = s
        .requests()
        .request_export(&s.ana_signed_in, s.ana.id, d.clock.now())
        .await
        .unwrap();
    s.run(&export).await;
    let exported = s.job(&export).await;
    assert!(s.requests().download(&exported).await.unwrap().is_some());
    let file = exported.file.clone().unwrap();
    assert!(d.objects.bytes(&file).is_some());

    let job = s
        .requests()
        .erase(&d.acme.owner.principal, s.ana.id, ANA, d.clock.now())
        .await
        .unwrap();
    assert!(
        s.requests().download(&exported).await.unwrap().is_none(),
        "no link once she is erased, even before the job runs"
    );
    s.run(&job).await;
    assert!(d.objects.bytes(&file).is_none());
}

#[tokio::test]
async fn an_erasure_whose_person_never_became_a_tombstone_is_abandoned_in_time() {
    let s = story().await;
    let d = &s.desk;
    let orphan = Job::new(
        JobId::new(),
        d.acme.id(),
        Work::PersonErasure {
            user_id: s.ana.id,
            address: Email::parse(ANA).ok(),
            organization_id: None,
        },
        d.acme.owner.principal.actor(),
        d.clock.now(),
    );
    d.store.create_job(&orphan, &[]).await.unwrap();
    d.clock.advance(
        switchboard_domain::privacy::runner::ORPHAN_AFTER + jiff::SignedDuration::from_secs(1),
    );
    assert_eq!(s.run(&orphan).await, Ran::Failed("not erased".into()));
    let void = d.store.job(d.acme.id(), orphan.id).await.unwrap().unwrap();
    assert!(matches!(
        void.work,
        Work::PersonErasure { address: None, .. }
    ));
    assert!(
        !d.store
            .user(d.acme.id(), s.ana.id)
            .await
            .unwrap()
            .unwrap()
            .is_erased()
    );
}

#[tokio::test]
async fn mail_from_the_address_does_not_reach_the_old_tickets_through_an_organisation() {
    use switchboard_domain::accounts::organization::{NewOrganization, SharedTickets};
    use switchboard_domain::accounts::organizations::Organizations;
    let s = story().await;
    let d = &s.desk;
    let owner = &d.acme.owner.principal;
    // Globex shares tickets to answer; Ana is in it.
    let org = Organizations::new(d.store.clone())
        .create(
            owner,
            NewOrganization {
                name: "Globex".into(),
                domains: ["globex.example".to_owned()].into(),
                notes: String::new(),
                shared_tickets: SharedTickets::Comment,
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    let directory = switchboard_testkit::fixtures::directory(d.store.clone()).unwrap();
    directory
        .set_organization(owner, s.ana.id, Some(org.id), None, d.clock.now())
        .await
        .unwrap();
    let job = s
        .requests()
        .erase(owner, s.ana.id, ANA, d.clock.now())
        .await
        .unwrap();
    s.run(&job).await;
    let decision = reply_to_her_ticket(&s, None).await;
    assert_eq!(decision.decision, "created", "{decision:?}");
    assert_ne!(decision.ticket_id, Some(s.hers));
}

#[tokio::test]
async fn an_erased_customers_words_leave_their_rating_and_its_score_stays() {
    use switchboard_domain::accounts::tenant::{SatisfactionSettings, TenantPatch};
    use switchboard_domain::tickets::input::TicketPatch;
    use switchboard_domain::tickets::ports::TicketStore;
    use switchboard_domain::tickets::satisfaction::Rating;
    use switchboard_domain::tickets::ticket::{Score, Status};

    let s = story().await;
    let d = &s.desk;
    let owner = &d.acme.owner.principal;
    let tenant = switchboard_testkit::fixtures::accounts(d.store.clone())
        .unwrap()
        .update_tenant(
            owner,
            TenantPatch {
                satisfaction: Some(SatisfactionSettings {
                    enabled: true,
                    reopen_on_bad: false,
                }),
                ..TenantPatch::default()
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    let mut ana = privacy_support::signed_in(d, &s.ana);
    ana.tenant = tenant;
    d.ticketing
        .update(
            owner,
            s.hers,
            TicketPatch {
                status: Some(Status::Solved),
                ..TicketPatch::default()
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    let words = "Ana Lima here: still wrong";
    d.ticketing
        .rate(
            &ana,
            s.hers,
            Rating {
                score: Score::Bad,
                comment: Some(words.into()),
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    let job = s
        .requests()
        .erase(owner, s.ana.id, "Ana.Lima@GLOBEX.example ", d.clock.now())
        .await
        .unwrap();
    assert_eq!(s.run(&job).await, Ran::Done);
    let ticket = d.store.ticket(d.acme.id(), s.hers).await.unwrap().unwrap();
    let rating = ticket.satisfaction.unwrap();
    assert_eq!((rating.score, rating.comment), (Score::Bad, None));
    let history = d.ticketing.history(owner, s.hers).await.unwrap();
    let kept = format!("{history:?}");
    assert!(kept.contains("satisfaction") && !kept.contains("still wrong"));
}
