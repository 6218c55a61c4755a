"""Triggers end to end through devstack: a customer's mail (sent with
smtplib) saying "refund" is routed by a trigger to the Billing team, tagged
and noted, and the ticket's history says which trigger did it; the trial
endpoint writes nothing; bad triggers are refused field by field."""

import time
import uuid

from conftest import assert_problem
from test_email import send
from test_email_out import outbound, text_of
from test_tickets import login, person


def eventually(check, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_a_refund_mail_is_routed_to_billing_by_a_trigger_and_the_history_says_which(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    address = f"support-{uuid.uuid4().hex[:12]}@acme.example"
    r = api.call("POST", "/v1/mailboxes", {"address": address, "fromName": "Acme Support"}, token=owner)
    assert r.status_code == 201, r.text
    r = api.call("POST", "/v1/teams", {"name": "Billing"}, token=owner)
    assert r.status_code == 201, r.text
    billing = r.json()["id"]
    rule = {
        "title": "Refunds go to Billing",
        "on": ["ticket.created"],
        "conditions": {"all": [{"field": "body", "operator": "contains", "value": "refund \"money back\""}]},
        "actions": [
            {"type": "assignTeam", "teamId": billing},
            {"type": "addTags", "tags": ["billing"]},
            {"type": "addNote", "body": "Routed to Billing by its words."},
        ],
    }
    r = api.call("POST", "/v1/triggers", rule, token=owner)
    assert r.status_code == 201, r.text
    trigger = r.json()
    assert trigger["position"] == 0 and trigger["active"] is True

    send(address, "Ana Lopez <ana@example.com>", "Order 1042", "I want my money back for order 1042.\n\nAna")
    send(address, "bo@example.com", "Order 1043", "Where is my parcel?")

    def routed():
        items = api.call("GET", "/v1/tickets?limit=10", token=owner).json()["items"]
        done = [t for t in items if t.get("teamId") == billing]
        return done[0] if len(items) == 2 and done else None

    ticket = eventually(routed)
    assert ticket, "the trigger routed the refund mail"
    assert ticket["subject"] == "Order 1042"
    assert ticket["tags"] == ["billing"]
    history = api.call("GET", f"/v1/tickets/{ticket['id']}/history", token=owner).json()["items"]
    [by_trigger] = [h for h in history if h.get("causedBy")]
    assert by_trigger["actor"]["type"] == "system"
    assert by_trigger["causedBy"] == {"type": "triggers",
                                      "triggers": [{"id": trigger["id"], "title": "Refunds go to Billing"}]}
    assert {c["field"] for c in by_trigger["changes"]} == {"teamId", "tags"}
    notes = api.call("GET", f"/v1/tickets/{ticket['id']}/comments", token=owner).json()["items"]
    assert [(n["body"], n["public"]) for n in notes[1:]] == [("Routed to Billing by its words.", False)]
    other = [t for t in api.call("GET", "/v1/tickets?limit=10", token=owner).json()["items"]
             if t["id"] != ticket["id"]][0]
    assert other.get("teamId") is None and other["tags"] == []

    # The trial writes nothing and says which condition holds (on an
    # inactive trigger, so the router's own run cannot change the ticket).
    r = api.call("PATCH", f"/v1/triggers/{trigger['id']}",
                 {"active": False,
                  "conditions": {"all": [{"field": "subject", "operator": "contains", "value": "parcel 1043"}]}},
                 token=owner, headers={"if-match": r.headers["etag"]})
    assert r.status_code == 200, r.text
    before = api.call("GET", f"/v1/tickets/{other['id']}", token=owner).json()
    r = api.call("POST", f"/v1/triggers/{trigger['id']}/test", {"ticketId": other["id"]}, token=owner)
    assert r.status_code == 200, r.text
    trial = r.json()
    assert trial["matches"] is True
    assert [c["met"] for c in trial["conditions"]] == [True]
    assert {c["field"] for c in trial["changes"]} == {"teamId", "tags"}
    assert trial["notes"] == ["Routed to Billing by its words."]
    after = api.call("GET", f"/v1/tickets/{other['id']}", token=owner).json()
    assert after["version"] == before["version"]


def test_bad_triggers_are_refused_field_by_field_and_only_admins_write_them(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    r = api.call("POST", "/v1/triggers", {
        "title": "",
        "on": [],
        "conditions": {"all": [{"field": "subject", "operator": "contains", "value": " "}]},
        "actions": [{"type": "assignTeam", "teamId": "team_01J9Z3Q4W5E6R7T8Y9V0A1B2C3"}],
    }, token=owner)
    body = assert_problem(r, 422, "validation_failed")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("title", "required"), ("on", "required"),
        ("conditions.all.0", "invalid_value"), ("actions.0", "unknown_team"),
    }
    r = api.call("POST", "/v1/triggers", {"title": "x", "on": ["ticket.exploded"], "actions": []}, token=owner)
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"] == "application/problem+json"

    agent = person(api, owner, "agent", "Al Agent")
    agent_token = login(api, slug, agent["email"])
    rule = {"title": "Tag", "on": ["ticket.created"], "actions": [{"type": "addTags", "tags": ["x"]}]}
    assert_problem(api.call("POST", "/v1/triggers", rule, token=agent_token), 403, "forbidden")
    r = api.call("POST", "/v1/triggers", rule, token=owner)
    assert r.status_code == 201, r.text
    assert api.call("GET", "/v1/triggers", token=agent_token).json()["items"][0]["title"] == "Tag"

    _, other = api.sign_up()
    assert_problem(api.call("GET", f"/v1/triggers/{r.json()['id']}", token=other["accessToken"]), 404, "not_found")


def test_a_refund_mail_goes_to_the_least_busy_online_agent_of_billing(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    address = f"support-{uuid.uuid4().hex[:12]}@acme.example"
    r = api.call("POST", "/v1/mailboxes", {"address": address, "fromName": "Acme Support"}, token=owner)
    assert r.status_code == 201, r.text
    busy = person(api, owner, "agent", "Bea Busy")
    free = person(api, owner, "agent", "Fay Free")
    away = person(api, owner, "agent", "Al Away")
    r = api.call("POST", "/v1/teams", {"name": "Billing", "members": [busy["id"], free["id"], away["id"]]},
                 token=owner)
    assert r.status_code == 201, r.text
    billing = r.json()["id"]
    for agent, status in ((busy, "online"), (free, "online"), (away, "away")):
        r = api.call("PUT", f"/v1/users/{agent['id']}/availability", {"status": status}, token=owner)
        assert r.status_code == 200, r.text
    # Bea already holds a ticket; Al holds none but is away.
    r = api.call("POST", "/v1/tickets", {"subject": "Earlier", "description": "x", "assigneeId": busy["id"]},
                 token=owner)
    assert r.status_code == 201, r.text
    r = api.call("PUT", f"/v1/teams/{billing}/assignment",
                 {"strategy": "least_busy", "maxOpenPerAgent": 5}, token=owner)
    assert r.status_code == 200, r.text
    assert r.json() == {"strategy": "least_busy", "maxOpenPerAgent": 5,
                        "onlyAvailable": True, "requireSkills": True}
    r = api.call("POST", "/v1/triggers", {
        "title": "Refunds go to Billing",
        "on": ["ticket.created"],
        "conditions": {"all": [{"field": "body", "operator": "contains", "value": "refund"}]},
        "actions": [{"type": "assignTeam", "teamId": billing}, {"type": "autoAssign"},
                    {"type": "addTags", "tags": ["billing"]}],
    }, token=owner)
    assert r.status_code == 201, r.text
    trigger = r.json()

    send(address, "Ana Lopez <ana@example.com>", "Order 1042", "Please refund order 1042.")

    def assigned():
        items = api.call("GET", f"/v1/tickets?team={billing}&limit=10", token=owner).json()["items"]
        return items[0] if items and items[0].get("assigneeId") else None

    ticket = eventually(assigned)
    assert ticket, "the ticket was routed and assigned"
    assert ticket["assigneeId"] == free["id"]
    assert ticket["tags"] == ["billing"]
    history = api.call("GET", f"/v1/tickets/{ticket['id']}/history", token=owner).json()["items"]
    causes = [h["causedBy"] for h in history if h.get("causedBy")]
    assert causes == [
        {"type": "triggers", "triggers": [{"id": trigger["id"], "title": "Refunds go to Billing"}]},
        {"type": "assignment", "teamId": billing, "strategy": "least_busy"},
    ]
    agents = {a["userId"]: a for a in api.call("GET", "/v1/agents", token=owner).json()["items"]}
    assert (agents[busy["id"]]["open"], agents[free["id"]]["open"], agents[away["id"]]["open"]) == (1, 1, 0)
    assert agents[away["id"]]["availability"] == "away"


def test_a_macro_previewed_writes_nothing_and_applied_writes_once(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    customer = person(api, owner, "customer", "Cal Customer")
    customer_token = login(api, slug, customer["email"])
    r = api.call("POST", "/v1/tickets", {"subject": "Refund for order 12", "description": "Please."},
                 token=customer_token)
    assert r.status_code == 201, r.text
    ticket = r.json()
    r = api.call("POST", "/v1/macros", {
        "title": "Refund sent",
        "visibility": "everyone",
        "actions": [{"type": "setStatus", "status": "solved"}, {"type": "addTags", "tags": ["refunded"]}],
        "comment": {"body": "Hello {{ requester.name }}, your refund for #{{ ticket.number }} is on its way.",
                    "public": True},
    }, token=owner)
    assert r.status_code == 201, r.text
    macro = r.json()
    bad = api.call("POST", "/v1/macros", {"title": "Bad", "comment": {"body": "Hi {{ requester.password }}",
                                                                     "public": True}}, token=owner)
    body = assert_problem(bad, 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("comment.body", "unknown_placeholder")]

    etag = f'"{ticket["version"]}"'
    path = f"/v1/tickets/{ticket['id']}/macros/{macro['id']}/apply"
    r = api.call("POST", path + "?preview=true", token=owner, headers={"if-match": etag})
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["ticket"]["status"] == "solved"
    assert preview["comment"] == {"body": f"Hello Cal Customer, your refund for #{ticket['number']} is on its way.",
                                  "public": True}
    assert {c["field"] for c in preview["changes"]} == {"status", "tags"}
    same = api.call("GET", f"/v1/tickets/{ticket['id']}", token=owner).json()
    assert same["version"] == ticket["version"] and same["status"] == ticket["status"]

    r = api.call("POST", path, token=owner, headers={"if-match": etag})
    assert r.status_code == 200, r.text
    applied = r.json()["ticket"]
    assert applied["status"] == "solved" and applied["version"] == ticket["version"] + 1
    assert_problem(api.call("POST", path, token=owner, headers={"if-match": etag}), 412, "precondition_failed")
    comments = api.call("GET", f"/v1/tickets/{ticket['id']}/comments", token=customer_token).json()["items"]
    assert [c["body"] for c in comments][-1] == preview["comment"]["body"]
    assert api.call("GET", f"/v1/macros/{macro['id']}", token=owner).json()["usage"] == 1


def test_a_macro_applied_in_bulk_changes_each_ticket_once(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    ids = []
    for n in range(3):
        r = api.call("POST", "/v1/tickets", {"subject": f"Spam {n}", "description": "Buy now"}, token=owner)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    r = api.call("POST", "/v1/macros", {
        "title": "Close as spam",
        "visibility": "everyone",
        "actions": [{"type": "addTags", "tags": ["spam"]}, {"type": "setStatus", "status": "solved"}],
        "comment": {"body": "Spam: #{{ ticket.number }} closed.", "public": False},
    }, token=owner)
    assert r.status_code == 201, r.text
    macro = r.json()
    both = api.call("POST", "/v1/tickets/bulk", {"ids": ids, "macroId": macro["id"], "update": {"priority": "low"}},
                    token=owner)
    assert_problem(both, 422, "validation_failed")
    unknown = api.call("POST", "/v1/tickets/bulk", {"ids": ids, "macroId": "mac_01J00000000000000000000000"},
                       token=owner, headers={"idempotency-key": "unknown-macro"})
    body = assert_problem(unknown, 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("macroId", "unknown_macro")]

    missing = "tkt_01J00000000000000000000000"
    request = {"ids": ids[:2] + [missing], "macroId": macro["id"]}
    body = assert_problem(api.call("POST", "/v1/tickets/bulk", request, token=owner), 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("Idempotency-Key", "required")]
    key = {"idempotency-key": f"spam-{uuid.uuid4().hex}"}
    r = api.call("POST", "/v1/tickets/bulk", request, token=owner, headers=key)
    assert r.status_code == 200, r.text
    # A retry (the answer was lost) writes nothing twice.
    again = api.call("POST", "/v1/tickets/bulk", request, token=owner, headers=key)
    assert again.status_code == 200, again.text
    assert [(i["id"], i["status"]) for i in again.json()["items"]] == [(ids[0], 200), (ids[1], 200), (missing, 404)]
    items = r.json()["items"]
    assert [(i["id"], i["status"]) for i in items] == [(ids[0], 200), (ids[1], 200), (missing, 404)]
    for t in items[:2]:
        assert t["ticket"]["status"] == "solved" and t["ticket"]["tags"] == ["spam"]
        notes = api.call("GET", f"/v1/tickets/{t['id']}/comments", token=owner).json()["items"]
        number = t["ticket"]["number"]
        assert [(c["body"], c["public"]) for c in notes[1:]] == [(f"Spam: #{number} closed.", False)]
    untouched = api.call("GET", f"/v1/tickets/{ids[2]}", token=owner).json()
    assert untouched["status"] == "new" and untouched["tags"] == []
    assert api.call("GET", f"/v1/macros/{macro['id']}", token=owner).json()["usage"] == 2


def test_a_trigger_mails_the_on_call_address_and_the_requester(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    customer = person(api, owner, "customer", "Olga Outage")
    customer_token = login(api, slug, customer["email"])
    rule = {
        "title": "Page on call",
        "on": ["ticket.created"],
        "conditions": {"all": [{"field": "subject", "operator": "contains", "value": "outage"}]},
        "actions": [
            {"type": "sendEmail", "to": "address", "address": "oncall@ops.example",
             "subject": "Outage #{{ ticket.number }}: {{ ticket.subject }}",
             "body": "{{ requester.name }} reports: {{ ticket.subject }}"},
            {"type": "sendEmail", "to": "requester", "subject": "We are on it",
             "body": "Hello {{ requester.name }}, the on-call engineer is paged."},
        ],
    }
    bad = dict(rule, actions=[{"type": "sendEmail", "to": "address", "subject": "x", "body": "{{ agent.password }}"}])
    body = assert_problem(api.call("POST", "/v1/triggers", bad, token=owner), 422, "validation_failed")
    assert sorted((e["field"], e["code"]) for e in body["errors"]) == [
        ("actions.0", "invalid_value"), ("actions.0.body", "unknown_placeholder")]
    r = api.call("POST", "/v1/triggers", rule, token=owner)
    assert r.status_code == 201, r.text
    r = api.call("POST", "/v1/tickets", {"subject": "Total outage", "description": "Nothing loads."},
                 token=customer_token)
    assert r.status_code == 201, r.text
    ticket = r.json()

    # The acknowledgement and the rule's two mails, and no more (a fourth
    # is waited for).
    outbound(api, slug, 3, timeout=40)
    mails = [m for _, m in outbound(api, slug, 4, timeout=5)]
    by_subject = {m["Subject"]: m for m in mails}
    paged = by_subject[f"Outage #{ticket['number']}: Total outage"]
    assert paged["To"].addresses[0].addr_spec == "oncall@ops.example"
    assert text_of(paged).strip() == "Olga Outage reports: Total outage"
    assert paged["Auto-Submitted"] == "auto-generated"
    assert paged["Reply-To"] is None
    assert "We are on it" in by_subject, list(by_subject)
    told = by_subject["We are on it"]
    assert told["To"].addresses[0].addr_spec == customer["email"]
    assert told["Reply-To"] is not None, "the customer's answer threads onto the ticket"
    assert len(mails) == 3, [m["Subject"] for m in mails]


def test_an_automation_closes_a_solved_ticket_whose_time_has_passed(api):
    """devstack runs automations every minute (the template's schedule is a
    parameter); `hours: 0` means as soon as the ticket is solved."""
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    rule = {
        "title": "Close solved tickets",
        "conditions": {"all": [
            {"field": "status", "operator": "is", "value": "solved"},
            {"field": "hoursSince", "clock": "solved", "operator": "greater_than", "hours": 0},
        ]},
        "actions": [{"type": "setStatus", "status": "closed"}],
    }
    nagging = dict(rule, actions=[{"type": "addNote", "body": "Solved, still."}])
    body = assert_problem(api.call("POST", "/v1/automations", nagging, token=owner), 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("actions", "not_nullifying")]
    r = api.call("POST", "/v1/automations", rule, token=owner)
    assert r.status_code == 201, r.text
    automation = r.json()
    r = api.call("POST", "/v1/tickets", {"subject": "Done", "description": "x"}, token=owner)
    assert r.status_code == 201, r.text
    ticket = r.json()
    r = api.call("PATCH", f"/v1/tickets/{ticket['id']}", {"status": "solved"}, token=owner,
                 headers={"if-match": f'"{ticket["version"]}"'})
    assert r.status_code == 200, r.text
    r = api.call("POST", "/v1/tickets", {"subject": "Open", "description": "x"}, token=owner)
    untouched = r.json()

    def closed():
        t = api.call("GET", f"/v1/tickets/{ticket['id']}", token=owner).json()
        return t if t["status"] == "closed" else None

    done = eventually(closed, timeout=130)
    assert done, "the hourly run (every minute in devstack) closed it"
    history = api.call("GET", f"/v1/tickets/{ticket['id']}/history", token=owner).json()["items"]
    assert history[-1]["causedBy"] == {"type": "automation",
                                       "automation": {"id": automation["id"], "title": "Close solved tickets"}}
    assert history[-1]["actor"]["type"] == "system"
    assert api.call("GET", f"/v1/tickets/{untouched['id']}", token=owner).json()["status"] == "new"
