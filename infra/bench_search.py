"""Search through devstack (run by `infra/benchmark search-live`).

1. Write → searchable: tickets are opened one at a time through the HTTP
   API, each with a word of its own, and each is timed from just before
   its POST to the first search (polled every 50 ms) that finds it
   (outbox → stream → event router → FIFO queue → search-indexer → S3 and
   the manifest → search).
2. Requests per change and per query: the emulator's counts by caller
   (`GET /_switchboard/counts`), for the search-indexer over the changes
   it indexed and for the search function over the queries it answered,
   priced with the cost model's prices.
"""

import argparse
import collections
import concurrent.futures
import time
import uuid

import requests

PASSWORD = "a long enough password"
PRICES = {  # as infra/bench_cost.py
    "dynamodb_wru_per_million": 0.625,
    "dynamodb_rru_per_million": 0.125,
    "s3_put_per_thousand": 0.005,
    "s3_get_per_thousand": 0.0004,
    "sqs_requests_per_million": 0.40,
}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def counts(moto, caller):
    rows = requests.get(moto + "/_switchboard/counts", timeout=10).json()
    total = collections.Counter()
    for r in rows:
        if r["caller"] == caller:
            total[(r["service"], r["operation"], r["measure"])] += r["count"]
    return total


def delta(after, before):
    return {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--api", required=True)
    p.add_argument("--moto", required=True)
    p.add_argument("--tickets", type=int, default=100)
    p.add_argument("--operator-key", required=True, help="to lift the tenant's rate limit (the polling is fast)")
    a = p.parse_args()
    http = requests.Session()

    def call(method, path, body=None, token=None, params=None):
        headers = {"authorization": f"Bearer {token}"} if token else {}
        while True:
            r = http.request(method, a.api + path, json=body, headers=headers, params=params, timeout=30)
            if r.status_code != 429:
                break
            # The tenant's rate limit, even on the top plan: wait as told.
            time.sleep(float(r.headers.get("retry-after", "1")))
        if r.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json() if r.content else None

    slug = "bench-" + uuid.uuid4().hex[:16]
    owner = call("POST", "/v1/tenants", {
        "name": "Bench", "slug": slug,
        "owner": {"name": "Owner", "email": "owner@bench.example", "password": PASSWORD},
    })
    call("PUT", f"/v1/operator/tenants/{owner['tenant']['id']}/plan", {"plan": "enterprise"}, token=a.operator_key)
    owner = owner["accessToken"]

    indexer_before, search_before = counts(a.moto, "search-indexer"), counts(a.moto, "search")
    latencies, queries = [], 0
    for i in range(a.tickets):
        word = "w" + uuid.uuid4().hex[:12]
        start = time.perf_counter()
        call("POST", "/v1/tickets", {"subject": f"Bench {word}", "description": "Searchable."}, token=owner)
        while True:
            queries += 1
            found = call("GET", "/v1/search/tickets", token=owner, params={"q": word + " "})
            if found["total"] == 1:
                break
            if time.perf_counter() - start > 60:
                raise RuntimeError(f"ticket {i} not searchable within 60 s")
            time.sleep(0.05)
        latencies.append((time.perf_counter() - start) * 1000)
    time.sleep(2)
    indexer = delta(counts(a.moto, "search-indexer"), indexer_before)
    search = delta(counts(a.moto, "search"), search_before)

    print(f"write → searchable, {a.tickets} tickets one at a time: p50 {pct(latencies, 50):.0f} ms, "
          f"p95 {pct(latencies, 95):.0f} ms, max {max(latencies):.0f} ms")
    # Each ticket opened is two changes to index: the ticket and its opening comment.
    changes = 2 * a.tickets
    print(f"\nrequests per indexed change ({changes} changes) and per query ({queries} queries):\n")
    print("| caller | service | operation | per change or query |")
    print("|---|---|---|---|")
    for caller, measured, n in (("search-indexer", indexer, changes), ("search", search, queries)):
        for (service, op, measure), count in sorted(measured.items()):
            if measure == "requests":
                print(f"| {caller} | {service} | {op} | {count / n:.2f} |")

    def dollars(measured, n):
        per = collections.Counter()
        for (service, op, measure), count in measured.items():
            if measure != "requests":
                continue
            if service == "s3":
                if op in ("DeleteObject", "PostObject"):
                    continue  # deletions (POST ?delete) are free
                key = "s3_put_per_thousand" if op == "PutObject" else "s3_get_per_thousand"
                per[service] += count * PRICES[key] / 1000
            elif service == "dynamodb":
                # A conditional put of a small manifest is one write unit;
                # a consistent read of it, one read unit (two for the
                # larger ones; counted here at one).
                write = op in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
                key = "dynamodb_wru_per_million" if write else "dynamodb_rru_per_million"
                per[service] += count * PRICES[key] / 1e6
            elif service == "sqs":
                per[service] += count * PRICES["sqs_requests_per_million"] / 1e6
        return sum(per.values()) / n

    per_change = dollars(indexer, changes)
    per_query = dollars(search, queries)
    print(f"\none at a time: $ per 1,000 indexed changes: {per_change * 1000:.4f}; "
          f"$ per 1,000 queries: {per_query * 1000:.4f}")
    # The cost model's lifecycle: the ticket, 7 comments (the opening one
    # and 6 replies), 3 status changes.
    print(f"$ per 1,000 tickets at 11 indexed changes each (the cost model's lifecycle): "
          f"{per_change * 11000:.4f}")

    # A burst: the same number of tickets from 10 clients at once; the
    # indexer's batches then carry several changes, one commit each.
    before = counts(a.moto, "search-indexer")
    words = ["b" + uuid.uuid4().hex[:12] for _ in range(a.tickets)]
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda w: call("POST", "/v1/tickets", {"subject": f"Burst {w}", "description": "x"},
                                     token=owner), words))
    posted = time.perf_counter() - start
    while call("GET", "/v1/search/tickets", token=owner, params={"q": "burst "})["total"] < a.tickets:
        if time.perf_counter() - start > 120:
            raise RuntimeError("the burst was not searchable within 120 s")
        time.sleep(0.1)
    searchable = time.perf_counter() - start
    time.sleep(2)
    burst = delta(counts(a.moto, "search-indexer"), before)
    puts = sum(n for (svc, op, m), n in burst.items() if (svc, op, m) == ("s3", "PutObject", "requests"))
    manifests = sum(n for (svc, op, m), n in burst.items() if (svc, op, m) == ("dynamodb", "PutItem", "requests"))
    print(f"\nburst of {a.tickets} tickets from 10 clients: posted in {posted:.1f} s, all searchable after "
          f"{searchable:.1f} s; per change: {manifests / changes:.2f} commits (manifest writes), "
          f"{puts / changes:.2f} S3 PUTs; $ per 1,000 indexed changes: {dollars(burst, changes) * 1000:.4f}, "
          f"per 1,000 tickets at 11 changes: {dollars(burst, changes) * 11000:.4f}")


if __name__ == "__main__":
    main()
