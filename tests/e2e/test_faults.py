"""Faults end to end: function processes killed (SIGKILL, through devstack's
`POST /_devstack/functions/{name}/crash`) while they handle an invocation.

- The tickets function dies mid-request: the client gets a clean `502`
  problem+json, and retrying with the same `Idempotency-Key` yields exactly
  one ticket, whose `ticket.created` event is delivered once.
- The event router dies mid-batch, again and again: the stream mapping hands
  the batch over again, and every webhook delivery, email and in-app
  notification still happens exactly once; WebSocket pushes arrive at least
  once, each under its event id (clients dedupe by it)."""

import collections
import json
import random
import threading
import time
import uuid

from websockets.sync.client import connect

from conftest import assert_problem
from test_email_out import outbound
from test_live import connect_url, recv, subscribe
from test_tickets import login, person
from test_webhooks import Receiver, register

WAIT = 40


def crash(api, function):
    r = api.call("POST", f"/_devstack/functions/{function}/crash")
    assert r.status_code == 200, r.text
    return r.json()["killed"]


def stats(api, function):
    for f in api.call("GET", "/_devstack/functions").json():
        if function in f["name"]:
            return f
    raise AssertionError(f"no function {function}")


def webhook_ids_by_ticket(receiver, accept):
    by_ticket = collections.defaultdict(set)
    with receiver.lock:
        requests = list(receiver.requests)
    for r in requests:
        body = json.loads(r["body"])
        if accept(body):
            by_ticket[body["subject"]["ticketId"]].add(r["headers"]["webhook-id"])
    return by_ticket, requests


def until(check, timeout=WAIT, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not reached within {timeout}s"
        time.sleep(0.3)


def test_a_request_whose_function_dies_is_a_clean_502_and_its_retry_writes_once(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    receiver = Receiver()
    try:
        register(api, owner, receiver.url, ["ticket.created"])
        crashes_before = stats(api, "Tickets")["crashes"]
        keys, crashed, rounds = [], 0, 0
        # Kill the function at a random point of a create; some kills land
        # before the transaction, some after it, some find nothing running.
        while crashed < 4 and rounds < 40:
            rounds += 1
            key = uuid.uuid4().hex
            keys.append(key)
            body = {"subject": f"Crash test {key}", "description": "Printer on fire"}
            answer = {}

            def create():
                answer["r"] = api.call("POST", "/v1/tickets", body, token=owner,
                                       headers={"idempotency-key": key})

            t = threading.Thread(target=create)
            t.start()
            time.sleep(random.uniform(0.0, 0.06))
            crash(api, "TicketsFunction")
            t.join(30)
            r = answer["r"]
            if r.status_code == 502:
                assert_problem(r, 502, "function_crashed")
                crashed += 1
            else:
                assert r.status_code == 201, r.text
        assert crashed >= 1, f"no kill landed mid-request in {rounds} rounds"
        assert stats(api, "Tickets")["crashes"] >= crashes_before + crashed

        # The client retries what failed, with the same key: one ticket each.
        ids = {}
        for key in keys:
            body = {"subject": f"Crash test {key}", "description": "Printer on fire"}
            r = api.call("POST", "/v1/tickets", body, token=owner, headers={"idempotency-key": key})
            assert r.status_code == 201, r.text
            ids[key] = r.json()["id"]
        listed = api.call("GET", "/v1/tickets?limit=100", token=owner).json()["items"]
        subjects = collections.Counter(t["subject"] for t in listed)
        assert sorted(subjects) == sorted(f"Crash test {k}" for k in keys)
        assert set(subjects.values()) == {1}, subjects
        assert {t["id"] for t in listed} == set(ids.values())

        # Every ticket written was written with its event: each is announced,
        # once.
        def all_announced():
            by_ticket, _ = webhook_ids_by_ticket(receiver, lambda b: b["type"] == "ticket.created")
            return by_ticket if set(by_ticket) == set(ids.values()) else None

        by_ticket = until(all_announced, what="every ticket.created delivered")
        time.sleep(1)
        by_ticket, requests = webhook_ids_by_ticket(receiver, lambda b: b["type"] == "ticket.created")
        assert all(len(v) == 1 for v in by_ticket.values()), by_ticket
        assert len(requests) == len(ids), "one delivery per ticket, none repeated"
    finally:
        receiver.server.shutdown()


def test_a_router_killed_mid_batch_leaves_every_side_effect_exactly_once(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    agent = person(api, owner, "agent", "Ada Agent")
    agent_token = login(api, slug, agent["email"])
    customer = person(api, owner, "customer", "Cal Customer")
    customer_token = login(api, slug, customer["email"])
    receiver = Receiver()
    stop = threading.Event()
    killed = []

    def killer():
        # A few kills, spread out: the mapping retries a batch up to its
        # MaximumRetryAttempts (8) before it gives up on it, as Lambda does;
        # a batch that kills the router every time is a poison batch.
        while not stop.is_set() and sum(killed) < 5:
            n = crash(api, "EventRouterFunction")
            killed.append(n)
            time.sleep(random.uniform(0.2, 0.4) if n else 0.005)

    try:
        register(api, owner, receiver.url, ["ticket.created", "ticket.assigned"])
        with connect(connect_url(api, agent_token)) as ws:
            assert subscribe(ws, "queue")["type"] == "subscribed"
            crashes_before = stats(api, "EventRouter")["crashes"]
            k = threading.Thread(target=killer)
            k.start()
            try:
                tickets = []
                for i in range(8):
                    r = api.call("POST", "/v1/tickets", {"subject": f"Router fault {i}", "description": "Help"},
                                 token=customer_token)
                    assert r.status_code == 201, r.text
                    tickets.append(r.json())
                for t in tickets:
                    r = api.call("PATCH", f"/v1/tickets/{t['id']}", {"assigneeId": agent["id"]}, token=owner,
                                 headers={"if-match": f"\"{t['version']}\""})
                    assert r.status_code == 200, r.text
                time.sleep(3)
            finally:
                stop.set()
                k.join()
            assert sum(killed) >= 1, "no kill landed while the router was busy"
            assert stats(api, "EventRouter")["crashes"] >= crashes_before + 1
            ids = {t["id"] for t in tickets}

            # Webhooks: one delivery (one webhook-id) per event, none repeated.
            def delivered():
                created, _ = webhook_ids_by_ticket(receiver, lambda b: b["type"] == "ticket.created")
                assigned, _ = webhook_ids_by_ticket(receiver, lambda b: b["type"] == "ticket.assigned")
                return (created, assigned) if set(created) == ids and set(assigned) == ids else None

            until(delivered, what="every webhook delivered")
            time.sleep(2)  # room for any duplicate to arrive
            created, requests = webhook_ids_by_ticket(receiver, lambda b: b["type"] == "ticket.created")
            assigned, _ = webhook_ids_by_ticket(receiver, lambda b: b["type"] == "ticket.assigned")
            assert all(len(v) == 1 for v in created.values()) and all(len(v) == 1 for v in assigned.values())
            assert len(requests) == 2 * len(ids), "no event delivered twice"

            # Email: one acknowledgement per ticket opened.
            mails = outbound(api, slug, len(ids), timeout=WAIT)
            time.sleep(1)
            mails = outbound(api, slug, len(ids), timeout=1)
            acks = collections.Counter(str(m["Subject"]) for _, m in mails)
            assert len(mails) == len(ids), acks
            assert all(n == 1 for n in acks.values()), acks

            # In-app: the agent is told of each assignment once.
            r = api.call("GET", "/v1/notifications?limit=100", token=agent_token)
            assert r.status_code == 200, r.text
            notes = [n for n in r.json()["items"] if n["kind"] == "assigned"]
            assert sorted(n["ticketId"] for n in notes) == sorted(ids), notes
            count = api.call("GET", "/v1/notifications/unread-count", token=agent_token).json()
            assert count["unread"] == len(ids), count

            # Live: every ticket.created reached the socket, under its event id.
            seen = collections.defaultdict(set)
            deadline = time.monotonic() + WAIT
            while set(seen) != ids and time.monotonic() < deadline:
                m = recv(ws, max(0.1, deadline - time.monotonic()))
                if m.get("type") == "event" and m["event"]["type"] == "ticket.created":
                    seen[m["event"]["subject"]["ticketId"]].add(m["event"]["id"])
            assert set(seen) == ids
            assert all(len(v) == 1 for v in seen.values()), "a repeated push carries the same event id"
    finally:
        stop.set()
        receiver.server.shutdown()


def test_a_merge_whose_function_dies_is_whole_or_undone_and_its_retry_merges_once(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]

    def ticket(subject, replies):
        t = api.call("POST", "/v1/tickets", {"subject": subject, "description": "It broke."}, token=owner).json()
        for text in replies:
            r = api.call("POST", f"/v1/tickets/{t['id']}/comments", {"body": text}, token=owner)
            assert r.status_code == 201, r.text
        return t

    def state(target, source):
        s = api.call("GET", f"/v1/tickets/{source['id']}", token=owner).json()
        t = api.call("GET", f"/v1/tickets/{target['id']}/comments?limit=100", token=owner).json()["items"]
        copies = [c for c in t if c.get("copiedFrom", {}).get("ticketId") == source["id"]]
        return s, copies

    crashed, rounds = 0, 0
    while crashed < 3 and rounds < 30:
        rounds += 1
        target = ticket(f"Target {rounds}", [])
        source = ticket(f"Source {rounds}", ["one", "two", "three"])
        key = uuid.uuid4().hex
        answer = {}

        def merge():
            answer["r"] = api.call("POST", f"/v1/tickets/{target['id']}/merge", {"sourceIds": [source["id"]]},
                                   token=owner, headers={"idempotency-key": key})

        th = threading.Thread(target=merge)
        th.start()
        time.sleep(random.uniform(0.0, 0.05))
        crash(api, "TicketsFunction")
        th.join(30)
        r = answer["r"]
        s, copies = state(target, source)
        merged = s.get("mergedInto") == target["id"]
        # Whole or undone: never a source closed without its copies, nor
        # copies of an open source.
        if merged:
            assert s["status"] == "closed" and len(copies) == 4, (s, copies)
        else:
            assert s["status"] != "closed" and copies == [], (s, copies)
        if r.status_code == 502:
            assert_problem(r, 502, "function_crashed")
            crashed += 1
        else:
            assert r.status_code == 200, r.text
        # The client retries with the same key: merged, once.
        again = api.call("POST", f"/v1/tickets/{target['id']}/merge", {"sourceIds": [source["id"]]},
                         token=owner, headers={"idempotency-key": key})
        assert again.status_code == 200, again.text
        s, copies = state(target, source)
        assert s["mergedInto"] == target["id"]
        assert sorted(c["id"] for c in copies) == sorted({c["id"] for c in copies}) and len(copies) == 4
    assert crashed >= 1, f"no kill landed mid-merge in {rounds} rounds"
