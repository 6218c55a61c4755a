"""Sign-up, login, me, refresh and logout through the HTTP API."""

from concurrent.futures import ThreadPoolExecutor

from conftest import PASSWORD, assert_problem


def test_health_answers_without_credentials(api):
    r = api.call("GET", "/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["table"] == "reachable"
    assert body["version"]


def test_sign_up_login_me_refresh_logout(api):
    slug, signed = api.sign_up()
    assert signed["tenant"]["slug"] == slug
    assert signed["user"]["role"] == "owner"

    r = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": "owner@acme.example", "password": PASSWORD})
    assert r.status_code == 200, r.text
    session = r.json()
    assert session["tokenType"] == "Bearer" and 900 <= session["expiresIn"] <= 3600

    me = api.call("GET", "/v1/auth/me", token=session["accessToken"])
    assert me.status_code == 200
    assert me.json()["user"]["id"] == signed["user"]["id"]
    assert me.json()["tenant"]["id"] == signed["tenant"]["id"]

    refreshed = api.call("POST", "/v1/auth/refresh", {"refreshToken": session["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refreshToken"] != session["refreshToken"]
    assert api.call("GET", "/v1/auth/me", token=new["accessToken"]).status_code == 200

    out = api.call("POST", "/v1/auth/logout", token=new["accessToken"])
    assert out.status_code == 204
    assert_problem(api.call("GET", "/v1/auth/me", token=new["accessToken"]), 401, "invalid_token")
    assert_problem(api.call("POST", "/v1/auth/refresh", {"refreshToken": new["refreshToken"]}), 401, "invalid_token")


def test_a_reused_refresh_token_ends_the_session(api):
    slug, signed = api.sign_up()
    first = signed["refreshToken"]
    second = api.call("POST", "/v1/auth/refresh", {"refreshToken": first}).json()
    assert_problem(api.call("POST", "/v1/auth/refresh", {"refreshToken": first}), 401, "invalid_token")
    assert_problem(api.call("GET", "/v1/auth/me", token=second["accessToken"]), 401, "invalid_token")


def test_login_failures_look_alike_and_lock_after_five(api):
    slug, _ = api.sign_up()
    wrong_pw = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": "owner@acme.example", "password": "nope nope nope"})
    no_user = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": "ghost@acme.example", "password": PASSWORD})
    no_tenant = api.call("POST", "/v1/auth/login", {"tenant": slug + "-x", "email": "owner@acme.example", "password": PASSWORD})
    bodies = [assert_problem(r, 401, "invalid_credentials") for r in (wrong_pw, no_user, no_tenant)]
    for b in bodies:
        b.pop("requestId", None)
    assert bodies[0] == bodies[1] == bodies[2]
    for _ in range(4):
        api.call("POST", "/v1/auth/login", {"tenant": slug, "email": "owner@acme.example", "password": "nope nope nope"})
    locked = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": "owner@acme.example", "password": PASSWORD})
    assert_problem(locked, 429, "too_many_attempts")
    assert int(locked.headers["retry-after"]) > 0


def test_customers_self_register_when_allowed(api):
    slug, signed = api.sign_up()
    body = {"tenant": slug, "name": "Carla", "email": "carla@example.com", "password": PASSWORD}
    assert_problem(api.call("POST", "/v1/auth/register", body), 403, "registration_closed")
    r = api.call("PATCH", "/v1/tenants/current", {"settings": {"allowCustomerSignup": True}},
                 token=signed["accessToken"], headers={"if-match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    reg = api.call("POST", "/v1/auth/register", body)
    assert reg.status_code == 201, reg.text
    assert reg.headers["location"] == f"/v1/users/{reg.json()['user']['id']}"
    customer = reg.json()["accessToken"]
    assert_problem(api.call("PATCH", "/v1/tenants/current", {"name": "x"}, token=customer), 403, "forbidden")


def test_the_operator_suspends_a_tenant_and_its_credentials_stop_working(api, operator_key):
    slug, signed = api.sign_up()
    tid = signed["tenant"]["id"]
    assert_problem(api.call("POST", f"/v1/operator/tenants/{tid}/suspend", token=signed["accessToken"]), 401, "invalid_token")
    r = api.call("POST", f"/v1/operator/tenants/{tid}/suspend", token=operator_key)
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    assert_problem(api.call("GET", "/v1/tenants/current", token=signed["accessToken"]), 401, "invalid_token")
    assert_problem(api.call("POST", "/v1/auth/refresh", {"refreshToken": signed["refreshToken"]}), 401, "invalid_token")
    login = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": "owner@acme.example", "password": PASSWORD})
    assert_problem(login, 403, "account_suspended")
    listed = api.call("GET", "/v1/operator/tenants?limit=100", token=operator_key).json()
    assert any(t["id"] == tid and t["status"] == "suspended" for t in listed["items"])


def test_bad_input_gets_problems_not_500s(api):
    def post(path, data, ct="application/json"):
        return api.call("POST", path, data=data, headers={"content-type": ct})
    assert_problem(post("/v1/tenants", "{not json"), 400, "malformed_json")
    assert_problem(post("/v1/tenants", '{"name":"A"}'), 422, "validation_failed")
    assert_problem(post("/v1/tenants", "{}", "text/plain"), 415, "unsupported_media_type")
    assert_problem(post("/v1/auth/login", '{"tenant":"a","email":"b","password":"c","extra":1}'), 422, "validation_failed")
    assert_problem(post("/v1/tenants", '{"name":"' + "x" * 400_000 + '"}'), 413, "payload_too_large")
    r = api.call("GET", "/v1/tenants/current", headers={"authorization": "Bearer not.a.jwt"})
    assert_problem(r, 401, "invalid_token")


def test_slugs_are_unique_under_concurrent_sign_ups(api):
    slug = "race-" + __import__("uuid").uuid4().hex[:16]
    body = {"name": "Race", "slug": slug, "owner": {"name": "O", "email": "o@race.example", "password": PASSWORD}}
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(lambda _: api.call("POST", "/v1/tenants", body).status_code, range(8)))
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == 7, statuses
