"""Outbound email end to end: what Switchboard sends through SES (moto
records it; devstack lists it at /_devstack/mail), and customers answering
those mails over SMTP as a mail client would: to the Reply-To address, with
In-Reply-To naming the id SES gave the mail."""

import email
import email.policy
import time
import uuid

from conftest import PASSWORD
from test_email import comments, send, tickets

MAIL_DOMAIN = "mail.switchboard.test"


def outbound(api, slug, count, timeout=25):
    """The mails this helpdesk sent (oldest first), once there are `count`."""
    sender = f"{slug}@{MAIL_DOMAIN}"
    deadline = time.time() + timeout
    while True:
        r = api.call("GET", "/_devstack/mail")
        assert r.status_code == 200, r.text
        mails = []
        for m in r.json()["mail"]:
            parsed = email.message_from_string(m["raw"], policy=email.policy.default)
            if sender in str(parsed["From"]):
                mails.append((m["id"], parsed))
        if len(mails) >= count or time.time() > deadline:
            return mails
        time.sleep(0.3)


def text_of(mail):
    return mail.get_body(preferencelist=("plain",)).get_content()


def helpdesk(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    address = f"support-{uuid.uuid4().hex[:12]}@acme.example"
    r = api.call("POST", "/v1/mailboxes", {"address": address, "fromName": "Acme Support"}, token=owner)
    assert r.status_code == 201, r.text
    return slug, owner, address


def test_the_customer_answers_the_acknowledgement_and_lands_on_the_same_ticket(api):
    slug, owner, to = helpdesk(api)
    ana = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    bo = f"bo-{uuid.uuid4().hex[:8]}@example.com"
    opening = send(to, f"Ana Lopez <{ana}>", "Printer on fire", "Smoke everywhere.", Cc=f"Bo <{bo}>")
    [ticket] = tickets(api, owner)
    assert ticket["cc"] == [bo], "copied people are the ticket's participants"

    [(ses_id, ack)] = outbound(api, slug, 1)
    assert ack["To"].addresses[0].addr_spec == ana
    assert ack["Subject"] == f"[#{ticket['number']}] Printer on fire"
    assert str(ack["From"]) == f"Acme Support <{slug}@{MAIL_DOMAIN}>"
    assert ack["Auto-Submitted"] == "auto-generated"
    reply_to = ack["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("reply+") and reply_to.endswith("@" + MAIL_DOMAIN)
    # It answers the customer's mail and continues its thread, never
    # referencing itself.
    assert ack["In-Reply-To"] == opening
    assert opening in ack["References"] and ack["Message-ID"] not in ack["References"]

    # The reply as a mail client writes it: SES rewrote the Message-ID.
    answer = ("Thanks, it is out now.\n\n"
              f"On Mon, Nov 23, 2026 at 10:00 AM Acme Support <{reply_to}> wrote:\n"
              "> We received your request.\n")
    send(reply_to, ana, f"Re: {ack['Subject']}", answer,
         In_Reply_To=f"<{ses_id}@email.amazonses.com>", References=ack["References"])
    assert len(tickets(api, owner)) == 1
    assert comments(api, owner, ticket["id"])[-1]["body"] == "Thanks, it is out now."

    # An internal note is never mailed; the public reply is, once.
    r = api.call("POST", f"/v1/tickets/{ticket['id']}/comments",
                 {"body": "Customer sounds upset.", "public": False}, token=owner)
    assert r.status_code == 201, r.text
    r = api.call("POST", f"/v1/tickets/{ticket['id']}/comments",
                 {"body": "A technician is on the way.", "public": True}, token=owner)
    assert r.status_code == 201, r.text
    mails = outbound(api, slug, 2)
    assert len(mails) == 2, [m["Subject"] for _, m in mails]
    reply = mails[1][1]
    assert reply["Subject"] == f"Re: [#{ticket['number']}] Printer on fire"
    assert [a.addr_spec for a in reply["Cc"].addresses] == [bo], "participants are copied on replies"
    assert ack["Cc"] is None, "the acknowledgement goes to the requester alone"
    assert "A technician is on the way." in text_of(reply)
    assert reply["Auto-Submitted"] is None, "a person's reply is not automatic"
    assert all("upset" not in text_of(m) for _, m in mails)


def test_auto_replies_and_bounces_send_nothing_and_bouncing_addresses_get_nothing(api):
    slug, owner, to = helpdesk(api)
    ana = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    send(to, ana, "Printer on fire", "Smoke.")
    [ticket] = tickets(api, owner)
    [(ses_id, ack)] = outbound(api, slug, 1)
    reply_to = ack["Reply-To"].addresses[0].addr_spec

    # An out-of-office answer to the acknowledgement: no comment, no mail.
    send(reply_to, ana, f"Automatic reply: {ack['Subject']}", "I am away until Monday.",
         In_Reply_To=f"<{ses_id}@email.amazonses.com>", Auto_Submitted="auto-replied")
    # The address then bounces.
    send(to, "MAILER-DAEMON@mx.example.com", "Undelivered Mail Returned to Sender", "No such user.",
         Return_Path="<>", X_Failed_Recipients=ana)
    assert len(comments(api, owner, ticket["id"])) == 1
    assert len(tickets(api, owner)) == 1

    r = api.call("POST", f"/v1/tickets/{ticket['id']}/comments",
                 {"body": "Is it fixed?", "public": True}, token=owner)
    assert r.status_code == 201, r.text
    # Someone else writes afterwards: their acknowledgement arrives, and
    # by then the reply to the bouncing address has been dropped.
    bob = f"bob-{uuid.uuid4().hex[:8]}@example.com"
    send(to, bob, "Scanner jams", "Again.")
    mails = outbound(api, slug, 2)
    time.sleep(2)
    mails = outbound(api, slug, 2)
    assert [m["To"].addresses[0].addr_spec for _, m in mails] == [ana, bob]


def test_a_password_reset_mail_carries_a_link_that_works_once(api):
    slug, signed = api.sign_up()
    r = api.call("POST", "/v1/auth/password-reset", {"tenant": slug, "email": "nobody@acme.example"})
    assert r.status_code == 202, r.text
    r = api.call("POST", "/v1/auth/password-reset", {"tenant": slug, "email": "owner@acme.example"})
    assert r.status_code == 202, r.text
    mails = outbound(api, slug, 1)
    assert [m["To"].addresses[0].addr_spec for _, m in mails] == ["owner@acme.example"]
    mail = mails[0][1]
    assert mail["Auto-Submitted"] == "auto-generated"
    token = next(w.split("token=")[1] for w in text_of(mail).split() if "token=" in w)

    new_password = "a fresh password " + uuid.uuid4().hex[:6]
    r = api.call("POST", "/v1/auth/password-reset/confirm", {"token": token, "password": new_password})
    assert r.status_code == 204, r.text
    r = api.call("POST", "/v1/auth/password-reset/confirm", {"token": token, "password": new_password})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "invalid_token", r.text
    login = {"tenant": slug, "email": "owner@acme.example"}
    assert api.call("POST", "/v1/auth/login", {**login, "password": PASSWORD}).status_code == 401
    assert api.call("POST", "/v1/auth/login", {**login, "password": new_password}).status_code == 200
    assert len(outbound(api, slug, 2, timeout=1)) == 1, "no mail for the unknown address"
