"""Search end to end: a ticket created, then commented on, is found by a
word of the comment once the indexer has caught up; a customer of the
tenant does not find a word of an internal note; another tenant finds
nothing; a malformed query is a problem naming the token. Saved views:
an agent's own, an admin's shared ones, run with paging and counted."""

import time
import uuid

from conftest import PASSWORD, assert_problem


def search(api, token, q, **params):
    r = api.call("GET", "/v1/search/tickets", token=token, params={"q": q, **params})
    assert r.status_code == 200, r.text
    return r.json()


def eventually(api, token, q, count, timeout=20):
    """The results of `q` once they hold `count` tickets (the index follows
    the table within seconds)."""
    deadline = time.time() + timeout
    while True:
        found = search(api, token, q)
        if found["total"] >= count or time.time() > deadline:
            return found
        time.sleep(0.3)


def test_a_comment_is_found_by_its_words_as_each_caller_may_see_it(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    email = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    r = api.call("POST", "/v1/users", {"name": "Ana Lopez", "email": email, "role": "customer",
                                       "password": PASSWORD}, token=owner)
    assert r.status_code == 201, r.text
    ana = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": email, "password": PASSWORD}).json()["accessToken"]
    r = api.call("POST", "/v1/tickets", {"subject": "Printer on fire", "description": "Smoke everywhere."}, token=ana)
    assert r.status_code == 201, r.text
    ticket = r.json()
    for body, public in [("Try the cobalt cable first.", True), ("Vendor escalation: zebra.", False)]:
        r = api.call("POST", f"/v1/tickets/{ticket['id']}/comments", {"body": body, "public": public}, token=owner)
        assert r.status_code == 201, r.text

    found = eventually(api, owner, "cobalt", 1)
    assert [f["ticket"]["id"] for f in found["items"]] == [ticket["id"]], found
    assert "<em>cobalt</em>" in found["items"][0]["highlights"]["text"]
    assert eventually(api, owner, "zebra", 1)["total"] == 1

    # The customer: the public reply, never the note.
    assert [f["ticket"]["id"] for f in search(api, ana, "cobalt")["items"]] == [ticket["id"]]
    hidden = search(api, ana, "zebra")
    assert (hidden["total"], hidden["items"]) == (0, []), hidden
    assert search(api, ana, "zeb")["total"] == 0

    # Another helpdesk finds nothing of this one.
    _, other = api.sign_up()
    assert search(api, other["accessToken"], "cobalt")["total"] == 0

    # Filters, and a query that cannot be read.
    assert search(api, owner, f"#{ticket['number']} status:open")["total"] == 1
    r = api.call("GET", "/v1/search/tickets", token=owner, params={"q": "statu:open"})
    body = assert_problem(r, 422, "validation_failed")
    error = body["errors"][0]
    assert (error["field"], error["code"], error["position"], error["token"]) == \
        ("q", "unknown_filter", 0, "statu:open"), body
    assert_problem(api.call("GET", "/v1/search/tickets", token=ana, params={"q": "tag:vip"}),
                   422, "validation_failed")


def test_the_operator_rebuilds_a_tenants_index_and_follows_its_progress(api, operator_key):
    _, signed = api.sign_up()
    owner = signed["accessToken"]
    tenant = signed["tenant"]["id"]
    for subject in ["Quasar printer", "Quasar scanner"]:
        r = api.call("POST", "/v1/tickets", {"subject": subject, "description": "Help."}, token=owner)
        assert r.status_code == 201, r.text
    assert eventually(api, owner, "quasar", 2)["total"] == 2

    r = api.call("POST", f"/v1/operator/tenants/{tenant}/reindex", token=operator_key)
    assert r.status_code == 202, r.text
    location = r.headers["location"]
    assert r.json()["type"] == "search_rebuild"
    deadline = time.time() + 30
    while True:
        job = api.call("GET", location, token=operator_key).json()
        if job["status"] in ("done", "failed") or time.time() > deadline:
            break
        time.sleep(0.3)
    assert job["status"] == "done", job
    # Two tickets and one person (the owner).
    assert job["progress"] == {"done": 3, "total": 3}, job
    assert search(api, owner, "quasar")["total"] == 2
    # Only the operator asks; another tenant's id is nobody's job.
    assert api.call("POST", f"/v1/operator/tenants/{tenant}/reindex", token=owner).status_code in (401, 403)


def test_saved_views_are_kept_shared_run_and_counted(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    email = f"al-{uuid.uuid4().hex[:8]}@example.com"
    r = api.call("POST", "/v1/users", {"name": "Al Agent", "email": email, "role": "agent",
                                       "password": PASSWORD}, token=owner)
    assert r.status_code == 201, r.text
    agent_id = r.json()["id"]
    agent = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": email, "password": PASSWORD}).json()["accessToken"]
    tickets = []
    for subject in ["Nebula sync fails", "Nebula login loop", "Billing question"]:
        r = api.call("POST", "/v1/tickets", {"subject": subject, "description": "Help.",
                                             "assigneeId": agent_id}, token=owner)
        assert r.status_code == 201, r.text
        tickets.append(r.json()["id"])
    assert eventually(api, owner, "assignee:" + agent_id, 3)["total"] == 3

    # The agent's own view, oldest first; a query that cannot be read is refused.
    r = api.call("POST", "/v1/views", {"name": "Mine", "query": "assignee:me", "sort": "created",
                                       "order": "asc"}, token=agent)
    assert r.status_code == 201, r.text
    mine = r.json()
    assert (mine["shared"], mine["ownerId"], mine["version"]) == ("personal", agent_id, 1), mine
    assert r.headers["location"] == f"/v1/views/{mine['id']}"
    body = assert_problem(api.call("POST", "/v1/views", {"name": "Bad", "query": "nebula \"sync"},
                                   token=agent), 422, "validation_failed")
    assert body["errors"][0]["field"] == "query" and body["errors"][0]["position"] == 7, body

    page = api.call("GET", f"/v1/views/{mine['id']}/tickets", token=agent, params={"limit": 2}).json()
    assert [f["ticket"]["id"] for f in page["items"]] == tickets[:2], page
    rest = api.call("GET", f"/v1/views/{mine['id']}/tickets", token=agent,
                    params={"limit": 2, "cursor": page["nextCursor"]}).json()
    assert ([f["ticket"]["id"] for f in rest["items"]], rest["nextCursor"]) == (tickets[2:], None), rest

    # Sharing is the admins'; the agent sees a view shared with everyone.
    body = assert_problem(api.call("POST", "/v1/views", {"name": "All", "query": "nebula",
                                                         "shared": "everyone"}, token=agent), 403, "forbidden")
    r = api.call("POST", "/v1/views", {"name": "Nebula", "query": "nebula", "shared": "everyone"}, token=owner)
    assert r.status_code == 201, r.text
    shared = r.json()
    assert [v["name"] for v in api.call("GET", "/v1/views", token=agent).json()["items"]] == ["Mine", "Nebula"]
    counts = api.call("GET", "/v1/views/counts", token=agent).json()["items"]
    assert [(c["id"], c["count"]) for c in counts] == [(mine["id"], 3), (shared["id"], 2)], counts
    # The owner does not see the agent's own view at all.
    assert [v["name"] for v in api.call("GET", "/v1/views", token=owner).json()["items"]] == ["Nebula"]
    assert_problem(api.call("GET", f"/v1/views/{mine['id']}", token=owner), 404, "not_found")

    # Changes at a version; a stale one is refused.
    r = api.call("PATCH", f"/v1/views/{mine['id']}", {"name": "My queue"}, token=agent,
                 headers={"if-match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    assert r.headers["etag"] == '"2"'
    assert_problem(api.call("DELETE", f"/v1/views/{mine['id']}", token=agent, headers={"if-match": '"1"'}),
                   412, "precondition_failed")
    assert api.call("DELETE", f"/v1/views/{mine['id']}", token=agent).status_code == 204
    assert_problem(api.call("GET", f"/v1/views/{mine['id']}/tickets", token=agent), 404, "not_found")
    # Another helpdesk's view is nobody's.
    _, other = api.sign_up()
    assert_problem(api.call("GET", f"/v1/views/{shared['id']}", token=other["accessToken"]), 404, "not_found")


def test_staff_find_people_as_they_type_and_customers_cannot(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    tag = uuid.uuid4().hex[:8]
    made = {}
    for name, role in [("Ana Lima", "customer"), ("Anabel Costa", "customer"), ("Bruno Santos", "agent")]:
        email = f"{name.split()[0].lower()}-{tag}@globex.example"
        r = api.call("POST", "/v1/users", {"name": name, "email": email, "role": role,
                                           "password": PASSWORD}, token=owner)
        assert r.status_code == 201, r.text
        made[name] = (r.json()["id"], email)

    def people(q, token=owner, **params):
        return api.call("GET", "/v1/search/people", token=token, params={"q": q, **params})

    deadline = time.time() + 20
    while people("globex").json()["total"] < 3 and time.time() < deadline:
        time.sleep(0.3)
    found = people("ana").json()
    assert [u["name"] for u in found["items"]] == ["Ana Lima", "Anabel Costa"], found
    assert [u["name"] for u in people("ana l").json()["items"]] == ["Ana Lima"]
    assert [u["name"] for u in people("globex", role="staff").json()["items"]] == ["Bruno Santos"]
    assert people(made["Ana Lima"][1]).json()["items"][0]["id"] == made["Ana Lima"][0]

    # Deactivated: gone unless asked for.
    r = api.call("DELETE", f"/v1/users/{made['Ana Lima'][0]}", token=owner)
    assert r.status_code in (200, 204), r.text
    deadline = time.time() + 20
    while people("lima").json()["total"] and time.time() < deadline:
        time.sleep(0.3)
    assert people("lima").json()["items"] == []
    assert [u["name"] for u in people("lima", inactive="true").json()["items"]] == ["Ana Lima"]

    # A customer searches nobody; another helpdesk finds nobody of this one.
    r = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": made["Anabel Costa"][1], "password": PASSWORD})
    customer = r.json()["accessToken"]
    assert_problem(people("bruno", token=customer), 403, "forbidden")
    _, other = api.sign_up()
    assert people("globex", token=other["accessToken"]).json()["total"] == 0
    assert_problem(people(""), 422, "validation_failed")
