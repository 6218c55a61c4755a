"""The audit log end to end through devstack: every administrative and
security-relevant action taken over HTTP leaves an entry naming who did it,
to what, from which address, with which user agent and request id; secrets
never appear; only owners and admins read it."""

import uuid

from conftest import PASSWORD, assert_problem
from test_tickets import login, person

AGENT_UA = "switchboard-e2e-audit/1.0"


def audit_log(api, token, query=""):
    """Every entry, following cursors."""
    items, cursor = [], None
    while True:
        path = f"/v1/audit-log?limit=100{query}" + (f"&cursor={cursor}" if cursor else "")
        r = api.call("GET", path, token=token)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        cursor = page.get("nextCursor")
        if not cursor:
            return items


def test_every_administrative_action_leaves_an_entry(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    request_id = "audit-" + uuid.uuid4().hex[:12]
    who = {"user-agent": AGENT_UA, "x-request-id": request_id}

    def call(method, path, body=None, token=owner, status=None):
        r = api.call(method, path, body, token=token, headers=who)
        if status:
            assert r.status_code == status, r.text
        return r

    agent = person(api, owner, "agent", "Ana Audited")
    agent_token = login(api, slug, agent["email"])
    assert_problem(api.call("POST", "/v1/auth/login",
                            {"tenant": slug, "email": agent["email"], "password": "not " + PASSWORD}),
                   401, "invalid_credentials")
    call("PATCH", f"/v1/users/{agent['id']}", {"name": "Ana Renamed"}, status=200)
    key = call("POST", "/v1/api-keys", {"name": "CRM", "role": "agent", "scopes": ["tickets:read"]},
               status=201).json()
    call("DELETE", f"/v1/api-keys/{key['id']}", status=204)
    hook = call("POST", "/v1/webhooks", {"url": "https://hooks.example.com/in", "description": "CRM sync",
                                         "events": ["ticket.created"]}, status=201).json()
    rotated = call("POST", f"/v1/webhooks/{hook['id']}/rotate-secret", status=200).json()
    call("DELETE", f"/v1/webhooks/{hook['id']}", status=204)
    call("POST", "/v1/sla-policies", {"name": "Fast", "targets": {"normal": {"firstResponse": {"minutes": 60}}}},
         status=201)
    call("POST", "/v1/triggers", {"title": "Tag VIPs", "on": ["ticket.created"], "conditions": {"all": []},
                                  "actions": [{"type": "addTags", "tags": ["vip"]}]}, status=201)
    macro = call("POST", "/v1/macros", {"title": "Close", "visibility": "everyone",
                                        "actions": [{"type": "setStatus", "status": "solved"}]}, status=201).json()
    call("DELETE", f"/v1/macros/{macro['id']}", status=204)
    call("POST", "/v1/teams", {"name": "Tier 2", "members": [agent["id"]]}, status=201)
    tenant = call("GET", "/v1/tenants/current", status=200).json()
    r = api.call("PATCH", "/v1/tenants/current", {"settings": {"auditRetentionDays": 90}}, token=owner,
                 headers={**who, "if-match": f'"{tenant["version"]}"'})
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["auditRetentionDays"] == 90
    spent = signed["refreshToken"]
    assert api.call("POST", "/v1/auth/refresh", {"refreshToken": spent}).status_code == 200
    assert_problem(api.call("POST", "/v1/auth/refresh", {"refreshToken": spent}), 401, "invalid_token")
    owner = login(api, slug, "owner@acme.example")
    call("POST", "/v1/auth/logout", token=agent_token, status=204)

    entries = audit_log(api, owner)
    actions = {e["action"] for e in entries}
    expected = {
        "tenant.created", "user.created", "user.logged_in", "user.login_failed", "user.updated",
        "api_key.created", "api_key.revoked", "webhook.created", "webhook.secret_rotated", "webhook.deleted",
        "sla_policy.created", "trigger.created", "macro.created", "macro.deleted", "team.created",
        "tenant.updated", "user.refresh_token_reused", "user.logged_out",
    }
    assert expected <= actions, expected - actions
    assert all(e["tenantId"] == tenant["id"] for e in entries)

    mine = [e for e in entries if e.get("requestId") == request_id]
    assert {"user.updated", "webhook.secret_rotated", "tenant.updated", "user.logged_out"} <= {
        e["action"] for e in mine}
    for e in mine:
        assert e["userAgent"] == AGENT_UA, e
        assert e["ip"], e
    renamed = next(e for e in mine if e["action"] == "user.updated")
    assert renamed["actor"] == {"type": "user", "id": signed["user"]["id"]}
    assert renamed["target"] == {"type": "user", "id": agent["id"]}
    rotation = next(e for e in entries if e["action"] == "webhook.secret_rotated")
    assert rotation["target"] == {"type": "webhook", "id": hook["id"]}
    setting = next(e for e in entries if e["action"] == "tenant.updated")
    assert setting["data"]["changed"] == ["settings.auditRetentionDays"]

    written = str(entries)
    for secret in (hook["secret"], rotated["secret"], key["key"], spent, PASSWORD):
        assert secret not in written

    webhooks_only = audit_log(api, owner, "&action=webhook.*")
    assert [e["action"] for e in webhooks_only] == ["webhook.deleted", "webhook.secret_rotated", "webhook.created"]
    about_agent = audit_log(api, owner, f"&target={agent['id']}")
    assert about_agent and all(e["target"]["id"] == agent["id"] for e in about_agent)


def test_only_owners_and_admins_read_it_and_bad_queries_are_refused(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    agent = person(api, owner, "agent", "Al Agent")
    admin = person(api, owner, "admin", "Ada Admin")
    assert_problem(api.call("GET", "/v1/audit-log", token=login(api, slug, agent["email"])), 403, "forbidden")
    assert api.call("GET", "/v1/audit-log", token=login(api, slug, admin["email"])).status_code == 200
    body = assert_problem(api.call("GET", "/v1/audit-log?from=soon&limit=1000", token=owner), 422,
                          "validation_failed")
    assert sorted(e["field"] for e in body["errors"]) == ["from", "limit"]
    other_slug, other = api.sign_up()
    theirs = audit_log(api, other["accessToken"])
    assert theirs and not any(e.get("target", {}).get("id") == agent["id"] for e in theirs)
