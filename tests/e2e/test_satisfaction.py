"""Customer satisfaction end to end through devstack: solving a ticket mails
its requester a survey (SES through moto); the mail's link rates the ticket
without a credential, a bad rating reopens it when the tenant says so, and
the rating shows on the ticket and counts in the reports as its latest score."""

import datetime
import re

from conftest import assert_problem
from test_email_out import outbound, text_of
from test_tickets import login, person
from test_triggers import eventually


def solve(api, token, ticket):
    current = api.call("GET", f"/v1/tickets/{ticket['id']}", token=token).json()
    r = api.call("PATCH", f"/v1/tickets/{ticket['id']}", {"status": "solved"}, token=token,
                 headers={"if-match": f'"{current["version"]}"'})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_survey_link_rates_the_ticket_and_a_bad_rating_reopens_it(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    tenant = api.call("GET", "/v1/tenants/current", token=owner).json()
    r = api.call("PATCH", "/v1/tenants/current",
                 {"settings": {"satisfaction": {"enabled": True, "reopenOnBad": True}}}, token=owner,
                 headers={"if-match": f'"{tenant["version"]}"'})
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["satisfaction"] == {"enabled": True, "reopenOnBad": True}
    agent = login(api, slug, person(api, owner, "agent", "Ann Agent")["email"])
    customer = person(api, owner, "customer", "Carl Customer")
    customer_token = login(api, slug, customer["email"])
    r = api.call("POST", "/v1/tickets", {"subject": "Broken scanner", "description": "It jams."},
                 token=customer_token)
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert_problem(api.call("POST", f"/v1/tickets/{ticket['id']}/satisfaction", {"score": "good"},
                            token=customer_token), 422, "validation_failed")
    solve(api, agent, ticket)

    def survey():
        for _, mail in outbound(api, slug, 1, timeout=2):
            if "How did we do?" in str(mail["Subject"]):
                return mail
        return None

    mail = eventually(survey)
    assert mail, "no survey mailed"
    assert customer["email"] in str(mail["To"])
    assert mail["Auto-Submitted"] == "auto-generated"
    links = re.findall(r"https?://\S+/satisfaction\?token=([A-Za-z0-9.]+)&score=(good|bad)", text_of(mail))
    assert {score for _, score in links} == {"good", "bad"}, links
    token = links[0][0]

    page = api.call("POST", "/v1/satisfaction/survey", {"token": token})
    assert page.status_code == 200, page.text
    assert page.json()["number"] == ticket["number"] and page.json()["status"] == "solved"
    assert page.json()["satisfaction"] is None, "not rated yet"
    forged = token[:-1] + ("1" if token.endswith("0") else "0")
    assert_problem(api.call("POST", "/v1/satisfaction/survey", {"token": forged}), 404, "not_found")

    r = api.call("POST", "/v1/satisfaction/rating", {"token": token, "score": "bad", "comment": "Still jams."})
    assert r.status_code == 200, r.text
    assert r.json()["satisfaction"]["score"] == "bad"
    assert r.json()["status"] == "open", "a bad rating reopens it"
    seen = api.call("GET", f"/v1/tickets/{ticket['id']}", token=agent).json()
    assert seen["satisfaction"] == {"score": "bad", "comment": "Still jams.",
                                   "ratedAt": seen["satisfaction"]["ratedAt"]}
    assert seen["status"] == "open"

    solve(api, agent, ticket)
    r = api.call("POST", f"/v1/tickets/{ticket['id']}/satisfaction", {"score": "good"}, token=customer_token)
    assert r.status_code == 200, r.text
    assert r.json()["satisfaction"]["score"] == "good"
    assert "tags" not in r.json() and "assigneeId" not in r.json(), "the customer's view"
    assert_problem(api.call("POST", f"/v1/tickets/{ticket['id']}/satisfaction", {"score": "good"}, token=agent),
                   403, "not_requester")
    body = assert_problem(api.call("POST", "/v1/satisfaction/rating",
                                   {"token": token, "score": "meh", "comment": "x" * 2001}),
                          422, "validation_failed")
    assert sorted(e["field"] for e in body["errors"]) == ["comment", "score"]
    assert f"/satisfaction?token={token}&optOut=true" in text_of(mail)
    assert api.call("POST", "/v1/satisfaction/opt-out", {"token": token}).status_code == 204
    assert api.call("POST", "/v1/satisfaction/opt-out", {"token": token}).status_code == 204, "no change"
    assert api.call("POST", "/v1/satisfaction/opt-out", {"token": forged}).status_code == 404

    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()

    def counted():
        r = api.call("GET", f"/v1/analytics/tickets?from={today}&to={today}", token=owner)
        assert r.status_code == 200, r.text
        rows = r.json()["rows"]
        return rows and rows[0]["satisfaction"]["good"] == 1 and rows[0]["satisfaction"]["bad"] == 0 and rows[0]

    row = eventually(counted)
    assert row, "the latest rating counts once"
    assert row["satisfaction"]["score"] == 1.0
