"""Reports end to end through devstack: tickets worked by people appear in
/v1/analytics/tickets with the right counts and durations within the
stated error; agents see their own row; bad ranges are refused field by
field."""

import datetime
import time

from conftest import assert_problem
from test_tickets import login, person
from test_triggers import eventually


def test_worked_tickets_appear_in_the_reports(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    agent = person(api, owner, "agent", "Rita Reporter")
    customer = person(api, owner, "customer", "Carl Counted")
    agent_token = login(api, slug, agent["email"])
    customer_token = login(api, slug, customer["email"])
    opened = time.monotonic()
    r = api.call("POST", "/v1/tickets", {"subject": "Printer", "description": "Jammed."}, token=customer_token)
    assert r.status_code == 201, r.text
    ticket = r.json()
    r = api.call("POST", "/v1/tickets", {"subject": "Scanner", "description": "Dead."}, token=customer_token)
    assert r.status_code == 201, r.text
    time.sleep(1.5)
    r = api.call("POST", f"/v1/tickets/{ticket['id']}/comments", {"body": "On it.", "public": True},
                 token=agent_token)
    assert r.status_code == 201, r.text
    answered = time.monotonic() - opened
    current = api.call("GET", f"/v1/tickets/{ticket['id']}", token=agent_token).json()
    r = api.call("PATCH", f"/v1/tickets/{ticket['id']}", {"status": "solved", "assigneeId": agent["id"]},
                 token=agent_token, headers={"if-match": f'"{current["version"]}"'})
    assert r.status_code == 200, r.text

    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    path = f"/v1/analytics/tickets?from={today}&to={today}"

    def counted():
        r = api.call("GET", path, token=owner)
        assert r.status_code == 200, r.text
        rows = r.json()["rows"]
        done = rows and rows[0]["created"] == 2 and rows[0]["replies"] == 1 and rows[0]["solved"] == 1
        return r.json() if done else None

    report = eventually(counted)
    assert report, api.call("GET", path, token=owner).text
    [row] = report["rows"]
    assert row["period"] == today and "group" not in row
    assert report["relativeError"] == 0.02
    first = row["firstResponse"]
    assert first["count"] == 1
    # Measured from the ticket's own clock: at least the pause, at most
    # the time the client saw pass, within the sketch's error.
    assert 1.5 * 0.98 <= first["p50"] <= answered * 1.02 + 1, (first, answered)
    assert row["resolution"]["count"] == 1

    by_agent = api.call("GET", f"{path}&groupBy=agent", token=agent_token)
    assert by_agent.status_code == 200, by_agent.text
    assert [r["group"] for r in by_agent.json()["rows"]] == [agent["id"]], "an agent sees their own row"
    agents = api.call("GET", f"/v1/analytics/agents?from={today}&to={today}", token=owner).json()["items"]
    rita = [a for a in agents if a["agentId"] == agent["id"]]
    assert rita and rita[0]["replies"] == 1 and rita[0]["solved"] == 1 and rita[0]["name"] == "Rita Reporter"

    assert_problem(api.call("GET", path, token=customer_token), 403, "forbidden")
    bad = api.call("GET", "/v1/analytics/tickets?from=2026-13-01&interval=year", token=owner)
    body = assert_problem(bad, 422, "validation_failed")
    assert sorted(e["field"] for e in body["errors"]) == ["from", "interval", "to"]
    too_long = api.call("GET", "/v1/analytics/tickets?from=2025-01-01&to=2026-12-31", token=owner)
    assert_problem(too_long, 422, "validation_failed")
