"""Webhooks end to end: deliveries reach a local receiver and verify with an
independent Standard Webhooks implementation (the Python `standardwebhooks`
package); retries, disabling, replay and secret rotation through devstack
(whose template parameters make retries a second apart and allow loopback
receivers)."""

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from conftest import assert_problem
from test_tickets import login, person

WAIT = 20


class Receiver:
    """A webhook receiver answering from a script (then 200)."""

    def __init__(self):
        self.requests = []
        self.script = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                with receiver.lock:
                    receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                              "body": body, "at": time.time()})
                    status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(f"answered {status}".encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, n, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.1)
        raise AssertionError(f"expected {n} deliveries, got {len(self.requests)}")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def tenant(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    customer = person(api, owner, "customer", "Cal Customer")
    return {"slug": slug, "owner": owner, "customer": login(api, slug, customer["email"]), "api": api}


def register(api, owner, url, events=("ticket.created",)):
    # A filter, so that the tenant's own setup events (user.created…), routed
    # a moment later, do not reach the receiver; test events always pass.
    body = {"url": url, "description": "CRM sync", "events": list(events)}
    r = api.call("POST", "/v1/webhooks", body, token=owner)
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["secret"].startswith("whsec_")
    return hook


def until_delivery(api, owner, hook_id, accept, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while True:
        items = api.call("GET", f"/v1/webhooks/{hook_id}/deliveries", token=owner).json()["items"]
        if items and accept(items[0]):
            return items[0]
        assert time.monotonic() < deadline, f"delivery never settled: {items}"
        time.sleep(0.3)


def test_deliveries_verify_with_an_independent_implementation(api, tenant, receiver):
    hook = register(api, tenant["owner"], receiver.url, ["ticket.created"])
    assert api.call("GET", f"/v1/webhooks/{hook['id']}", token=tenant["owner"]).json().get("secret") is None
    t = api.call("POST", "/v1/tickets", {"subject": "Printer on fire", "description": "Smoke"}, token=tenant["customer"])
    assert t.status_code == 201
    [request] = receiver.wait_for(1)
    headers, body = request["headers"], request["body"]
    verified = Webhook(hook["secret"]).verify(body, headers)
    assert verified["type"] == "ticket.created"
    assert verified["subject"]["ticketId"] == t.json()["id"]
    assert headers["webhook-id"].startswith("msg_")
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("Switchboard-Webhooks/")

    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(body.replace("Printer", "Scanner"), headers)
    old = datetime.now(timezone.utc) - timedelta(hours=1)
    stale = dict(headers)
    stale["webhook-timestamp"] = str(int(old.timestamp()))
    stale["webhook-signature"] = Webhook(hook["secret"]).sign(headers["webhook-id"], old, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(body, stale)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(body, headers)

    d = until_delivery(api, tenant["owner"], hook["id"], lambda d: d["status"] == "succeeded")
    assert d["id"] == headers["webhook-id"]
    assert d["attempts"][0]["statusCode"] == 200
    assert d["attempts"][0]["response"] == "answered 200"
    one = api.call("GET", f"/v1/webhooks/{hook['id']}/deliveries/{d['id']}", token=tenant["owner"]).json()
    assert one["payload"] == json.loads(body)


def test_a_failing_receiver_is_retried_with_the_same_webhook_id(api, tenant, receiver):
    receiver.script = [500, 500, 200]
    hook = register(api, tenant["owner"], receiver.url)
    sent = api.call("POST", f"/v1/webhooks/{hook['id']}/test", token=tenant["owner"])
    assert sent.status_code == 202, sent.text
    requests_ = receiver.wait_for(3)
    ids = {r["headers"]["webhook-id"] for r in requests_}
    assert ids == {sent.json()["id"]}
    assert all(Webhook(hook["secret"]).verify(r["body"], r["headers"])["type"] == "webhook.test" for r in requests_)
    assert requests_[1]["at"] - requests_[0]["at"] >= 0.8, "retries wait for the schedule"
    d = until_delivery(api, tenant["owner"], hook["id"], lambda d: d["status"] == "succeeded")
    assert [a["statusCode"] for a in d["attempts"]] == [500, 500, 200]


def test_a_gone_endpoint_is_disabled_and_the_admins_are_told(api, tenant, receiver):
    receiver.script = [410]
    hook = register(api, tenant["owner"], receiver.url)
    api.call("POST", f"/v1/webhooks/{hook['id']}/test", token=tenant["owner"])
    receiver.wait_for(1)
    d = until_delivery(api, tenant["owner"], hook["id"], lambda d: d["status"] == "failed")
    assert [a["statusCode"] for a in d["attempts"]] == [410]
    got = api.call("GET", f"/v1/webhooks/{hook['id']}", token=tenant["owner"]).json()
    assert got["enabled"] is False and got["disabledReason"] == "gone"
    bell = api.call("GET", "/v1/notifications", token=tenant["owner"]).json()["items"]
    assert [n["kind"] for n in bell] == ["webhook_disabled"]
    assert receiver.url in bell[0]["title"]
    # Nothing more is sent to it.
    api.call("POST", "/v1/tickets", {"subject": "After", "description": "x"}, token=tenant["customer"])
    time.sleep(2)
    assert len(receiver.requests) == 1


def test_a_delivery_that_exhausted_its_retries_can_be_replayed(api, tenant, receiver):
    receiver.script = [500] * 8
    hook = register(api, tenant["owner"], receiver.url)
    first = api.call("POST", f"/v1/webhooks/{hook['id']}/test", token=tenant["owner"]).json()
    d = until_delivery(api, tenant["owner"], hook["id"], lambda d: d["status"] == "failed", timeout=40)
    assert len(d["attempts"]) == 8, "the first attempt and seven retries"
    again = api.call("POST", f"/v1/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver", token=tenant["owner"])
    assert again.status_code == 202, again.text
    requests_ = receiver.wait_for(9)
    assert requests_[-1]["headers"]["webhook-id"] == first["id"]
    d = until_delivery(api, tenant["owner"], hook["id"], lambda d: d["status"] == "succeeded")
    assert len(d["attempts"]) == 9


def test_after_a_rotation_both_secrets_sign(api, tenant, receiver):
    hook = register(api, tenant["owner"], receiver.url)
    rotated = api.call("POST", f"/v1/webhooks/{hook['id']}/rotate-secret", token=tenant["owner"])
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != hook["secret"]
    assert rotated.json()["previousSecretExpiresAt"] is not None
    api.call("POST", f"/v1/webhooks/{hook['id']}/test", token=tenant["owner"])
    [request] = receiver.wait_for(1)
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (hook["secret"], new_secret):
        assert Webhook(secret).verify(request["body"], request["headers"])["type"] == "webhook.test"


def test_registration_refuses_what_must_never_be_called(api, tenant):
    owner = tenant["owner"]
    for url in ["https://10.0.0.7/hook", "https://169.254.169.254/latest/meta-data", "https://[::ffff:192.168.1.1]/",
                "https://0x0a.0.0.1/", "ftp://example.com/"]:
        r = api.call("POST", "/v1/webhooks", {"url": url}, token=owner)
        body = assert_problem(r, 422, "validation_failed")
        assert body["errors"][0]["field"] == "url", body
    r = api.call("POST", "/v1/webhooks", {"url": "https://hooks.example.com/in", "events": ["ticket.exploded"]}, token=owner)
    assert assert_problem(r, 422, "validation_failed")["errors"][0]["code"] == "unknown_event_type"
    assert_problem(api.call("GET", "/v1/webhooks", token=tenant["customer"]), 403, "forbidden")
    hook = register(api, owner, "https://hooks.example.com/in", ["ticket.created"])
    _, other = api.sign_up()
    assert_problem(api.call("GET", f"/v1/webhooks/{hook['id']}", token=other["accessToken"]), 404, "not_found")
    assert_problem(api.call("POST", f"/v1/webhooks/{hook['id']}/test", token=other["accessToken"]), 404, "not_found")
    key = api.call("POST", "/v1/api-keys", {"name": "ci", "role": "admin", "scopes": ["webhooks:write"]}, token=owner).json()["key"]
    assert [h["id"] for h in api.call("GET", "/v1/webhooks", token=key).json()["items"]] == [hook["id"]]
