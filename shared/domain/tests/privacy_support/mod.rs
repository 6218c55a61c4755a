//! A helpdesk where Ana, a customer of Globex, wrote by mail and signed
//! in, uploaded a file, and was copied on Bo's ticket: what an export
//! gathers and an erasure removes.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use switchboard_domain::accounts::permissions::{Caller, Principal};
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::user::{Email, User};
use switchboard_domain::attachments::attachment::Attachment;
use switchboard_domain::attachments::ports::{AttachmentStore, ObjectStore};
use switchboard_domain::email::ports::Bounces;
use switchboard_domain::jobs::job::Job;
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::ids::{AttachmentId, SessionId, TicketId};
use switchboard_domain::privacy::requests::PersonalData;
use switchboard_domain::privacy::runner::{JobRunner, Ran};
use switchboard_domain::tickets::input::{Body, NewComment, Participants, TicketPatch};
use switchboard_testkit::{MemoryObjects, MemoryStore};

use crate::channels_support::mail::Desk;
use crate::channels_support::{message_id, raw_mail};

pub const ANA: &str = "ana.lima@globex.example";

pub struct Story {
    pub desk: Desk,
    pub ana: User,
    pub ana_signed_in: Principal,
    /// Ana's ticket, opened by mail; the agent answered it publicly and
    /// left an internal note.
    pub hers: TicketId,
    /// Bo's ticket, Ana copied on it.
    pub bos: TicketId,
    pub file: Attachment,
    /// Ana's first mail's Message-ID.
    pub first_mail: String,
}

async fn next_millisecond() {
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
}

pub fn signed_in(desk: &Desk, user: &User) -> Principal {
    Principal {
        tenant: desk.acme.tenant.clone(),
        caller: Caller::User {
            user: user.clone(),
            session_id: SessionId::new(),
        },
        membership: None,
    }
}

pub async fn story() -> Story {
    let desk = Desk::new().await;
    let first_mail = message_id();
    let mail = raw_mail(
        &[
            ("From", &format!("Ana Lima <{ANA}>")),
            ("To", &desk.address),
            ("Subject", "Invoice 7731 is wrong"),
            ("Message-ID", &format!("<{first_mail}>")),
        ],
        "My invoice lists a seat we cancelled.",
    );
    desk.objects
        .put_bytes("inbound/raw-object", mail.as_bytes());
    let hers = desk.receive(&desk.address, &mail).await.ticket_id.unwrap();
    let ana = desk
        .store
        .user_by_email(desk.acme.id(), &Email::parse(ANA).unwrap())
        .await
        .unwrap()
        .unwrap();
    let ana_signed_in = signed_in(&desk, &ana);
    let agent = &desk.acme.agent.principal;
    let now = desk.clock.now();
    let comment = |text: &str, public: bool| {
        let body = Body::parse(text).unwrap();
        if public {
            NewComment::reply(body)
        } else {
            NewComment::note(body)
        }
    };
    // Comment ids follow the wall clock's milliseconds: one apart, they
    // sort as written.
    next_millisecond().await;
    desk.ticketing
        .add_comment(
            agent,
            hers,
            comment("We refunded the seat.", true),
            None,
            now,
        )
        .await
        .unwrap();
    // Comment ids follow the wall clock's milliseconds: one apart, they
    // sort as written.
    next_millisecond().await;
    desk.ticketing
        .add_comment(
            agent,
            hers,
            comment("A VIP: handle first.", false),
            None,
            now,
        )
        .await
        .unwrap();
    next_millisecond().await;
    desk.ticketing
        .add_comment(
            &ana_signed_in,
            hers,
            comment("Thanks, Ana Lima here: received.", true),
            None,
            now,
        )
        .await
        .unwrap();
    let bo = desk.acme.customer.principal.clone();
    let (bos, _) = desk
        .ticketing
        .create(
            &bo,
            switchboard_domain::tickets::input::NewTicket::new(
                switchboard_domain::tickets::input::SubjectLine::parse("Seats for Globex").unwrap(),
                Body::parse("Please add seats.").unwrap(),
            ),
            None,
            now,
        )
        .await
        .unwrap()
        .into_inner();
    let bos = bos.ticket.id;
    desk.ticketing
        .update(
            agent,
            bos,
            TicketPatch {
                cc: Some(Participants::parse(&[ANA.to_owned()]).unwrap()),
                ..TicketPatch::default()
            },
            None,
            now,
        )
        .await
        .unwrap();
    desk.ticketing
        .add_comment(
            &ana_signed_in,
            bos,
            comment("Ana Lima: I approve.", true),
            None,
            now,
        )
        .await
        .unwrap();
    let file = Attachment {
        id: AttachmentId::new(),
        tenant_id: desk.acme.id(),
        ticket_id: hers,
        comment_id: None,
        public: true,
        filename: "invoice-7731.pdf".into(),
        content_type: "application/pdf".into(),
        size: 4,
        uploaded_by: Actor::user(ana.id),
        created_at: now,
    };
    desk.objects.put(&file, b"%PDF").await.unwrap();
    desk.store
        .attach(std::slice::from_ref(&file), &[])
        .await
        .unwrap();
    desk.store
        .mark_bouncing(desk.acme.id(), ANA, now)
        .await
        .unwrap();
    desk.store.take_events();
    Story {
        ana,
        ana_signed_in,
        hers,
        bos,
        file,
        first_mail,
        desk,
    }
}

impl Story {
    pub fn requests(&self) -> PersonalData<MemoryStore, MemoryObjects> {
        PersonalData::new(self.desk.store.clone(), self.desk.objects.clone())
    }

    pub fn runner(&self) -> JobRunner<MemoryStore, MemoryObjects, MemoryObjects, MemoryObjects> {
        let clock = self.desk.clock.clone();
        JobRunner::new(
            self.desk.store.clone(),
            self.desk.objects.clone(),
            self.desk.objects.clone(),
            self.desk.objects.clone(),
            Arc::new(move || clock.now()),
        )
    }

    pub async fn run(&self, job: &Job) -> Ran {
        self.runner().run(job.tenant_id, job.id).await.unwrap()
    }

    pub async fn job(&self, job: &Job) -> Job {
        self.requests()
            .job(&self.desk.acme.owner.principal, job.id)
            .await
            .unwrap()
    }
}
