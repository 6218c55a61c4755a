"""Cost model: runs typical ticket lifecycles through devstack, counts what
they made every AWS service do, and prices it per 1,000 tickets.

A lifecycle: a customer opens a ticket (under an SLA policy), agents and the
customer exchange 6 comments (4 public agent replies, 2 customer replies),
the ticket changes status 3 times (pending, open, solved), the customer
uploads 2 attachments, 8 webhook deliveries go to an integrator (the ticket
and each of its 7 messages), 5 emails go out (the acknowledgement and the 4
replies), and an agent's socket follows the queue.

What is counted, not assumed:
- every AWS request the functions make, by service and operation, at the
  emulator (`GET /_switchboard/counts` of infra/moto_server.py), with the
  items each DynamoDB write carries, their size, and the index keys it sets;
- what devstack does in Lambda's place (polling queues and streams), apart;
- every function invocation, its time (billed milliseconds) and log bytes
  (`GET /_devstack/functions`);
- the client's own HTTP requests and the WebSocket messages it receives.

What is priced by published rules (us-east-1, on-demand, December 2026 price
sheet; change PRICES below):
- DynamoDB write units: 1 per started KiB of each item written, doubled in
  transactions, plus 1 per index entry written; read units: 1 per item or
  query page read (strongly consistent; items here are under 4 KiB). Stream
  reads by Lambda are free.
- Lambda: requests and GB-seconds at each function's MemorySize; the
  durations are devstack's, against moto, and say so.
- SQS: each message the functions send is also received and deleted by the
  poller (3 requests); idle long polling is a fixed cost per queue, not per
  ticket.

    python3 infra/bench_cost.py --api http://127.0.0.1:3000 --moto http://127.0.0.1:4566 --tickets 20
"""

import argparse
import collections
import contextlib
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from websockets.sync.client import connect

PASSWORD = "a long enough password"
PRICES = {
    "apigw_http_per_million": 1.00,
    "apigw_ws_messages_per_million": 1.00,
    "apigw_ws_connection_minutes_per_million": 0.25,
    "lambda_requests_per_million": 0.20,
    "lambda_gb_second_x86": 0.0000166667,
    "dynamodb_wru_per_million": 0.625,
    "dynamodb_rru_per_million": 0.125,
    "sqs_requests_per_million": 0.40,
    "ses_per_thousand": 0.10,
    "s3_put_per_thousand": 0.005,
    "s3_get_per_thousand": 0.0004,
    "cloudwatch_logs_ingest_per_gb": 0.50,
}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64  # 16 KiB


class Receiver:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    receiver.count += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.requests = 0

    def call(self, method, path, body=None, token=None, headers=None, expect=(200, 201, 202, 204)):
        h = dict(headers or {})
        if token:
            h["authorization"] = f"Bearer {token}"
        r = self.http.request(method, self.base + path, json=body, headers=h, timeout=60)
        self.requests += 1
        assert r.status_code in expect, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None


def counts(moto):
    return requests.get(moto + "/_switchboard/counts", timeout=10).json()


def functions(api):
    return {f["name"]: f for f in requests.get(api + "/_devstack/functions", timeout=10).json()}


def until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        time.sleep(0.3)


def mails_sent(api, sender):
    return sum(1 for m in requests.get(api + "/_devstack/mail", timeout=10).json()["mail"] if sender in m["raw"])


def lifecycle(c, owner, agent, customer):
    t = c.call("POST", "/v1/tickets", {"subject": "Order arrived broken", "description": "The lid is cracked"},
               token=customer)
    tid = t["id"]
    files = []
    for name in ("photo-1.png", "photo-2.png"):
        up = c.call("POST", f"/v1/tickets/{tid}/attachments/uploads",
                    {"filename": name, "contentType": "image/png", "size": len(PNG)}, token=customer)
        put = requests.request(up["method"], up["url"], data=PNG, headers=up["headers"], timeout=30)
        assert put.status_code in (200, 204), put.text
        files.append(up["uploadId"])
    c.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Sorry to hear that. Could you send a photo?"}, token=agent)
    version = c.call("GET", f"/v1/tickets/{tid}", token=agent)["version"]
    version = c.call("PATCH", f"/v1/tickets/{tid}", {"status": "pending"}, token=agent,
                     headers={"if-match": f'"{version}"'})["version"]
    c.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Here they are", "attachments": files}, token=customer)
    c.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Thanks, a replacement is on its way."}, token=agent)
    version = c.call("GET", f"/v1/tickets/{tid}", token=agent)["version"]
    version = c.call("PATCH", f"/v1/tickets/{tid}", {"status": "open"}, token=agent,
                     headers={"if-match": f'"{version}"'})["version"]
    c.call("POST", f"/v1/tickets/{tid}/comments", {"body": "When will it arrive?"}, token=customer)
    c.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Tomorrow before noon."}, token=agent)
    c.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Anything else we can do?"}, token=agent)
    version = c.call("GET", f"/v1/tickets/{tid}", token=agent)["version"]
    c.call("PATCH", f"/v1/tickets/{tid}", {"status": "solved"}, token=agent, headers={"if-match": f'"{version}"'})
    c.call("GET", f"/v1/tickets/{tid}", token=customer)
    return tid


def delta(after, before, key):
    return after.get(key, 0) - before.get(key, 0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--api", required=True)
    p.add_argument("--moto", required=True)
    p.add_argument("--tickets", type=int, default=20)
    p.add_argument("--json", help="also write the measured counts here")
    a = p.parse_args()

    c = Client(a.api)
    slug = "cost-" + uuid.uuid4().hex[:16]
    owner = c.call("POST", "/v1/tenants", {"name": "Cost Model", "slug": slug, "owner": {
        "name": "Olivia Owner", "email": "owner@cost.example", "password": PASSWORD}})["accessToken"]
    people = {}
    for role in ("agent", "customer"):
        email = f"{role}@cost.example"
        c.call("POST", "/v1/users", {"name": role.title(), "email": email, "role": role, "password": PASSWORD},
               token=owner)
        people[role] = c.call("POST", "/v1/auth/login", {"tenant": slug, "email": email, "password": PASSWORD})[
            "accessToken"]
    c.call("POST", "/v1/sla-policies", {
        "name": "Standard",
        "targets": {p: {"firstResponse": {"minutes": 60}, "nextResponse": {"minutes": 240},
                        "resolution": {"minutes": 2880}} for p in ("low", "normal", "high", "urgent")},
        "warnAt": 0.75}, token=owner)
    receiver = Receiver()
    c.call("POST", "/v1/webhooks", {"url": receiver.url, "events": ["ticket.created", "comment.created"]},
           token=owner)
    ticket = c.call("POST", "/v1/realtime/tickets", token=people["agent"])
    sockets = contextlib.ExitStack()
    ws = sockets.enter_context(connect(ticket["connectUrl"]))
    ws.send(json.dumps({"action": "subscribe", "topic": "queue"}))
    pushes = [0]
    socket_open = threading.Event()
    socket_open.set()

    def read_socket():
        while socket_open.is_set():
            try:
                json.loads(ws.recv(timeout=0.5))
                pushes[0] += 1
            except TimeoutError:
                continue
            except Exception:
                return

    reader = threading.Thread(target=read_socket, daemon=True)
    reader.start()
    time.sleep(3)  # setup events routed and delivered before counting starts
    sender = f"{slug}@"
    mails_before, hooks_before, pushes_before = mails_sent(a.api, sender), receiver.count, pushes[0]
    counts_before, functions_before, requests_before = counts(a.moto), functions(a.api), c.requests
    started = time.time()

    for _ in range(a.tickets):
        lifecycle(c, owner, people["agent"], people["customer"])
    until(lambda: receiver.count - hooks_before >= 8 * a.tickets, 120, "every webhook delivery")
    until(lambda: mails_sent(a.api, sender) - mails_before >= 5 * a.tickets, 120, "every email")
    time.sleep(3)
    counts_after, functions_after = counts(a.moto), functions(a.api)
    minutes = (time.time() - started) / 60
    socket_open.clear()
    sockets.close()
    n = a.tickets
    http_requests = c.requests - requests_before
    hooks = receiver.count - hooks_before
    mails = mails_sent(a.api, sender) - mails_before
    messages = pushes[0] - pushes_before

    def measured(callers, service=None, operation=None, measure="requests", by_caller=False):
        """Counts over the run, by (service, operation), or by caller."""
        total = collections.Counter()
        for rows, sign in ((counts_after, 1), (counts_before, -1)):
            for r in rows:
                if callers(r["caller"]) and r["measure"] == measure and service in (None, r["service"]) \
                        and operation in (None, r["operation"]):
                    total[r["caller"] if by_caller else (r["service"], r["operation"])] += sign * r["count"]
        return total

    def functions_only(caller):
        return caller not in ("devstack", "other")

    def clients(caller):
        return caller == "other"

    per_ticket = lambda x: x / n  # noqa: E731
    # DynamoDB units.
    dyn_requests = measured(functions_only, "dynamodb")
    items_written = measured(functions_only, "dynamodb", measure="items written")
    write_kib = measured(functions_only, "dynamodb", measure="write KiB")
    index_writes = measured(functions_only, "dynamodb", measure="index writes")
    items_read = measured(functions_only, "dynamodb", measure="items read")
    wru = sum(k * (2 if op == "TransactWriteItems" else 1) for (_, op), k in write_kib.items()) \
        + sum(index_writes.values())
    rru = sum(k * (2 if op == "TransactGetItems" else 1) for (_, op), k in items_read.items())
    # Lambda.
    invocations = gb_seconds = log_bytes = 0
    lambda_rows = []
    for name, f in functions_after.items():
        b = functions_before.get(name, {})
        inv = delta(f, b, "invocations")
        if not inv:
            continue
        ms = delta(f, b, "billedMs")
        memory = f["memoryMb"]
        gbs = ms / 1000 * memory / 1024
        invocations += inv
        gb_seconds += gbs
        log_bytes += delta(f, b, "logBytes")
        lambda_rows.append((f["binary"], inv, ms))
    sqs = measured(functions_only, "sqs")
    sqs_sent = sum(v for (_, op), v in sqs.items() if op in ("SendMessage", "SendMessageBatch"))
    sqs_other = sum(v for (_, op), v in sqs.items() if op not in ("SendMessage", "SendMessageBatch"))
    s3 = measured(functions_only, "s3") + measured(clients, "s3")  # presigned uploads and downloads
    s3_puts = sum(v for (_, op), v in s3.items() if op in ("PutObject", "PostObject"))
    s3_gets = sum(v for (_, op), v in s3.items() if op in ("GetObject", "HeadObject"))
    ses = sum(measured(functions_only, "ses", "SendEmail").values())

    cost = collections.OrderedDict()
    cost["API Gateway (HTTP)"] = http_requests * PRICES["apigw_http_per_million"] / 1e6
    cost["API Gateway (WebSocket messages)"] = messages * PRICES["apigw_ws_messages_per_million"] / 1e6
    cost["Lambda requests"] = invocations * PRICES["lambda_requests_per_million"] / 1e6
    cost["Lambda compute"] = gb_seconds * PRICES["lambda_gb_second_x86"]
    cost["DynamoDB writes"] = wru * PRICES["dynamodb_wru_per_million"] / 1e6
    cost["DynamoDB reads"] = rru * PRICES["dynamodb_rru_per_million"] / 1e6
    cost["SQS"] = (3 * sqs_sent + sqs_other) * PRICES["sqs_requests_per_million"] / 1e6
    cost["SES"] = ses * PRICES["ses_per_thousand"] / 1e3
    cost["S3 requests"] = s3_puts * PRICES["s3_put_per_thousand"] / 1e3 + s3_gets * PRICES["s3_get_per_thousand"] / 1e3
    cost["CloudWatch Logs"] = log_bytes / 1e9 * PRICES["cloudwatch_logs_ingest_per_gb"]

    print(f"{n} lifecycles in {minutes:.1f} min: {hooks} webhook deliveries, {mails} emails, "
          f"{messages} WebSocket messages to one agent following the queue")
    print()
    print("| per ticket | count |")
    print("|---|---|")
    print(f"| HTTP API requests | {per_ticket(http_requests):.1f} |")
    print(f"| Lambda invocations | {per_ticket(invocations):.1f} |")
    print(f"| Lambda billed time | {per_ticket(sum(r[2] for r in lambda_rows)):.0f} ms |")
    print(f"| DynamoDB requests | {per_ticket(sum(dyn_requests.values())):.1f} "
          f"({', '.join(f'{op} {per_ticket(v):.1f}' for (_, op), v in sorted(dyn_requests.items()))}) |")
    print(f"| DynamoDB items written / index entries written | {per_ticket(sum(items_written.values())):.1f} / "
          f"{per_ticket(sum(index_writes.values())):.1f} |")
    print(f"| DynamoDB write units / read units (estimated) | {per_ticket(wru):.1f} / {per_ticket(rru):.1f} |")
    print(f"| SQS messages sent (and other SQS requests) | {per_ticket(sqs_sent):.1f} ({per_ticket(sqs_other):.1f}) |")
    print(f"| SES emails | {per_ticket(ses):.1f} |")
    print(f"| S3 PUT / GET+HEAD | {per_ticket(s3_puts):.1f} / {per_ticket(s3_gets):.1f} |")
    print(f"| log bytes | {per_ticket(log_bytes):.0f} |")
    print()
    print("| service | $ per 1,000 tickets | share |")
    print("|---|---|---|")
    total = sum(cost.values())
    for k, v in cost.items():
        print(f"| {k} | ${v / n * 1000:.4f} | {v / total * 100:.0f}% |")
    print(f"| **total** | **${total / n * 1000:.4f}** | |")
    print()
    print("| function | invocations per ticket | billed ms per ticket |")
    print("|---|---|---|")
    for binary, inv, ms in sorted(lambda_rows, key=lambda r: -r[2]):
        print(f"| {binary} | {inv / n:.1f} | {ms / n:.0f} |")
    by_function = measured(functions_only, "dynamodb", by_caller=True)
    print()
    print("| function | DynamoDB requests per ticket |")
    print("|---|---|")
    for caller, v in sorted(by_function.items(), key=lambda kv: -kv[1]):
        if v:
            print(f"| {caller} | {v / n:.1f} |")
    platform = measured(lambda c: c == "devstack")
    print()
    print("devstack in Lambda's place (not billed per ticket; pollers): "
          + ", ".join(f"{s}.{op} {v}" for (s, op), v in sorted(platform.items()) if v))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"tickets": n, "cost": cost, "http": http_requests, "invocations": invocations,
                       "wru": wru, "rru": rru}, f, indent=2)
    receiver.server.shutdown()


if __name__ == "__main__":
    main()
