//! Inbound email, `Intake::receive`, at the edges of what a mail may hold:
//! long texts, odd characters, many files, many copied people. Whatever a
//! mail holds, it becomes a ticket (clipped or listed), never an error that
//! loses it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::mail::Desk;
use channels_support::{message_id, raw_mail};
use switchboard_domain::attachments::ports::AttachmentStore;
use switchboard_domain::email::Verdicts;

/// Receives `raw` and returns the opening comment's text; panics unless a
/// ticket was created.
async fn opening_text(d: &Desk, raw: &str) -> (String, String) {
    let decision = d
        .try_receive(&d.address, raw, Verdicts::default(), "ses")
        .await
        .unwrap_or_else(|e| panic!("the mail was refused: {e:?}"));
    assert_eq!(decision.decision, "created");
    let detail = d.detail(decision.ticket_id.unwrap()).await;
    (detail.ticket.subject, detail.comments[0].body.clone())
}

fn headers<'a>(d: &'a Desk, subject: &'a str, id: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("From", "ana@example.com"),
        ("To", d.address.as_str()),
        ("Subject", subject),
        ("Message-ID", id),
    ]
}

#[tokio::test]
async fn a_very_long_mail_is_clipped_to_what_a_comment_holds() {
    let d = Desk::new().await;
    let id = format!("<{}>", message_id());
    let body = "a".repeat(40_000);
    let (_, text) = opening_text(&d, &raw_mail(&headers(&d, "Long", &id), &body)).await;
    assert_eq!(text.chars().count(), 30_000);
    let subject = "s".repeat(300);
    let id = format!("<{}>", message_id());
    let (kept, _) = opening_text(&d, &raw_mail(&headers(&d, &subject, &id), "Hi.")).await;
    assert_eq!(kept.chars().count(), 250);
}

#[tokio::test]
async fn a_long_mail_in_a_non_latin_script_is_clipped_not_refused() {
    let d = Desk::new().await;
    let id = format!("<{}>", message_id());
    let body = "日本語のテキスト。".repeat(1_500); // 13,500 characters, 40,500 bytes
    let raw = format!(
        "From: ana@example.com\r\nTo: {}\r\nSubject: Long\r\nMessage-ID: {id}\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        d.address
    );
    let (_, text) = opening_text(&d, &raw).await;
    assert!(text.starts_with("日本語のテキスト。"));
}

#[tokio::test]
async fn a_subject_with_a_control_character_still_opens_a_ticket() {
    let d = Desk::new().await;
    let id = format!("<{}>", message_id());
    let raw = raw_mail(
        &headers(&d, "=?UTF-8?Q?Invoice=09overdue?=", &id),
        "Please check.",
    );
    let (subject, _) = opening_text(&d, &raw).await;
    assert!(subject.starts_with("Invoice"), "{subject}");
}

#[tokio::test]
async fn a_body_with_a_control_character_still_opens_a_ticket() {
    let d = Desk::new().await;
    let id = format!("<{}>", message_id());
    let raw = raw_mail(&headers(&d, "Report", &id), "Page one\x0cPage two");
    let (_, text) = opening_text(&d, &raw).await;
    assert!(text.starts_with("Page one"), "{text}");
}

#[tokio::test]
async fn more_than_twenty_files_are_listed_as_not_attached() {
    let d = Desk::new().await;
    let mut raw = format!(
        "From: ana@example.com\r\nTo: {}\r\nSubject: Scans\r\nMessage-ID: <{}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nAll the scans.\r\n",
        d.address,
        message_id()
    );
    for i in 1..=21 {
        raw.push_str(&format!(
            "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=scan{i}.txt\r\n\r\npage {i}\r\n"
        ));
    }
    raw.push_str("--b--\r\n");
    let decision = d.receive(&d.address, &raw).await;
    let ticket = decision.ticket_id.unwrap();
    let files = d.store.attachments(d.acme.id(), ticket).await.unwrap();
    assert_eq!(files.len(), 20);
    let body = &d.detail(ticket).await.comments[0].body;
    assert!(
        body.ends_with("[Not attached:\n- scan21.txt (more than 20 files)]"),
        "{body}"
    );
}

#[tokio::test]
async fn at_most_twenty_copied_people_are_kept() {
    let d = Desk::new().await;
    let cc: Vec<String> = (1..=25).map(|i| format!("p{i:02}@example.com")).collect();
    let cc = cc.join(", ");
    let id = format!("<{}>", message_id());
    let mut h = headers(&d, "Everyone", &id);
    h.push(("Cc", &cc));
    let decision = d.receive(&d.address, &raw_mail(&h, "Hi all.")).await;
    let ticket = d.detail(decision.ticket_id.unwrap()).await.ticket;
    assert_eq!(ticket.cc.len(), 20);
    assert!(ticket.cc.contains("p01@example.com") && !ticket.cc.contains("p21@example.com"));
}

#[tokio::test]
async fn a_required_field_customers_answer_on_the_form_does_not_stop_a_mail() {
    use switchboard_domain::tickets::fields::{FieldDef, FieldKind};
    let d = Desk::new().await;
    let order = FieldDef {
        key: "order".into(),
        label: "Order".into(),
        kind: FieldKind::Text,
        options: Vec::new(),
        required: true,
        customer_visible: true,
    };
    d.ticketing
        .put_fields(
            &d.acme.owner.principal,
            vec![order],
            None,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let id = format!("<{}>", message_id());
    let (_, text) = opening_text(&d, &raw_mail(&headers(&d, "No order", &id), "Hi.")).await;
    assert_eq!(text, "Hi.");
}

#[tokio::test]
async fn a_mail_the_rules_cannot_take_is_kept_as_refused_with_its_reason() {
    use switchboard_domain::StoreError;
    let d = Desk::new().await;
    let id = format!("<{}>", message_id());
    let raw = raw_mail(&headers(&d, "Vanishing ticket", &id), "Hi.");
    // A permanent failure (what retrying would repeat), not an outage.
    d.store
        .fail_next_call_to("next_ticket_number", StoreError::NotFound);
    let decision = d
        .try_receive(&d.address, &raw, Verdicts::default(), "ses")
        .await
        .unwrap();
    assert_eq!(
        (decision.decision.as_str(), decision.reason.as_str()),
        ("refused", "not found")
    );
    assert_eq!(d.recorded("refused").await, ["Vanishing ticket"]);

    // An outage fails the delivery, so SES delivers again.
    let id = format!("<{}>", message_id());
    let raw = raw_mail(&headers(&d, "Outage", &id), "Hi.");
    d.store.fail_next_call_to(
        "next_ticket_number",
        StoreError::Unavailable("dynamodb".into()),
    );
    assert!(
        d.try_receive(&d.address, &raw, Verdicts::default(), "ses")
            .await
            .is_err()
    );
    assert!(d.recorded("refused").await.len() == 1);
    assert_eq!(opening_text(&d, &raw).await.1, "Hi.");
}
