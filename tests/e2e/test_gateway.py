"""What devstack's HTTP API does as API Gateway would: routing from the
template, CORS from the template, request ids, and function failures."""

from conftest import assert_problem

ALLOWED = "http://localhost:5173"


def test_routes_not_in_the_template_are_the_gateways_404(api):
    r = api.call("GET", "/v1/definitely-not-a-route")
    assert r.status_code == 404
    assert r.json() == {"message": "Not Found"}


def test_cors_preflight_follows_the_template(api):
    r = api.call("OPTIONS", "/v1/auth/login", headers={
        "origin": ALLOWED, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"]

    denied = api.call("OPTIONS", "/v1/auth/login", headers={
        "origin": "https://evil.example", "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in denied.headers


def test_cors_headers_on_actual_requests(api):
    r = api.call("GET", "/v1/health", headers={"origin": ALLOWED})
    assert r.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in r.headers["access-control-expose-headers"]
    other = api.call("GET", "/v1/health", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_request_ids_reach_the_function_and_come_back(api):
    r = api.call("GET", "/v1/auth/me", headers={"x-request-id": "e2e-trace-42"})
    body = assert_problem(r, 401, "unauthenticated")
    assert r.headers["x-request-id"] == "e2e-trace-42"
    assert body["requestId"] == "e2e-trace-42"
    plain = api.call("GET", "/v1/health")
    assert plain.headers["x-request-id"] == plain.headers["apigw-requestid"]
