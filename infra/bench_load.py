"""Load through devstack: N concurrent clients mixing the API operations for
a fixed time, and a WebSocket client following the queue meanwhile.

Each client is an agent working its own tickets (as agents do: a ticket is
worked by its assignee, so concurrent writes to one ticket are rare): it
creates tickets, reads them, lists the queue, replies, and changes them with
the ETag it read. Now and then someone logs in, and now and then a new
helpdesk signs up. Prints throughput, latency per operation, errors, the
delivery delay of `ticket.created` on the socket under that load, and each
function's instances and peak memory as devstack saw them.

    python3 infra/bench_load.py --api http://127.0.0.1:3000 --clients 50 --seconds 60
"""

import argparse
import json
import random
import threading
import time
import uuid
from collections import defaultdict

import requests
from websockets.sync.client import connect

PASSWORD = "a long enough password"


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))]


class Api:
    def __init__(self, base, token=None):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.token = token

    def call(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.token:
            h["authorization"] = f"Bearer {self.token}"
        return self.http.request(method, self.base + path, json=body, headers=h, timeout=60)


def sign_up(api):
    slug = "load-" + uuid.uuid4().hex[:16]
    r = api.call("POST", "/v1/tenants", {"name": "Load Test", "slug": slug, "owner": {
        "name": "Olivia Owner", "email": "owner@load.example", "password": PASSWORD}})
    assert r.status_code == 201, r.text
    return slug, r.json()["accessToken"], r


def login(api, slug, email):
    return api.call("POST", "/v1/auth/login", {"tenant": slug, "email": email, "password": PASSWORD})


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.errors = defaultdict(list)
        self.created_at = {}  # ticket id -> time its POST started
        self.delivered = {}  # ticket id -> time ticket.created reached the socket

    def record(self, op, started, r, ok=(200, 201)):
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latency[op].append(elapsed)
            if r.status_code not in ok:
                self.errors[op].append(f"{r.status_code} {r.text[:200]}")


def client(base, slug, token, email, rec, stop, seed):
    rnd = random.Random(seed)
    api = Api(base, token)
    mine = []  # (id, version)
    while not stop.is_set():
        roll = rnd.random()
        if roll < 0.01:
            t0 = time.perf_counter()
            _, _, r = sign_up(Api(base))
            rec.record("sign-up", t0, r)
        elif roll < 0.04:
            t0 = time.perf_counter()
            r = login(Api(base), slug, email)
            rec.record("login", t0, r)
        elif roll < 0.24 or not mine:
            body = {"subject": f"Load {uuid.uuid4().hex[:8]}", "description": "Printer on fire", "priority": "normal"}
            t0 = time.perf_counter()
            wall = time.time()
            r = api.call("POST", "/v1/tickets", body)
            rec.record("create ticket", t0, r)
            if r.status_code == 201:
                t = r.json()
                with rec.lock:
                    rec.created_at[t["id"]] = wall
                mine.append((t["id"], t["version"]))
        elif roll < 0.49:
            tid, _ = rnd.choice(mine)
            t0 = time.perf_counter()
            r = api.call("GET", f"/v1/tickets/{tid}")
            rec.record("get ticket", t0, r)
        elif roll < 0.64:
            t0 = time.perf_counter()
            r = api.call("GET", "/v1/tickets?limit=50")
            rec.record("list page of 50", t0, r)
        elif roll < 0.84:
            i = rnd.randrange(len(mine))
            tid, _ = mine[i]
            t0 = time.perf_counter()
            r = api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Looking into it", "public": rnd.random() < 0.5})
            rec.record("comment", t0, r)
            if r.status_code == 201:
                mine[i] = (tid, None)  # the ticket's version moved
        else:
            i = rnd.randrange(len(mine))
            tid, version = mine[i]
            if version is None:
                g = api.call("GET", f"/v1/tickets/{tid}")
                version = g.json().get("version")
            body = {"priority": rnd.choice(["low", "normal", "high", "urgent"])}
            t0 = time.perf_counter()
            r = api.call("PATCH", f"/v1/tickets/{tid}", body, headers={"if-match": f'"{version}"'})
            rec.record("patch", t0, r)
            mine[i] = (tid, r.json().get("version") if r.status_code == 200 else None)


def follow_queue(base, token, rec, stop, ready):
    api = Api(base, token)
    r = api.call("POST", "/v1/realtime/tickets")
    assert r.status_code == 201, r.text
    with connect(r.json()["connectUrl"]) as ws:
        ws.send(json.dumps({"action": "subscribe", "topic": "queue"}))
        ready.set()
        while not stop.is_set():
            try:
                m = json.loads(ws.recv(timeout=0.5))
            except TimeoutError:
                continue
            if m.get("type") == "event" and m["event"]["type"] == "ticket.created":
                with rec.lock:
                    rec.delivered.setdefault(m["event"]["subject"]["ticketId"], time.time())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--api", required=True)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--agents", type=int, default=10)
    a = p.parse_args()

    owner_api = Api(a.api)
    slug, owner, _ = sign_up(owner_api)
    owner_api.token = owner
    agents = []
    for i in range(a.agents):
        email = f"agent{i}@load.example"
        r = owner_api.call("POST", "/v1/users", {"name": f"Agent {i}", "email": email, "role": "agent", "password": PASSWORD})
        assert r.status_code == 201, r.text
        r = login(Api(a.api), slug, email)
        assert r.status_code == 200, r.text
        agents.append((email, r.json()["accessToken"]))
    before = {f["name"]: f for f in requests.get(a.api + "/_devstack/functions", timeout=10).json()}

    rec, stop, ready = Recorder(), threading.Event(), threading.Event()
    watcher = threading.Thread(target=follow_queue, args=(a.api, agents[0][1], rec, stop, ready), daemon=True)
    watcher.start()
    ready.wait(15)
    threads = [threading.Thread(target=client, args=(a.api, slug, agents[i % len(agents)][1], agents[i % len(agents)][0],
                                                     rec, stop, i), daemon=True) for i in range(a.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(a.seconds)
    stop.set()
    for t in threads:
        t.join(120)
    wall = time.perf_counter() - started
    time.sleep(5)  # the last events cross stream, router and socket
    after = requests.get(a.api + "/_devstack/functions", timeout=10).json()

    everything = [x for v in rec.latency.values() for x in v]
    errors = sum(len(v) for v in rec.errors.values())
    print(f"{a.clients} clients for {wall:.0f} s: {len(everything)} requests, "
          f"{len(everything) / wall:.1f} requests/s, {errors} errors")
    print()
    print("| operation | requests | p50 | p99 | max | errors |")
    print("|---|---|---|---|---|---|")
    for op in ["sign-up", "login", "create ticket", "get ticket", "list page of 50", "comment", "patch"]:
        v = rec.latency.get(op, [])
        print(f"| {op} | {len(v)} | {percentile(v, 50) * 1e3:.0f} ms | {percentile(v, 99) * 1e3:.0f} ms | "
              f"{max(v, default=float('nan')) * 1e3:.0f} ms | {len(rec.errors.get(op, []))} |")
    print(f"| all | {len(everything)} | {percentile(everything, 50) * 1e3:.0f} ms | "
          f"{percentile(everything, 99) * 1e3:.0f} ms | {max(everything) * 1e3:.0f} ms | {errors} |")
    for op, v in rec.errors.items():
        for e in v[:3]:
            print(f"  error in {op}: {e}")

    delays = [rec.delivered[t] - rec.created_at[t] for t in rec.created_at if t in rec.delivered]
    missing = [t for t in rec.created_at if t not in rec.delivered]
    print()
    print(f"ticket.created on the queue socket under load: {len(delays)} of {len(rec.created_at)} delivered; "
          f"p50 {percentile(delays, 50) * 1e3:.0f} ms, p99 {percentile(delays, 99) * 1e3:.0f} ms, "
          f"max {max(delays, default=float('nan')) * 1e3:.0f} ms after the POST started; {len(missing)} missing")
    print()
    print("| function | invocations during the run | instances at the end | peak memory (max of any instance) | crashes | timeouts |")
    print("|---|---|---|---|---|---|")
    for f in after:
        b = before.get(f["name"], {})
        n = f["invocations"] - b.get("invocations", 0)
        if n == 0:
            continue
        print(f"| {f['binary']} | {n} | {f['instances']} | {f['peakRssKib'] / 1024:.1f} MiB | "
              f"{f['crashes'] - b.get('crashes', 0)} | {f['timeouts'] - b.get('timeouts', 0)} |")
    if errors or missing:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
