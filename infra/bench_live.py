"""Live-update benchmarks through devstack (run by `infra/benchmark`).

1. Write → WebSocket latency: an agent follows a ticket; comments are posted
   one at a time through the HTTP API, and each is timed from just before
   the POST to the arrival of its `comment.created` on the socket (outbox →
   stream → event router → @connections → socket).
2. Fan-out: N agents' connections follow the queue; a customer opens a
   ticket; timed from the POST to the last of the N deliveries.
"""

import argparse
import asyncio
import json
import statistics
import time
import uuid

import requests
from websockets.asyncio.client import connect

PASSWORD = "a long enough password"


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def call(self, method, path, body=None, token=None):
        headers = {"authorization": f"Bearer {token}"} if token else {}
        r = self.http.request(method, self.base + path, json=body, headers=headers, timeout=30)
        if r.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json() if r.content else None


def helpdesk(api):
    slug = "bench-" + uuid.uuid4().hex[:16]
    owner = api.call("POST", "/v1/tenants", {
        "name": "Bench", "slug": slug,
        "owner": {"name": "Owner", "email": "owner@bench.example", "password": PASSWORD},
    })["accessToken"]
    api.call("POST", "/v1/users", {"name": "Cal", "email": "cal@bench.example", "role": "customer", "password": PASSWORD}, token=owner)
    customer = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": "cal@bench.example", "password": PASSWORD})["accessToken"]
    return owner, customer


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def wait_for(ws, accept):
    while True:
        m = json.loads(await ws.recv())
        if accept(m):
            return


async def latency(api, owner, customer, n):
    ticket = api.call("POST", "/v1/tickets", {"subject": "Latency", "description": "x"}, token=customer)
    url = api.call("POST", "/v1/realtime/tickets", token=owner)["connectUrl"]
    samples = []
    async with connect(url, max_queue=None) as ws:
        await ws.send(json.dumps({"action": "subscribe", "topic": f"ticket:{ticket['id']}"}))
        await wait_for(ws, lambda m: m["type"] == "subscribed")
        loop = asyncio.get_running_loop()
        for i in range(n):
            start = time.perf_counter()
            comment = await loop.run_in_executor(
                None, lambda: api.call("POST", f"/v1/tickets/{ticket['id']}/comments", {"body": f"note {i}", "public": False}, token=owner))
            await asyncio.wait_for(wait_for(ws, lambda m: m["type"] == "event" and m["event"]["type"] == "comment.created"
                                            and m["event"]["subject"].get("commentId") == comment["id"]), 30)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


async def fan_out(api, owner, customer, n, rounds):
    urls = [api.call("POST", "/v1/realtime/tickets", token=owner)["connectUrl"] for _ in range(n)]
    sockets = await asyncio.gather(*(connect(u, max_queue=None) for u in urls))
    try:
        async def subscribe(ws):
            await ws.send(json.dumps({"action": "subscribe", "topic": "queue"}))
            await wait_for(ws, lambda m: m["type"] == "subscribed")
        await asyncio.gather(*(subscribe(ws) for ws in sockets))
        loop = asyncio.get_running_loop()
        results = []
        for r in range(rounds):
            start = time.perf_counter()
            ticket = await loop.run_in_executor(
                None, lambda: api.call("POST", "/v1/tickets", {"subject": f"Fan-out {r}", "description": "x"}, token=customer))
            arrivals = []

            async def arrival(ws):
                await wait_for(ws, lambda m: m["type"] == "event" and m["event"]["type"] == "ticket.created"
                               and m["event"]["subject"]["ticketId"] == ticket["id"])
                arrivals.append((time.perf_counter() - start) * 1000)
                # The opening comment's event follows; drain it so that the
                # next round does not queue behind this one's fan-out.
                await wait_for(ws, lambda m: m["type"] == "event" and m["event"]["type"] == "comment.created"
                               and m["event"]["subject"]["ticketId"] == ticket["id"])
            await asyncio.wait_for(asyncio.gather(*(arrival(ws) for ws in sockets)), 60)
            results.append((min(arrivals), max(arrivals)))
        return results
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    api = Api(args.api)
    owner, customer = helpdesk(api)

    samples = asyncio.run(latency(api, owner, customer, args.events)) if args.events else []
    if samples:
        print(f"write → WebSocket delivery over {len(samples)} events (ms): "
              f"p50 {pct(samples, 50):.0f}, p90 {pct(samples, 90):.0f}, p99 {pct(samples, 99):.0f}, "
              f"max {max(samples):.0f}, mean {statistics.mean(samples):.0f}")

    rounds = asyncio.run(fan_out(api, owner, customer, args.subscribers, args.rounds))
    for first, last in rounds:
        print(f"fan-out to {args.subscribers} subscribers (ms from the write): first {first:.0f}, "
              f"last {last:.0f}, spread {last - first:.0f}")
    lasts = [last for _, last in rounds]
    print(f"fan-out to {args.subscribers}: median last delivery {statistics.median(lasts):.0f} ms over {len(rounds)} rounds")


if __name__ == "__main__":
    main()
