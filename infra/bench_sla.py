"""SLA timing benchmark through devstack (run by `infra/benchmark sla`).

A policy with one-minute first-response targets (warning at half); N
tickets opened at once; an agent's socket follows the queue. For each
`sla.warning` and `sla.breached` pushed: how long after the target's due
(or warning) time it was announced (`occurredAt`) and how long until the
socket had it.
"""

import argparse
import json
import statistics
import time
from datetime import datetime

from websockets.sync.client import connect

from bench_live import Api, helpdesk, pct


def seconds(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--tickets", type=int, default=20)
    args = parser.parse_args()
    api = Api(args.api)
    owner, customer = helpdesk(api)
    api.call("POST", "/v1/sla-policies", {
        "name": "One minute", "warnAt": 0.5,
        "targets": {"normal": {"firstResponse": {"minutes": 1}}},
    }, token=owner)
    ws = connect(api.call("POST", "/v1/realtime/tickets", token=owner)["connectUrl"], max_queue=None)
    ws.send(json.dumps({"action": "subscribe", "topic": "queue"}))
    tickets = {api.call("POST", "/v1/tickets", {"subject": f"SLA {i}", "description": "x"}, token=customer)["id"]
               for i in range(args.tickets)}
    announced, arrived = {"sla.warning": [], "sla.breached": []}, {"sla.warning": [], "sla.breached": []}
    deadline = time.time() + 120
    while time.time() < deadline and len(announced["sla.breached"]) < len(tickets):
        try:
            m = json.loads(ws.recv(timeout=max(0.1, deadline - time.time())))
        except TimeoutError:
            break
        now = time.time()
        if m.get("type") != "event" or m["event"]["type"] not in announced:
            continue
        e = m["event"]
        if e["subject"]["ticketId"] not in tickets:
            continue
        due = seconds(e["data"]["warnAt"] if e["type"] == "sla.warning" else e["data"]["dueAt"])
        announced[e["type"]].append(seconds(e["occurredAt"]) - due)
        arrived[e["type"]].append(now - due)
    ws.close()
    for kind in ("sla.warning", "sla.breached"):
        a, b = announced[kind], arrived[kind]
        if not a:
            print(f"{kind}: none announced")
            continue
        print(f"{kind} over {len(a)} of {len(tickets)} tickets: announced after the due time "
              f"p50 {pct(a, 50):.2f} s, max {max(a):.2f} s; on the socket p50 {pct(b, 50):.2f} s, "
              f"max {max(b):.2f} s, mean {statistics.mean(b):.2f} s")


if __name__ == "__main__":
    main()
