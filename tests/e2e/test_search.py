"""Search end to end: a ticket created, then commented on, is found by a
word of the comment once the indexer has caught up; a customer of the
tenant does not find a word of an internal note; another tenant finds
nothing; a malformed query is a problem naming the token."""

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
    assert body["errors"][0]["field"] == "q" and body["errors"][0]["code"] == "unknown_filter", body
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
    assert job["progress"] == {"done": 2, "total": 2}, job
    assert search(api, owner, "quasar")["total"] == 2
    # Only the operator asks; another tenant's id is nobody's job.
    assert api.call("POST", f"/v1/operator/tenants/{tenant}/reindex", token=owner).status_code in (401, 403)
