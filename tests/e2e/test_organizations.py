"""Organisations end to end: customers of one company join it by their
address's domain, and with `read` sharing see each other's tickets (never
the internal notes) without being able to answer them."""

import uuid

from conftest import PASSWORD


def person(api, owner, name, email, role="customer"):
    r = api.call("POST", "/v1/users", {"name": name, "email": email, "role": role, "password": PASSWORD}, token=owner)
    assert r.status_code == 201, r.text
    return r.json()


def login(api, slug, email):
    r = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["accessToken"]


def test_a_colleague_reads_a_shared_ticket_but_never_its_internal_notes(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    domain = f"globex-{uuid.uuid4().hex[:8]}.example"
    org = api.call("POST", "/v1/organizations", {"name": "Globex", "domains": [domain], "sharedTickets": "read"},
                   token=owner)
    assert org.status_code == 201, org.text
    org_id = org.json()["id"]
    ana = person(api, owner, "Ana Globex", f"ana@{domain}")
    bo = person(api, owner, "Bo Globex", f"bo@{domain}")
    stranger = person(api, owner, "Cy Other", f"cy-{uuid.uuid4().hex[:6]}@other.example")
    assert ana["organizationId"] == bo["organizationId"] == org_id
    ana_token, bo_token = login(api, slug, ana["email"]), login(api, slug, bo["email"])
    cy_token = login(api, slug, stranger["email"])

    t = api.call("POST", "/v1/tickets", {"subject": "VPN down", "description": "Since the update"}, token=ana_token)
    assert t.status_code == 201, t.text
    tid = t.json()["id"]
    assert t.json()["organizationId"] == org_id
    assert api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Their admin broke it", "public": False},
                    token=owner).status_code == 201

    seen = api.call("GET", f"/v1/tickets/{tid}", token=bo_token)
    assert seen.status_code == 200, seen.text
    assert [c["body"] for c in seen.json()["comments"]] == ["Since the update"]
    assert "Their admin broke it" not in api.call("GET", f"/v1/tickets/{tid}/comments", token=bo_token).text
    listed = api.call("GET", f"/v1/organizations/{org_id}/tickets", token=bo_token).json()
    assert [x["id"] for x in listed["items"]] == [tid]
    answer = api.call("POST", f"/v1/tickets/{tid}/comments", {"body": "Same here"}, token=bo_token)
    assert answer.status_code == 403, answer.text

    assert api.call("GET", f"/v1/tickets/{tid}", token=cy_token).status_code == 404
    assert api.call("GET", f"/v1/organizations/{org_id}/tickets", token=cy_token).status_code == 404
