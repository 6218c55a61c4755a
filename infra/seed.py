#!/usr/bin/env python3
"""Seeds a demo tenant through the public API, as a person would.

Prints the credentials. Standard library only."""

import argparse
import json
import sys
import urllib.error
import urllib.request

TENANT = "demo"
OWNER = {"name": "Olivia Owner", "email": "owner@demo.example", "password": "demo-owner-password"}
AGENT = {"name": "Alex Agent", "email": "agent@demo.example", "password": "demo-agent-password"}
CUSTOMER = {"name": "Carlos Customer", "email": "customer@demo.example", "password": "demo-customer-password"}


def call(api, method, path, body=None, token=None):
    req = urllib.request.Request(api + path, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(req, data, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--api", default="http://127.0.0.1:3000")
    api = p.parse_args().api

    status, body = call(api, "POST", "/v1/tenants", {"name": "Demo Support", "slug": TENANT, "owner": OWNER})
    if status == 409:
        status, body = call(api, "POST", "/v1/auth/login", {"tenant": TENANT, "email": OWNER["email"], "password": OWNER["password"]})
    if status not in (200, 201):
        sys.exit(f"seeding failed: {status} {body}")
    owner_token = body["accessToken"]

    status, body = call(api, "PATCH", "/v1/tenants/current", {"settings": {"allowCustomerSignup": True}}, owner_token)
    if status != 200:
        sys.exit(f"seeding failed: {status} {body}")

    status, body = call(api, "POST", "/v1/users", {**AGENT, "role": "agent"}, owner_token)
    if status not in (201, 409):
        sys.exit(f"seeding failed: {status} {body}")

    status, body = call(api, "POST", "/v1/auth/register", {"tenant": TENANT, **CUSTOMER})
    if status not in (201, 409):
        sys.exit(f"seeding failed: {status} {body}")

    print(f"""
  Demo tenant  slug "{TENANT}"
    owner      {OWNER['email']} / {OWNER['password']}
    agent      {AGENT['email']} / {AGENT['password']}
    customer   {CUSTOMER['email']} / {CUSTOMER['password']}

  Log in:
    curl -s {api}/v1/auth/login -H 'content-type: application/json' \\
      -d '{{"tenant":"{TENANT}","email":"{OWNER['email']}","password":"{OWNER['password']}"}}'""")


if __name__ == "__main__":
    main()
