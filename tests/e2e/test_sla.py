"""SLAs end to end through devstack: a policy of one-minute targets, three
tickets at once (ignored, answered in time, put on pending), and what a
webhook receiver (verifying with the independent Standard Webhooks
package) and a WebSocket client watching the queue see as the clock runs.
Takes a little over a minute of real time."""

import time
from datetime import datetime

from standardwebhooks.webhooks import Webhook
from websockets.sync.client import connect

from test_live import connect_url, recv, subscribe
from test_tickets import login, person
from test_webhooks import Receiver


def parse_time(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def test_warnings_and_breaches_arrive_once_escalate_and_spare_met_and_paused_tickets(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    customer = person(api, owner, "customer", "Cal Customer")
    customer_token = login(api, slug, customer["email"])
    receiver = Receiver()
    try:
        r = api.call("POST", "/v1/webhooks",
                     {"url": receiver.url, "events": ["sla.warning", "sla.breached"]}, token=owner)
        assert r.status_code == 201, r.text
        secret = r.json()["secret"]
        policy = {
            "name": "One minute",
            "targets": {p: {"firstResponse": {"minutes": 1}} for p in ("normal", "high", "urgent")},
            "warnAt": 0.5,
            "onBreach": [{"type": "raisePriority"}],
        }
        r = api.call("POST", "/v1/sla-policies", policy, token=owner)
        assert r.status_code == 201, r.text

        with connect(connect_url(api, owner)) as ws:
            assert subscribe(ws, "queue")["type"] == "subscribed"

            def open_ticket(subject):
                r = api.call("POST", "/v1/tickets", {"subject": subject, "description": "Help"}, token=customer_token)
                assert r.status_code == 201, r.text
                return r.json()

            late, answered, waiting = open_ticket("Ignored"), open_ticket("Answered"), open_ticket("Pending")
            r = api.call("POST", f"/v1/tickets/{answered['id']}/comments",
                         {"body": "We are on it.", "public": True}, token=owner)
            assert r.status_code == 201, r.text
            r = api.call("PATCH", f"/v1/tickets/{waiting['id']}", {"status": "pending"}, token=owner,
                         headers={"if-match": f'"{waiting["version"]}"'})
            assert r.status_code == 200, r.text

            # Everything the socket pushes, until the breach and a margin.
            seen = []
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    m = recv(ws, max(0.1, deadline - time.monotonic()))
                except TimeoutError:
                    break
                seen.append((time.time(), m))
                if any(x["type"] == "event" and x["event"]["type"] == "sla.breached" for _, x in seen):
                    deadline = min(deadline, time.monotonic() + 8)

        sla_pushes = [m["event"] for _, m in seen if m["type"] == "event" and m["event"]["type"].startswith("sla.")]
        assert [(e["type"], e["subject"]["ticketId"]) for e in sla_pushes] == [
            ("sla.warning", late["id"]), ("sla.breached", late["id"])], sla_pushes

        deliveries = receiver.wait_for(2, timeout=15)
        time.sleep(2)
        verifier = Webhook(secret)
        events = [verifier.verify(d["body"], d["headers"]) for d in receiver.requests]
        assert sorted((e["type"], e["subject"]["ticketId"]) for e in events) == sorted([
            ("sla.warning", late["id"]), ("sla.breached", late["id"])]), events
        assert len({d["headers"]["webhook-id"] for d in deliveries}) == 2

        breach = next(e for e in events if e["type"] == "sla.breached")
        assert breach["data"]["target"] == "first_response"
        lateness = parse_time(breach["occurredAt"]) - parse_time(breach["data"]["dueAt"])
        assert lateness >= 0, "never announced early"
        print(f"breach announced {lateness:.2f} s after its due time")

        # Escalated, listed, and shown on the ticket.
        r = api.call("GET", f"/v1/tickets/{late['id']}", token=owner)
        assert r.json()["priority"] == "high"
        assert r.json()["sla"]["targets"][0]["state"] == "breached"
        listed = api.call("GET", "/v1/tickets?sla=breached", token=owner).json()["items"]
        assert [t["id"] for t in listed] == [late["id"]]
        assert api.call("GET", f"/v1/tickets/{answered['id']}", token=owner).json()["sla"]["targets"][0]["state"] == "met"
        assert api.call("GET", f"/v1/tickets/{waiting['id']}", token=owner).json()["sla"]["targets"][0]["state"] == "paused"
        customer_view = api.call("GET", f"/v1/tickets/{late['id']}", token=customer_token).json()
        assert "sla" not in customer_view
    finally:
        receiver.server.shutdown()
