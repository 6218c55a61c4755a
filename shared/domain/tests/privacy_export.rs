//! A person's export (GDPR): who they are, their tickets' public
//! conversations and links to the files on them, prepared by a job whose
//! progress and file only its requester and the admins see.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;
mod privacy_support;

use privacy_support::{ANA, signed_in, story};
use serde_json::Value;
use switchboard_domain::DomainError;
use switchboard_domain::jobs::job::JobStatus;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::privacy::runner::Ran;

#[tokio::test]
async fn a_customer_exports_their_own_data_with_their_tickets_public_conversations() {
    let s = story().await;
    let d = &s.desk;
    let job = s
        .requests()
        .request_export(&s.ana_signed_in, s.ana.id, d.clock.now())
        .await
        .unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    let events = d.store.take_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventType::UserExportRequested);
    assert_eq!(events[0].data["jobId"], job.id.to_string());
    // Not done yet: no link.
    assert!(s.requests().download(&job).await.unwrap().is_none());

    assert_eq!(s.run(&job).await, Ran::Done);
    let done = s.requests().job(&s.ana_signed_in, job.id).await.unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!((done.progress.done, done.progress.total), (2, Some(2)));
    let link = s.requests().download(&done).await.unwrap().unwrap();
    assert!(link.url.contains(done.file.as_deref().unwrap()));

    let export: Value =
        serde_json::from_slice(&d.objects.bytes(done.file.as_deref().unwrap()).unwrap()).unwrap();
    assert_eq!(export["person"]["email"], ANA);
    assert_eq!(export["person"]["name"], "Ana Lima");
    let tickets = export["tickets"].as_array().unwrap();
    let relations: Vec<&str> = tickets
        .iter()
        .map(|t| t["relation"].as_str().unwrap())
        .collect();
    assert_eq!(relations, ["requester", "copied"]);
    let hers = &tickets[0];
    assert_eq!(hers["subject"], "Invoice 7731 is wrong");
    let bodies: Vec<&str> = hers["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "My invoice lists a seat we cancelled.",
            "We refunded the seat.",
            "Thanks, Ana Lima here: received."
        ],
        "public replies only, in order"
    );
    assert!(!export.to_string().contains("VIP"), "no internal note");
    assert_eq!(hers["comments"][2]["byThem"], true);
    assert_eq!(
        hers["files"][0]["download"],
        format!("/v1/attachments/{}/download", s.file.id)
    );
}

#[tokio::test]
async fn only_admins_export_others_and_only_requesters_and_admins_follow_the_job() {
    let s = story().await;
    let d = &s.desk;
    let now = d.clock.now();
    let bo = &d.acme.customer.principal;
    assert!(matches!(
        s.requests().request_export(bo, s.ana.id, now).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        s.requests()
            .request_export(&d.acme.agent.principal, s.ana.id, now)
            .await,
        Err(DomainError::Forbidden)
    ));
    let by_admin = s
        .requests()
        .request_export(&d.acme.owner.principal, s.ana.id, now)
        .await
        .unwrap();
    // Ana did not ask for this one; Bo sees neither.
    for who in [&s.ana_signed_in, bo] {
        assert!(matches!(
            s.requests().job(who, by_admin.id).await,
            Err(DomainError::NotFound)
        ));
    }
    let hers = s
        .requests()
        .request_export(&s.ana_signed_in, s.ana.id, now)
        .await
        .unwrap();
    assert!(matches!(
        s.requests().job(bo, hers.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(
        s.requests()
            .job(&d.acme.owner.principal, hers.id)
            .await
            .is_ok()
    );
    let other = channels_support::other_helpdesk(&d.store, &d.clock).await;
    assert!(matches!(
        s.requests().job(&other.owner.principal, hers.id).await,
        Err(DomainError::NotFound)
    ));
    // A signed-in session of another person of the same name is not Ana.
    let stranger = signed_in(d, &d.acme.customer.user);
    assert!(s.requests().job(&stranger, hers.id).await.is_err());
}
