//! The inbound-email function against the emulator: raw messages in a
//! bucket, SES-shaped events, decisions read back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use inbound_email::Inbound;
use jiff::Timestamp;
use serde_json::{Value, json};
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::attachments::ports::AttachmentStore;
use switchboard_domain::email::ReplyAddresses;
use switchboard_domain::email::intake::Intake;
use switchboard_domain::email::mailboxes::{MailboxInput, Mailboxes};
use switchboard_domain::kernel::ids::{TenantId, TicketId};
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, TestTenant};

struct Setup {
    inbound: Inbound,
    address: String,
    replies: ReplyAddresses,
    tenant: TenantId,
    owner: Principal,
}

fn reply_addresses() -> ReplyAddresses {
    ReplyAddresses::new(
        "mail.switchboard.test",
        kit::signing_secret().derive("reply-address"),
    )
}

async fn setup() -> Setup {
    let store = kit::store().await;
    let s3 = switchboard_aws::config::s3(&kit::emulator().await);
    let bucket = format!("inbound-{}", ulid::Ulid::new().to_string().to_lowercase());
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let tenant = TestTenant::new().await;
    let owner = kit::principal(&tenant.owner).await;
    let address = format!(
        "help-{}@acme.example",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    Mailboxes::new(
        store.clone(),
        kit::identities().await,
        "mail.switchboard.test",
    )
    .create(
        &owner,
        MailboxInput {
            address: Some(address.clone()),
            default_priority: Some(Some("high".into())),
            ..MailboxInput::default()
        },
        Timestamp::now(),
    )
    .await
    .unwrap();
    Setup {
        inbound: Inbound {
            intake: Intake::new(store.clone(), kit::bucket().await, reply_addresses()),
            ticketing: Ticketing::new(store),
            s3,
            bucket,
            prefix: "inbound/".into(),
        },
        address,
        replies: reply_addresses(),
        tenant: owner.tenant_id(),
        owner,
    }
}

/// Stores `raw` as SES would and returns the event SES would send.
async fn deliver(s: &Setup, raw: &str, virus: &str) -> Value {
    deliver_to(s, raw, virus, &s.address).await
}

async fn deliver_to(s: &Setup, raw: &str, virus: &str, recipient: &str) -> Value {
    let id = ulid::Ulid::new().to_string().to_lowercase();
    s.inbound
        .s3
        .put_object()
        .bucket(&s.inbound.bucket)
        .key(format!("inbound/{id}"))
        .body(raw.as_bytes().to_vec().into())
        .send()
        .await
        .unwrap();
    let event = serde_json::from_value(json!({"Records": [{
        "eventSource": "aws:ses", "eventVersion": "1.0",
        "ses": {
            "mail": {"timestamp": "2026-11-22T08:00:00.000Z", "source": "ana@example.com", "messageId": id,
                     "destination": [recipient], "headersTruncated": false, "headers": [],
                     "commonHeaders": {"from": ["ana@example.com"], "to": [recipient]}},
            "receipt": {"timestamp": "2026-11-22T08:00:00.000Z", "processingTimeMillis": 1,
                        "recipients": [recipient], "spamVerdict": {"status": "PASS"},
                        "virusVerdict": {"status": virus}, "spfVerdict": {"status": "PASS"},
                        "dkimVerdict": {"status": "PASS"}, "dmarcVerdict": {"status": "PASS"},
                        "action": {"type": "Lambda", "invocationType": "Event"}}
        }
    }]}))
    .unwrap();
    s.inbound.handle(event).await.unwrap()
}

fn decision(out: &Value) -> (&str, &str) {
    let d = &out["decisions"][0];
    (
        d["decision"].as_str().unwrap(),
        d["reason"].as_str().unwrap(),
    )
}

#[tokio::test]
async fn each_message_gets_one_recorded_decision() {
    let s = setup().await;
    let to = s.address.clone();
    let first = format!(
        "From: Ana <ana@example.com>\r\nTo: {to}\r\nSubject: Printer on fire\r\nMessage-ID: <m1@example.com>\r\n\r\nSmoke.\r\n"
    );
    let out = deliver(&s, &first, "PASS").await;
    assert_eq!(decision(&out).0, "created");
    let ticket = out["decisions"][0]["ticketId"].clone();

    assert_eq!(decision(&deliver(&s, &first, "PASS").await).0, "duplicate");

    let reply = format!(
        "From: ana@example.com\r\nTo: {to}\r\nSubject: Re: Printer on fire\r\nMessage-ID: <m2@example.com>\r\nIn-Reply-To: <m1@example.com>\r\n\r\nStill smoking.\r\n\r\nOn Mon, Nov 23, 2026 at 10:00 AM Support <{to}> wrote:\r\n> Smoke.\r\n"
    );
    let out = deliver(&s, &reply, "PASS").await;
    assert_eq!(
        decision(&out),
        ("threaded", "In-Reply-To/References <m1@example.com>")
    );
    assert_eq!(out["decisions"][0]["ticketId"], ticket);

    let ooo = format!(
        "From: ana@example.com\r\nTo: {to}\r\nSubject: Out of Office\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <m3@example.com>\r\n\r\nAway.\r\n"
    );
    assert_eq!(
        decision(&deliver(&s, &ooo, "PASS").await),
        ("auto_reply", "Auto-Submitted: auto-replied")
    );

    let infected = format!(
        "From: x@example.com\r\nTo: {to}\r\nSubject: Invoice\r\nMessage-ID: <m4@example.com>\r\n\r\nOpen it.\r\n"
    );
    assert_eq!(
        decision(&deliver(&s, &infected, "FAIL").await),
        ("quarantined", "virus verdict FAIL")
    );

    let stranger =
        "From: x@example.com\r\nTo: nobody@elsewhere.example\r\nSubject: Hi\r\n\r\nHi.\r\n";
    let mut other = setup().await;
    other.address = "nobody@elsewhere.example".into();
    assert_eq!(
        decision(&deliver(&other, stranger, "PASS").await).0,
        "dropped"
    );
}

#[tokio::test]
async fn a_signed_reply_address_threads_and_files_become_attachments() {
    let s = setup().await;
    let to = s.address.clone();
    let opening = format!(
        "From: Ana <ana@example.com>\r\nTo: {to}\r\nSubject: Scanner\r\nMessage-ID: <{}@example.com>\r\n\r\nIt jams.\r\n",
        ulid::Ulid::new()
    );
    let out = deliver(&s, &opening, "PASS").await;
    assert_eq!(decision(&out).0, "created");
    let id: TicketId = out["decisions"][0]["ticketId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ticketing = &s.inbound.ticketing;
    let ticket = ticketing.get(&s.owner, id).await.unwrap().ticket;
    assert_eq!(
        ticket.priority.as_str(),
        "high",
        "the mailbox's default priority"
    );

    // No In-Reply-To, no tag: only the signed address says which ticket.
    let reply_to = s.replies.address(s.tenant, ticket.number);
    let reply = format!(
        "From: ana@example.com\r\nTo: {reply_to}\r\nSubject: photos\r\nMessage-ID: <{}@example.com>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nHere are photos.\r\n\
         --b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=jam.png\r\n\
         Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
         --b\r\nContent-Type: application/x-msdownload\r\nContent-Disposition: attachment; filename=fix.exe\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n",
        ulid::Ulid::new()
    );
    let out = deliver_to(&s, &reply, "PASS", &reply_to).await;
    assert_eq!(decision(&out), ("threaded", "its signed reply address"));
    assert_eq!(out["decisions"][0]["ticketId"], id.to_string());
    let comment_id = out["decisions"][0]["commentId"]
        .as_str()
        .unwrap()
        .to_owned();
    let comment = ticketing
        .list_comments(&s.owner, id, &PageRequest::parse(Some(100), None).unwrap())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.id.to_string() == comment_id)
        .unwrap();
    assert!(
        comment.body.starts_with("Here are photos."),
        "{}",
        comment.body
    );
    assert!(
        comment
            .body
            .contains("fix.exe (executables and scripts cannot be attached)"),
        "a refused file is listed: {}",
        comment.body
    );
    let store = kit::store().await;
    let files = store.attachments(s.tenant, id).await.unwrap();
    let names: Vec<_> = files.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(names, ["jam.png"]);
    assert_eq!(files[0].comment_id.map(|c| c.to_string()), Some(comment_id));
    assert_eq!(files[0].size, 8);

    // A forged or foreign reply address routes nowhere.
    let forged =
        ReplyAddresses::new("mail.switchboard.test", [9; 32]).address(s.tenant, ticket.number);
    let out = deliver_to(
        &s,
        &reply.replace("Message-ID: <", "Message-ID: <x"),
        "PASS",
        &forged,
    )
    .await;
    assert_eq!(decision(&out).0, "dropped");
}

#[tokio::test]
async fn copied_people_become_participants_who_may_reply_by_tag() {
    let s = setup().await;
    let to = s.address.clone();
    let opening = format!(
        "From: Ana <ana@example.com>\r\nTo: {to}, Bo <bo@example.com>\r\nCc: Cy <CY@example.com>, {to}\r\nSubject: Office move\r\nMessage-ID: <{}@example.com>\r\n\r\nWe move on Friday.\r\n",
        ulid::Ulid::new()
    );
    let out = deliver(&s, &opening, "PASS").await;
    assert_eq!(decision(&out).0, "created");
    let id: TicketId = out["decisions"][0]["ticketId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ticket = s.inbound.ticketing.get(&s.owner, id).await.unwrap().ticket;
    let cc: Vec<&str> = ticket.cc.iter().map(String::as_str).collect();
    assert_eq!(
        cc,
        ["bo@example.com", "cy@example.com"],
        "neither the sender nor the mailbox"
    );

    let reply = format!(
        "From: cy@example.com\r\nTo: {to}\r\nSubject: Re: [#{}] Office move\r\nMessage-ID: <{}@example.com>\r\n\r\nI will bring boxes.\r\n",
        ticket.number,
        ulid::Ulid::new()
    );
    let out = deliver(&s, &reply, "PASS").await;
    let reason = format!(
        "subject tag [#{}] from its requester or a participant",
        ticket.number
    );
    assert_eq!(decision(&out), ("threaded", reason.as_str()));
    assert_eq!(out["decisions"][0]["ticketId"], id.to_string());
}
