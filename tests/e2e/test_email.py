"""Inbound email end to end: real MIME sent over SMTP (Python's smtplib) to
devstack, which stores it as SES's receipt rule would and invokes
inbound-email; the outcome is read back through the HTTP API."""

import os
import smtplib
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from conftest import PASSWORD

EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture
def helpdesk(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    address = f"support-{uuid.uuid4().hex[:12]}@acme.example"
    r = api.call("POST", "/v1/mailboxes", {"address": address, "fromName": "Acme Support"}, token=owner)
    assert r.status_code == 201, r.text
    return {"slug": slug, "owner": owner, "address": address}


def send(to, sender, subject, body, message_id=None, envelope=None, **headers):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    host, port = os.environ["SWITCHBOARD_SMTP"].split(":")
    with smtplib.SMTP(host, int(port), timeout=30) as smtp:
        smtp.send_message(msg, from_addr=envelope)
    return msg["Message-ID"]


def tickets(api, owner):
    r = api.call("GET", "/v1/tickets?limit=100&sort=createdAt&order=asc", token=owner)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def comments(api, owner, ticket_id):
    return api.call("GET", f"/v1/tickets/{ticket_id}/comments", token=owner).json()["items"]


def test_a_mail_opens_a_ticket_and_the_reply_threads_onto_it_without_the_quote(api, helpdesk):
    owner, to = helpdesk["owner"], helpdesk["address"]
    first = send(to, "Ana Lopez <ana@example.com>", "Printer on fire", "Smoke everywhere.\n\nAna")
    [ticket] = tickets(api, owner)
    assert ticket["subject"] == "Printer on fire"
    assert ticket["channel"] == "email"
    requester = api.call("GET", f"/v1/users/{ticket['requesterId']}", token=owner).json()
    assert (requester["email"], requester["role"], requester["name"]) == ("ana@example.com", "customer", "Ana Lopez")

    reply = ("Still smoking, please hurry.\n\n"
             "On Mon, Nov 23, 2026 at 10:00 AM Acme Support <support@acme.example> wrote:\n"
             "> We are on it.\n")
    send(to, "ana@example.com", f"Re: [#{ticket['number']}] Printer on fire", reply,
         In_Reply_To=first, References=first)
    assert len(tickets(api, owner)) == 1
    last = comments(api, owner, ticket["id"])[-1]
    assert last["body"] == "Still smoking, please hurry."
    assert last["quoted"].startswith("On Mon, Nov 23, 2026 at 10:00 AM Acme Support"), last
    assert "> We are on it." in last["quoted"]


def test_a_mail_whose_sender_fails_dmarc_never_threads_as_them(api, helpdesk):
    owner, to = helpdesk["owner"], helpdesk["address"]
    first = send(to, "ana@example.com", "Printer on fire", "Smoke.")
    [ticket] = tickets(api, owner)
    # The envelope is the forger's: devstack's DMARC judges by alignment.
    send(to, "ana@example.com", f"Re: [#{ticket['number']}] Printer on fire",
         "Send the refund to account 9999.", envelope="mallory@evil.example",
         In_Reply_To=first)
    listed = tickets(api, owner)
    assert len(listed) == 2
    assert len(comments(api, owner, ticket["id"])) == 1
    [spoofed] = [t for t in listed if t["id"] != ticket["id"]]
    assert spoofed["tags"] == ["unverified-sender"]


def test_a_subject_tag_from_a_stranger_opens_a_new_ticket(api, helpdesk):
    owner, to = helpdesk["owner"], helpdesk["address"]
    send(to, "ana@example.com", "Printer on fire", "Smoke.")
    [ticket] = tickets(api, owner)
    send(to, "mallory@example.net", f"Re: [#{ticket['number']}] Printer on fire", "Let me in.")
    listed = tickets(api, owner)
    assert len(listed) == 2
    assert len(comments(api, owner, ticket["id"])) == 1
    # The requester's own tagged mail threads.
    send(to, "ana@example.com", f"[#{ticket['number']}] more", "Also the scanner.")
    assert len(tickets(api, owner)) == 2
    assert comments(api, owner, ticket["id"])[-1]["body"] == "Also the scanner."


def test_auto_replies_bounces_duplicates_and_viruses_create_nothing(api, helpdesk):
    owner, to = helpdesk["owner"], helpdesk["address"]
    send(to, "ana@example.com", "Automatic reply: Printer", "I am out of office.", Auto_Submitted="auto-replied")
    send(to, "MAILER-DAEMON@mx.example.com", "Undelivered Mail Returned to Sender", "No such user.",
         Return_Path="<>", X_Failed_Recipients="gone@example.com")
    send(to, "ana@example.com", "Invoice", f"Open the attachment.\n{EICAR}\n")
    assert tickets(api, owner) == []
    held = api.call("GET", "/v1/mailboxes/messages", token=owner).json()["items"]
    assert [(m["decision"], m["reason"], m["subject"]) for m in held] == [("quarantined", "virus verdict FAIL", "Invoice")]
    assert held[0]["raw"].startswith("inbound/")
    replies = api.call("GET", "/v1/mailboxes/messages?decision=auto_reply", token=owner).json()["items"]
    assert [m["reason"] for m in replies] == ["Auto-Submitted: auto-replied"]
    same = make_msgid(domain="mail.example.com")
    send(to, "ana@example.com", "Printer", "Once.", message_id=same)
    send(to, "ana@example.com", "Printer", "Once.", message_id=same)
    assert len(tickets(api, owner)) == 1


def test_mail_to_an_unknown_address_is_dropped(api, helpdesk):
    send(f"nobody-{uuid.uuid4().hex[:8]}@acme.example", "ana@example.com", "Hello", "Anyone?")
    assert tickets(api, helpdesk["owner"]) == []
