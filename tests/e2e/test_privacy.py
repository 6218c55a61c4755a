"""A person's data end to end: a customer downloads their export; an admin
erases a customer who wrote by mail, after which their address no longer
threads onto their old tickets (a new one opens for whoever writes from it)
and nothing about the old conversation carries their name or address."""

import json
import time
import uuid

import requests

from conftest import PASSWORD, assert_problem
from test_email import comments, send, tickets
from test_email_out import helpdesk, outbound


def finished(api, token, location, timeout=30):
    """The job at `location` once it is done (or failed)."""
    deadline = time.time() + timeout
    while True:
        r = api.call("GET", location, token=token)
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] in ("done", "failed") or time.time() > deadline:
            return job
        time.sleep(0.3)


def searched(api, token, q, done, timeout=20):
    """The number of tickets `q` finds, once `done` says so (the index
    follows the table within seconds)."""
    deadline = time.time() + timeout
    while True:
        r = api.call("GET", "/v1/search/tickets", token=token, params={"q": q})
        assert r.status_code == 200, r.text
        total = r.json()["total"]
        if done(total) or time.time() > deadline:
            return total
        time.sleep(0.3)


def test_a_customer_downloads_a_copy_of_their_data(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    email = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    r = api.call("POST", "/v1/users", {"name": "Ana Lopez", "email": email, "role": "customer",
                                       "password": PASSWORD}, token=owner)
    assert r.status_code == 201, r.text
    ana_id = r.json()["id"]
    r = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    ana = r.json()["accessToken"]
    r = api.call("POST", "/v1/tickets", {"subject": "Printer on fire", "description": "Smoke."}, token=ana)
    assert r.status_code == 201, r.text

    r = api.call("POST", f"/v1/users/{ana_id}/export", token=ana)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/v1/jobs/{r.json()['id']}"
    job = finished(api, ana, r.headers["location"])
    assert job["status"] == "done", job
    assert job["progress"] == {"done": 1, "total": 1}
    download = requests.get(job["download"]["url"], timeout=30)
    assert download.status_code == 200
    data = json.loads(download.content)
    assert data["person"]["email"] == email
    assert [t["subject"] for t in data["tickets"]] == ["Printer on fire"]
    assert data["tickets"][0]["comments"][0]["body"] == "Smoke."


def test_an_erased_customers_address_opens_a_new_ticket_and_nothing_names_them(api):
    slug, owner, to = helpdesk(api)
    ana = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    first = send(to, f"Ana Zephyrine <{ana}>", "Invoice 7731 is wrong", "Zephyrine's invoice is wrong.")
    [old] = tickets(api, owner)
    [(_, ack)] = outbound(api, slug, 1)
    r = api.call("POST", f"/v1/tickets/{old['id']}/comments",
                 {"body": "Hello Ana, we are on it.", "public": True}, token=owner)
    assert r.status_code == 201, r.text
    requester = old["requesterId"]

    # Her words are found...
    assert searched(api, owner, "zephyrine", lambda total: total == 1) == 1
    # An admin exported her before: the link goes with her.
    r = api.call("POST", f"/v1/users/{requester}/export", token=owner)
    assert r.status_code == 202, r.text
    export = finished(api, owner, r.headers["location"])
    assert export["status"] == "done" and export["download"]["url"], export
    assert requests.get(export["download"]["url"], timeout=30).status_code == 200
    export_url = r.headers["location"]

    path = f"/v1/users/{requester}/erase"
    assert_problem(api.call("POST", path, {"confirm": "someone@else.example"}, token=owner),
                   422, "validation_failed")
    r = api.call("POST", path, {"confirm": ana}, token=owner)
    assert r.status_code == 202, r.text
    job = finished(api, owner, r.headers["location"])
    assert (job["status"], job["type"]) == ("done", "person_erasure"), job
    # ...and no longer once she is erased.
    assert searched(api, owner, "zephyrine", lambda total: total == 0) == 0
    after = api.call("GET", export_url, token=owner).json()
    assert "download" not in after, after
    # The file is gone (S3 answers 403 for a missing key to whoever may not
    # list the bucket, as a presigned link may not).
    assert requests.get(export["download"]["url"], timeout=30).status_code in (403, 404)
    again = api.call("POST", path, {"confirm": ana}, token=owner)
    assert (again.status_code, again.json()["id"]) == (202, job["id"])

    # She answers the old acknowledgement: a new ticket for a new person.
    reply_to = ack["Reply-To"].addresses[0].addr_spec
    send(reply_to, f"Ana Zephyrine <{ana}>", f"Re: {ack['Subject']}", "Me again.",
         In_Reply_To=ack["Message-ID"], References=f"{first} {ack['Message-ID']}")
    listed = tickets(api, owner)
    assert len(listed) == 2, listed
    [new] = [t for t in listed if t["id"] != old["id"]]
    assert new["requesterId"] != requester
    assert [c["body"] for c in comments(api, owner, old["id"])][-1] == "Hello Ana, we are on it."

    # Nothing about the old conversation or the erased person names her.
    seen = [
        api.call("GET", f"/v1/users/{requester}", token=owner),
        api.call("GET", f"/v1/tickets/{old['id']}", token=owner),
        api.call("GET", f"/v1/tickets/{old['id']}/comments", token=owner),
        api.call("GET", f"/v1/tickets/{old['id']}/history", token=owner),
    ]
    for r in seen:
        assert r.status_code == 200, r.text
        text = r.text.lower()
        assert ana not in text and "zephyrine" not in text, r.text
    # The people: the one who wrote after the erasure is someone new.
    people = api.call("GET", "/v1/users?role=customer", token=owner).json()["items"]
    named = [p["id"] for p in people if ana in json.dumps(p) or "Zephyrine" in json.dumps(p)]
    assert named == [new["requesterId"]], people
    mail_log = api.call("GET", "/v1/mailboxes/messages?decision=created", token=owner)
    assert mail_log.status_code == 200, mail_log.text
    assert [m["subject"] for m in mail_log.json()["items"]] == [f"Re: {ack['Subject']}"], \
        "only the new person's mail is on record"
    erased = seen[0].json()
    assert erased["name"] == "Erased person" and erased["erasedAt"]
