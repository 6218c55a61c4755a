"""The help center through devstack (run by `infra/benchmark help`).

A tenant's knowledge base of published articles (half of them also in
French) is read the way a help center is: article pages by slug, searches,
and the same pages revalidated with their ETag. For each: client-side
latency through devstack (p50, p99), bytes on the wire, and the DynamoDB
and S3 requests the help-center function made per request (the emulator's
counts by caller, `GET /_switchboard/counts`).
"""

import argparse
import collections
import random
import time
import uuid

import requests

PASSWORD = "a long enough password"
WORDS = ("invoice refund password shipping account billing export delivery printer login "
         "subscription receipt address warranty return upgrade").split()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def counts(moto, caller):
    rows = requests.get(moto + "/_switchboard/counts", timeout=10).json()
    total = collections.Counter()
    for r in rows:
        if r["caller"] == caller and r["measure"] == "requests":
            total[(r["service"], r["operation"])] += r["count"]
    return total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--api", required=True)
    p.add_argument("--moto", required=True)
    p.add_argument("--articles", type=int, default=40)
    p.add_argument("--reads", type=int, default=200)
    p.add_argument("--operator-key", required=True)
    a = p.parse_args()
    http = requests.Session()

    def call(method, path, body=None, token=None, params=None, headers=None, raw=False):
        h = dict(headers or {})
        if token:
            h["authorization"] = f"Bearer {token}"
        while True:
            r = http.request(method, a.api + path, json=body, headers=h, params=params, timeout=30)
            if r.status_code != 429:
                break
            time.sleep(float(r.headers.get("retry-after", "1")))
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r if raw else (r.json() if r.content else None)

    slug = "help-" + uuid.uuid4().hex[:16]
    signed = call("POST", "/v1/tenants", {
        "name": "Bench", "slug": slug,
        "owner": {"name": "Owner", "email": "owner@bench.example", "password": PASSWORD},
    })
    call("PUT", f"/v1/operator/tenants/{signed['tenant']['id']}/plan", {"plan": "enterprise"}, token=a.operator_key)
    owner = signed["accessToken"]
    call("PUT", "/v1/kb/settings", {"defaultLocale": "en", "locales": ["en", "fr"]}, token=owner)
    category = call("POST", "/v1/kb/categories", {"name": "Help"}, token=owner)
    section = call("POST", "/v1/kb/sections", {"name": "Everything", "categoryId": category["id"]}, token=owner)
    rng = random.Random(7)
    slugs = []
    for i in range(a.articles):
        words = rng.sample(WORDS, 4)
        body = "\n\n".join(f"## {w.title()}\n\nHow to handle your {w} in {rng.randint(2, 9)} steps. " * 3
                           for w in words)
        written = call("POST", "/v1/kb/articles", {
            "sectionId": section["id"], "title": f"{' '.join(words[:2]).title()} guide {i}",
            "body": body, "tags": words[:2], "status": "published"}, token=owner, raw=True)
        article = written.json()
        slugs.append(article["text"]["slug"])
        if i % 2 == 0:
            call("PUT", f"/v1/kb/articles/{article['id']}/translations/fr",
                 {"title": f"Guide {i}", "body": body}, token=owner, headers={"if-match": written.headers["etag"]})
    deadline = time.time() + 60
    while call("GET", f"/v1/help/{slug}/search", params={"q": "guide", "limit": 50})["total"] < a.articles:
        if time.time() > deadline:
            raise RuntimeError("the articles were not searchable within 60 s")
        time.sleep(0.2)

    def measure(name, requests_made):
        before = counts(a.moto, "help-center")
        latencies, sizes, statuses = [], [], collections.Counter()
        for _ in range(a.reads):
            start = time.perf_counter()
            r = requests_made()
            latencies.append((time.perf_counter() - start) * 1000)
            sizes.append(len(r.content))
            statuses[r.status_code] += 1
        time.sleep(1)
        after = counts(a.moto, "help-center")
        used = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}
        by_service = collections.Counter()
        for (service, _), n in used.items():
            by_service[service] += n
        detail = ", ".join(f"{op} {n / a.reads:.2f}" for (svc, op), n in sorted(used.items()))
        print(f"| {name} | {a.reads} | {dict(statuses)} | {pct(latencies, 50):.1f} | {pct(latencies, 99):.1f} | "
              f"{sum(sizes) / len(sizes):.0f} | {by_service['dynamodb'] / a.reads:.2f} | "
              f"{by_service['s3'] / a.reads:.2f} | {detail} |")

    etags = {}
    for s in slugs:
        etags[s] = call("GET", f"/v1/help/{slug}/articles/{s}", raw=True).headers["etag"]
    print(f"help center of {a.articles} published articles (half also in French), {a.reads} requests each, "
          f"one client through devstack:\n")
    print("| request | n | statuses | p50 ms | p99 ms | bytes | DynamoDB per request | S3 per request | "
          "by operation |")
    print("|---|---|---|---|---|---|---|---|---|")
    pick = lambda: rng.choice(slugs)  # noqa: E731
    measure("article by slug (200)", lambda: http.get(f"{a.api}/v1/help/{slug}/articles/{pick()}", timeout=30))
    measure("article in French (`?locale=fr`)",
            lambda: http.get(f"{a.api}/v1/help/{slug}/articles/{pick()}", params={"locale": "fr"}, timeout=30))

    def revalidate():
        s = pick()
        return http.get(f"{a.api}/v1/help/{slug}/articles/{s}", headers={"if-none-match": etags[s]}, timeout=30)

    measure("article revalidated (`If-None-Match`, 304)", revalidate)
    measure("search, one word", lambda: http.get(f"{a.api}/v1/help/{slug}/search",
                                                 params={"q": rng.choice(WORDS)}, timeout=30))
    measure("search, two words", lambda: http.get(f"{a.api}/v1/help/{slug}/search",
                                                  params={"q": " ".join(rng.sample(WORDS, 2))}, timeout=30))
    measure("categories", lambda: http.get(f"{a.api}/v1/help/{slug}/categories", timeout=30))
    measure("suggestions", lambda: http.post(f"{a.api}/v1/help/{slug}/suggest", json={
        "subject": "Problem with my " + rng.choice(WORDS), "description": "I need help with " + rng.choice(WORDS)},
        timeout=30))


if __name__ == "__main__":
    main()
