"""End-to-end tests: a plain HTTP client against the stack that devstack runs
from template.yaml (infra/test starts it and sets SWITCHBOARD_API)."""

import os
import uuid

import pytest
import requests

PASSWORD = "a long enough password"


def pytest_configure(config):
    if not os.environ.get("SWITCHBOARD_API"):
        raise pytest.UsageError("SWITCHBOARD_API is not set: run the suite through infra/test")


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def call(self, method, path, json=None, token=None, headers=None, **kw):
        h = dict(headers or {})
        if token:
            h["authorization"] = f"Bearer {token}"
        return self.http.request(method, self.base + path, json=json, headers=h, timeout=30, **kw)

    def sign_up(self, email="owner@acme.example"):
        slug = "e2e-" + uuid.uuid4().hex[:20]
        r = self.call("POST", "/v1/tenants", {
            "name": "Acme Support", "slug": slug,
            "owner": {"name": "Olivia Owner", "email": email, "password": PASSWORD},
        })
        assert r.status_code == 201, r.text
        return slug, r.json()


@pytest.fixture(scope="session")
def api():
    return Api(os.environ["SWITCHBOARD_API"])


@pytest.fixture(scope="session")
def operator_key():
    key = os.environ.get("SWITCHBOARD_OPERATOR_KEY")
    assert key, "SWITCHBOARD_OPERATOR_KEY is not set"
    return key


def assert_problem(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json", r.headers
    body = r.json()
    assert body["code"] == code, body
    assert body["status"] == status
    return body
