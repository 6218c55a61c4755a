"""Live updates end to end: a WebSocket client (the `websockets` package)
against devstack's WebSocket API, fed by the outbox through the table's
stream and the event router; in-app notifications through the HTTP API."""

import json
import os
import time
import urllib.parse

import boto3
import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from conftest import assert_problem
from test_tickets import login, person

WAIT = 15  # seconds for an event to cross stream, router and gateway


def connect_url(api, token):
    r = api.call("POST", "/v1/realtime/tickets", token=token)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["ticket"].startswith("wst_")
    assert body["ticket"] in body["connectUrl"]
    return body["connectUrl"]


def send(ws, message):
    ws.send(json.dumps(message))


def recv(ws, timeout=WAIT):
    return json.loads(ws.recv(timeout=timeout))


def until(ws, accept, timeout=WAIT):
    """Messages up to and including the first one `accept` takes."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no matching message within {timeout}s; got {seen}"
        m = recv(ws, left)
        seen.append(m)
        if accept(m):
            return seen


def answer(ws, *types):
    """The next message of one of `types`, skipping events pushed meanwhile
    (the tickets a test just opened are still being routed)."""
    return until(ws, lambda m: m["type"] in types)[-1]


def subscribe(ws, topic):
    send(ws, {"action": "subscribe", "topic": topic})
    return answer(ws, "subscribed", "error")


def event_of(kind, **subject):
    def accept(m):
        if m.get("type") != "event" or m["event"]["type"] != kind:
            return False
        return all(m["event"]["subject"].get(k) == v for k, v in subject.items())
    return accept


@pytest.fixture
def helpdesk(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    agent = person(api, owner, "agent", "Ada Agent")
    other_agent = person(api, owner, "agent", "Otto Agent")
    customer = person(api, owner, "customer", "Cal Customer")
    other_customer = person(api, owner, "customer", "Cleo Customer")
    return {
        "slug": slug,
        "owner": owner,
        "agent": agent | {"token": login(api, slug, agent["email"])},
        "other_agent": other_agent | {"token": login(api, slug, other_agent["email"])},
        "customer": customer | {"token": login(api, slug, customer["email"])},
        "other_customer": other_customer | {"token": login(api, slug, other_customer["email"])},
    }


def open_ticket(api, token, subject="Printer on fire"):
    r = api.call("POST", "/v1/tickets", {"subject": subject, "description": "Smoke everywhere"}, token=token)
    assert r.status_code == 201, r.text
    return r.json()


def test_an_agent_watching_the_queue_sees_a_customer_open_a_ticket(api, helpdesk):
    with connect(connect_url(api, helpdesk["agent"]["token"])) as ws:
        assert subscribe(ws, "queue") == {"type": "subscribed", "topic": "queue"}
        ticket = open_ticket(api, helpdesk["customer"]["token"])
        seen = until(ws, event_of("ticket.created", ticketId=ticket["id"]))
        event = seen[-1]["event"]
        assert seen[-1]["topic"] == "queue"
        assert event["data"]["number"] == ticket["number"]
        assert event["actor"] == {"type": "user", "id": helpdesk["customer"]["id"]}
        assert event["id"].startswith("evt_")


def test_a_customer_following_their_ticket_sees_public_replies_but_never_internal_notes(api, helpdesk):
    ticket = open_ticket(api, helpdesk["customer"]["token"])
    tid = ticket["id"]
    agent = helpdesk["agent"]["token"]
    with connect(connect_url(api, helpdesk["customer"]["token"])) as ws:
        assert subscribe(ws, f"ticket:{tid}")["type"] == "subscribed"
        note = api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Customer seems upset", "public": False}, token=agent)
        assert note.status_code == 201, note.text
        reply = api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "We're on it."}, token=agent)
        assert reply.status_code == 201, reply.text
        seen = until(ws, event_of("comment.created", commentId=reply.json()["id"]))
    data = seen[-1]["event"]["data"]
    assert (data["public"], data["body"]) == (True, "We're on it."), data
    assert set(data) == {"public", "body", "authorId"}, "no mentions for customers"
    events = [m["event"] for m in seen if m["type"] == "event"]
    assert all(e["subject"].get("commentId") != note.json()["id"] for e in events), events
    assert all(e["type"] != "ticket.assigned" for e in events)


def test_staff_in_the_ticket_room_see_internal_notes(api, helpdesk):
    ticket = open_ticket(api, helpdesk["customer"]["token"])
    tid = ticket["id"]
    with connect(connect_url(api, helpdesk["other_agent"]["token"])) as ws:
        assert subscribe(ws, f"ticket:{tid}")["type"] == "subscribed"
        note = api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Check the logs", "public": False},
                        token=helpdesk["agent"]["token"])
        seen = until(ws, event_of("comment.created", commentId=note.json()["id"]))
    assert seen[-1]["event"]["data"]["public"] is False


def test_subscribing_beyond_ones_reach_is_refused_on_the_socket(api, helpdesk):
    theirs = open_ticket(api, helpdesk["other_customer"]["token"])
    _, other_tenant = api.sign_up()
    foreign = open_ticket(api, other_tenant["accessToken"], "Another tenant's")
    with connect(connect_url(api, helpdesk["customer"]["token"])) as ws:
        refused = subscribe(ws, f"ticket:{theirs['id']}")
        assert refused == {"type": "error", "code": "not_found", "message": "no such ticket", "action": "subscribe"}
        assert subscribe(ws, "queue")["code"] == "forbidden"
        assert subscribe(ws, f"user:{helpdesk['agent']['id']}")["code"] == "forbidden"
        assert subscribe(ws, "everything")["code"] == "invalid_topic"
        send(ws, {"action": "shout"})
        assert answer(ws, "error")["code"] == "invalid_message"
        ws.send("not json")
        assert answer(ws, "error")["code"] == "invalid_message"
        assert subscribe(ws, f"user:{helpdesk['customer']['id']}")["type"] == "subscribed"
    with connect(connect_url(api, helpdesk["agent"]["token"])) as ws:
        assert subscribe(ws, f"ticket:{foreign['id']}")["code"] == "not_found"
        assert subscribe(ws, f"ticket:{theirs['id']}")["type"] == "subscribed"


def test_a_connection_needs_an_unused_ticket(api, helpdesk):
    url = connect_url(api, helpdesk["agent"]["token"])
    base = url.split("?")[0]
    for bad in [base, base + "?ticket=wst_forged", base + "?ticket=" + urllib.parse.quote(helpdesk["agent"]["token"])]:
        with pytest.raises(InvalidStatus) as refused:
            connect(bad)
        assert refused.value.response.status_code == 401
    with connect(url) as ws:
        send(ws, {"action": "ping"})
        assert answer(ws, "pong")["type"] == "pong"
    with pytest.raises(InvalidStatus) as reused:
        connect(url)
    assert reused.value.response.status_code == 401
    # API keys have no person to push to.
    key = api.call("POST", "/v1/api-keys", {"name": "ci", "role": "agent", "scopes": ["tickets:read"]},
                   token=helpdesk["owner"]).json()["key"]
    assert_problem(api.call("POST", "/v1/realtime/tickets", token=key), 403, "forbidden")


def test_typing_reaches_the_others_in_the_room_and_internal_typing_only_staff(api, helpdesk):
    ticket = open_ticket(api, helpdesk["customer"]["token"])
    topic = f"ticket:{ticket['id']}"
    with connect(connect_url(api, helpdesk["agent"]["token"])) as agent, \
            connect(connect_url(api, helpdesk["customer"]["token"])) as customer, \
            connect(connect_url(api, helpdesk["other_agent"]["token"])) as colleague:
        for ws in (agent, customer, colleague):
            assert subscribe(ws, topic)["type"] == "subscribed"
        send(agent, {"action": "typing", "ticketId": ticket["id"], "internal": True})
        got = answer(colleague, "typing")
        assert got == {"type": "typing", "ticketId": ticket["id"], "userId": helpdesk["agent"]["id"], "internal": True}
        send(agent, {"action": "typing", "ticketId": ticket["id"]})
        assert answer(colleague, "typing")["internal"] is False
        # The customer sees only the public typing (the internal one came first).
        assert answer(customer, "typing") == {"type": "typing", "ticketId": ticket["id"],
                                               "userId": helpdesk["agent"]["id"], "internal": False}
        send(customer, {"action": "typing", "ticketId": ticket["id"], "internal": True})
        assert answer(customer, "error")["code"] == "forbidden"


def connection_item(connection_id):
    table = boto3.resource(
        "dynamodb", endpoint_url=os.environ["SWITCHBOARD_TEST_ENDPOINT"], region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    ).Table(os.environ["SWITCHBOARD_TEST_TABLE"])
    return table.get_item(Key={"PK": f"CONN#{connection_id}", "SK": "CONN"}, ConsistentRead=True).get("Item")


def test_a_dropped_connection_is_forgotten_on_the_next_fan_out(api, helpdesk):
    url = connect_url(api, helpdesk["agent"]["token"])
    with connect(url) as ws:
        assert subscribe(ws, "queue")["type"] == "subscribed"
        send(ws, {"action": "ping"})
        connection_id = answer(ws, "pong")["connectionId"]
        assert connection_item(connection_id) is not None
        # devstack drops the socket without running $disconnect, as when API
        # Gateway loses a disconnect: only the next push can find out.
        gateway = urllib.parse.urlsplit(url)
        dropped = requests.post(
            f"http://{gateway.netloc}/_devstack/connections/{urllib.parse.quote(connection_id)}/drop", timeout=10)
        assert dropped.status_code == 204
    assert connection_item(connection_id) is not None
    open_ticket(api, helpdesk["customer"]["token"])
    deadline = time.monotonic() + WAIT
    while connection_item(connection_id) is not None:
        assert time.monotonic() < deadline, "the gone connection was not cleaned up"
        time.sleep(0.2)


def test_an_assignment_notifies_the_assignee_in_the_bell_and_live(api, helpdesk):
    agent = helpdesk["agent"]
    ticket = open_ticket(api, helpdesk["customer"]["token"], "Refund please")
    with connect(connect_url(api, agent["token"])) as ws:
        assert subscribe(ws, f"user:{agent['id']}")["type"] == "subscribed"
        r = api.call("PATCH", f"/v1/tickets/{ticket['id']}", {"assigneeId": agent["id"]},
                     token=helpdesk["other_agent"]["token"], headers={"if-match": f'"{ticket["version"]}"'})
        assert r.status_code == 200, r.text
        pushed = until(ws, lambda m: m["type"] == "notification")[-1]["notification"]
    assert pushed["kind"] == "assigned"
    assert pushed["title"] == f"#{ticket['number']} assigned to you: Refund please"
    listed = api.call("GET", "/v1/notifications?unread=true", token=agent["token"]).json()
    assert [n["id"] for n in listed["items"]] == [pushed["id"]]
    assert api.call("GET", "/v1/notifications/unread-count", token=agent["token"]).json() == {"unread": 1}
    # The one who assigned hears nothing of it.
    assert api.call("GET", "/v1/notifications", token=helpdesk["other_agent"]["token"]).json()["items"] == []
    # Nobody else can read or delete it.
    assert_problem(api.call("POST", f"/v1/notifications/{pushed['id']}/read", token=helpdesk["other_agent"]["token"]), 404, "not_found")
    read = api.call("POST", f"/v1/notifications/{pushed['id']}/read", token=agent["token"])
    assert read.status_code == 200 and read.json()["read"] is True
    assert api.call("GET", "/v1/notifications/unread-count", token=agent["token"]).json() == {"unread": 0}
    assert api.call("DELETE", f"/v1/notifications/{pushed['id']}", token=agent["token"]).status_code == 204
    assert api.call("GET", "/v1/notifications", token=agent["token"]).json()["items"] == []


def test_muted_kinds_are_not_notified_and_a_status_change_reaches_the_customer(api, helpdesk):
    customer = helpdesk["customer"]
    prefs = api.call("PUT", "/v1/notifications/preferences", {"muted": ["assigned"]}, token=helpdesk["agent"]["token"])
    assert prefs.status_code == 200 and prefs.json()["muted"] == ["assigned"]
    bad = api.call("PUT", "/v1/notifications/preferences", {"muted": ["everything"]}, token=customer["token"])
    assert assert_problem(bad, 422, "validation_failed")["errors"][0]["field"] == "muted.0"
    ticket = open_ticket(api, customer["token"])
    with connect(connect_url(api, customer["token"])) as ws:
        assert subscribe(ws, f"user:{customer['id']}")["type"] == "subscribed"
        r = api.call("PATCH", f"/v1/tickets/{ticket['id']}", {"assigneeId": helpdesk["agent"]["id"], "status": "pending"},
                     token=helpdesk["other_agent"]["token"], headers={"if-match": f'"{ticket["version"]}"'})
        assert r.status_code == 200, r.text
        pushed = until(ws, lambda m: m["type"] == "notification")[-1]["notification"]
    assert pushed["kind"] == "status_changed"
    assert "is now pending" in pushed["title"]
    # The agent muted assignments: nothing arrived for them.
    assert api.call("GET", "/v1/notifications", token=helpdesk["agent"]["token"]).json()["items"] == []
    marked = api.call("POST", "/v1/notifications/read-all", token=customer["token"]).json()
    assert marked == {"marked": 1}


def test_the_connections_api_describes_closes_and_reports_gone(api, helpdesk):
    url = connect_url(api, helpdesk["agent"]["token"])
    gateway = urllib.parse.urlsplit(url)
    with connect(url) as ws:
        send(ws, {"action": "ping"})
        connection_id = answer(ws, "pong")["connectionId"]
        management = f"http://{gateway.netloc}{gateway.path}/@connections/{urllib.parse.quote(connection_id)}"
        described = requests.get(management, timeout=10)
        assert described.status_code == 200, described.text
        assert described.json()["identity"]["sourceIp"] == "127.0.0.1"
        assert requests.post(management, data=b'{"type":"hello"}', timeout=10).status_code == 200
        assert answer(ws, "hello") == {"type": "hello"}
        assert requests.delete(management, timeout=10).status_code == 204
        with pytest.raises(ConnectionClosed):
            recv(ws, timeout=5)
    # $disconnect ran: the connection is forgotten, and the API says gone.
    deadline = time.monotonic() + WAIT
    while connection_item(connection_id) is not None:
        assert time.monotonic() < deadline, "$disconnect did not clean up"
        time.sleep(0.2)
    gone = requests.get(management, timeout=10)
    assert gone.status_code == 410
    assert gone.headers["x-amzn-errortype"] == "GoneException"
    assert requests.post(management, data=b"{}", timeout=10).status_code == 410


def test_a_deactivated_agents_socket_is_closed_and_a_logged_out_one_hears_nothing(api, helpdesk):
    agent, other = helpdesk["agent"], helpdesk["other_agent"]
    with connect(connect_url(api, agent["token"])) as ws, \
            connect(connect_url(api, other["token"])) as other_ws:
        assert subscribe(ws, "queue")["type"] == "subscribed"
        assert subscribe(other_ws, "queue")["type"] == "subscribed"
        r = api.call("DELETE", f"/v1/users/{agent['id']}", token=helpdesk["owner"])
        assert r.status_code in (200, 204), r.text
        # The deactivation's event reaches the router, which closes the socket.
        with pytest.raises(ConnectionClosed):
            until(ws, lambda m: False, timeout=WAIT)
        # A new ticket still reaches the others.
        ticket = open_ticket(api, helpdesk["customer"]["token"])
        until(other_ws, event_of("ticket.created", ticketId=ticket["id"]))
        # Logging out ends the session: its socket hears no more and is closed.
        r = api.call("POST", "/v1/auth/logout", token=other["token"])
        assert r.status_code in (200, 204), r.text
        open_ticket(api, helpdesk["customer"]["token"], subject="After logout")
        with pytest.raises(ConnectionClosed):
            until(other_ws, lambda m: m.get("type") == "event"
                  and m["event"]["data"].get("subject") == "After logout", timeout=WAIT)
