"""The helpdesk's daily work through the HTTP API: people, keys, teams,
tickets and conversations, with the visibility rules a customer relies on."""

from concurrent.futures import ThreadPoolExecutor

from conftest import PASSWORD, assert_problem


def person(api, owner, role, name):
    email = f"{name.lower().replace(' ', '.')}@acme.example"
    r = api.call("POST", "/v1/users", {"name": name, "email": email, "role": role, "password": PASSWORD}, token=owner)
    assert r.status_code == 201, r.text
    return r.json()


def login(api, slug, email):
    r = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["accessToken"]


def test_a_ticket_from_customer_to_solved(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    agent = person(api, owner, "agent", "Ada Agent")
    customer = person(api, owner, "customer", "Cal Customer")
    agent_token = login(api, slug, agent["email"])
    customer_token = login(api, slug, customer["email"])
    team = api.call("POST", "/v1/teams", {"name": "Tier 1", "members": [agent["id"]]}, token=owner).json()

    t = api.call("POST", "/v1/tickets", {"subject": "Printer on fire", "description": "Smoke everywhere"}, token=customer_token)
    assert t.status_code == 201, t.text
    ticket = t.json()
    tid, number = ticket["id"], ticket["number"]

    r = api.call("PATCH", f"/v1/tickets/{tid}", {"assigneeId": agent["id"], "teamId": team["id"], "priority": "urgent"},
                 token=agent_token, headers={"if-match": t.headers["etag"]})
    assert r.status_code == 200, r.text
    assert api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Pulled the plug", "public": False}, token=agent_token).status_code == 201
    assert api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "We're on it."}, token=agent_token).status_code == 201

    mine = api.call("GET", f"/v1/tickets?assignee=me&status=open", token=agent_token).json()
    assert [x["id"] for x in mine["items"]] == [tid]
    by_team = api.call("GET", f"/v1/tickets?team={team['id']}", token=agent_token).json()
    assert [x["id"] for x in by_team["items"]] == [tid]

    seen = api.call("GET", f"/v1/tickets/by-number/{number}", token=customer_token).json()
    assert [c["body"] for c in seen["comments"]] == ["Smoke everywhere", "We're on it."]
    assert "Pulled the plug" not in api.call("GET", f"/v1/tickets/{tid}/comments", token=customer_token).text

    v = api.call("GET", f"/v1/tickets/{tid}", token=agent_token).headers["etag"]
    solved = api.call("PATCH", f"/v1/tickets/{tid}", {"status": "solved"}, token=agent_token, headers={"if-match": v})
    assert solved.json()["status"] == "solved"
    api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "It's back!"}, token=customer_token)
    assert api.call("GET", f"/v1/tickets/{tid}", token=agent_token).json()["status"] == "open"
    history = api.call("GET", f"/v1/tickets/{tid}/history", token=agent_token).json()["items"]
    assert {c["field"] for h in history for c in h["changes"]} >= {"assigneeId", "teamId", "priority", "status"}


def test_an_integration_works_with_a_scoped_api_key(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    created = api.call("POST", "/v1/api-keys", {"name": "CRM", "role": "agent", "scopes": ["tickets:read", "tickets:write"]}, token=owner)
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    t = api.call("POST", "/v1/tickets", {"subject": "From CRM", "description": "Order 55 late",
                                         "requester": {"email": "buyer@shop.example", "name": "Buyer"}}, token=key)
    assert t.status_code == 201, t.text
    assert t.json()["channel"] == "api"
    assert_problem(api.call("GET", "/v1/users", token=key), 403, "forbidden")
    assert api.call("GET", "/v1/auth/me", token=key).json()["apiKey"]["name"] == "CRM"
    assert api.call("DELETE", f"/v1/api-keys/{created.json()['id']}", token=owner).status_code == 204
    assert_problem(api.call("GET", "/v1/tickets", token=key), 401, "invalid_token")


def test_idempotent_creates_and_concurrent_numbers_through_the_gateway(api):
    _, signed = api.sign_up()
    owner = signed["accessToken"]
    body = {"subject": "Once", "description": "only once"}
    first = api.call("POST", "/v1/tickets", body, token=owner, headers={"idempotency-key": "abc"})
    again = api.call("POST", "/v1/tickets", body, token=owner, headers={"idempotency-key": "abc"})
    assert first.json()["id"] == again.json()["id"] and again.headers["idempotent-replayed"] == "true"
    assert_problem(api.call("POST", "/v1/tickets", {**body, "subject": "Twice"}, token=owner, headers={"idempotency-key": "abc"}),
                   422, "idempotency_key_reused")
    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(lambda i: api.call("POST", "/v1/tickets", {"subject": f"T{i}", "description": "x"}, token=owner).json()["number"], range(20)))
    assert len(set(numbers)) == 20


def test_another_tenant_sees_nothing(api):
    _, a = api.sign_up()
    _, b = api.sign_up()
    t = api.call("POST", "/v1/tickets", {"subject": "A only", "description": "secret"}, token=a["accessToken"]).json()
    for method, path in [("GET", f"/v1/tickets/{t['id']}"), ("GET", f"/v1/tickets/{t['id']}/comments"),
                         ("DELETE", f"/v1/tickets/{t['id']}"), ("GET", f"/v1/users/{a['user']['id']}")]:
        assert_problem(api.call(method, path, token=b["accessToken"]), 404, "not_found")
    assert api.call("GET", "/v1/tickets", token=b["accessToken"]).json()["items"] == []


def test_a_copied_customer_lists_the_ticket_and_never_sees_internal_work_move_it(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    agent_token = login(api, slug, person(api, owner, "agent", "Abe Agent")["email"])
    rita = person(api, owner, "customer", "Rita Requester")
    cora = person(api, owner, "customer", "Cora Copied")
    cora_token = login(api, slug, cora["email"])
    own = api.call("POST", "/v1/tickets", {"subject": "Mine", "description": "Cora's own"}, token=cora_token).json()
    t = api.call("POST", "/v1/tickets", {"subject": "Team outage", "description": "Nobody can log in",
                                         "requester": {"id": rita["id"]}}, token=agent_token)
    assert t.status_code == 201, t.text
    tid = t.json()["id"]
    cc = api.call("PUT", f"/v1/tickets/{tid}/participants", {"participants": [cora["email"].upper()]},
                  token=agent_token, headers={"if-match": t.headers["etag"]})
    assert cc.status_code == 200, cc.text

    listed = api.call("GET", "/v1/tickets?sort=createdAt&limit=1", token=cora_token).json()
    rest = api.call("GET", f"/v1/tickets?sort=createdAt&limit=1&cursor={listed['nextCursor']}", token=cora_token).json()
    assert [x["id"] for x in listed["items"] + rest["items"]] == [tid, own["id"]]

    seen = api.call("GET", f"/v1/tickets/{tid}", token=cora_token)
    assert api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Looks like the IdP", "public": False},
                    token=agent_token).status_code == 201
    again = api.call("GET", f"/v1/tickets/{tid}", token=cora_token)
    assert again.headers["etag"] == seen.headers["etag"]
    assert again.json()["updatedAt"] == seen.json()["updatedAt"]
    staff = api.call("GET", f"/v1/tickets/{tid}", token=agent_token)
    assert staff.headers["etag"] != seen.headers["etag"]

    assert api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "We're on it"}, token=agent_token).status_code == 201
    assert api.call("GET", f"/v1/tickets/{tid}", token=cora_token).headers["etag"] != seen.headers["etag"]
    first = api.call("GET", "/v1/tickets", token=cora_token).json()["items"][0]
    assert first["id"] == tid
