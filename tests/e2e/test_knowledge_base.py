"""The knowledge base end to end: an article written as a draft is nowhere
in the public help center; published, it is readable and searchable within
seconds; a translation is served for its locale and the default otherwise;
votes and views reach the insights; a customer's new-ticket text suggests
it; answers carry ETags and revalidate to 304; bad input is a problem
naming the field; internal and customers-only articles stay with their
readers."""

import time
import uuid

from conftest import PASSWORD, assert_problem


def kb(api, token):
    """A knowledge base in English and French with one section."""
    r = api.call("PUT", "/v1/kb/settings", {"defaultLocale": "en", "locales": ["en", "fr"]}, token=token)
    assert r.status_code == 200, r.text
    r = api.call("POST", "/v1/kb/categories", {
        "name": "Account", "translations": {"fr": {"name": "Compte"}}}, token=token)
    assert r.status_code == 201, r.text
    category = r.json()
    r = api.call("POST", "/v1/kb/sections", {"name": "Access", "categoryId": category["id"]}, token=token)
    assert r.status_code == 201, r.text
    return category, r.json()


def write(api, token, section, title, body, **fields):
    r = api.call("POST", "/v1/kb/articles", {"sectionId": section["id"], "title": title, "body": body, **fields},
                 token=token)
    assert r.status_code == 201, r.text
    return r.json(), r.headers["etag"]


def help_search(api, slug, q, token=None, **params):
    r = api.call("GET", f"/v1/help/{slug}/search", params={"q": q, **params}, token=token)
    assert r.status_code == 200, r.text
    return r.json()


def until(check, timeout=20):
    deadline = time.time() + timeout
    while True:
        value = check()
        if value or time.time() > deadline:
            return value
        time.sleep(0.3)


def customer(api, slug, owner):
    email = f"casey-{uuid.uuid4().hex[:8]}@example.com"
    r = api.call("POST", "/v1/users", {"name": "Casey", "email": email, "role": "customer", "password": PASSWORD},
                 token=owner)
    assert r.status_code == 201, r.text
    r = api.call("POST", "/v1/auth/login", {"tenant": slug, "email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["accessToken"]


def test_a_draft_is_published_found_translated_voted_on_and_suggested(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    category, section = kb(api, owner)
    article, etag = write(api, owner, section, "Reset your password",
                          "Open **Settings**, then *Security*.\n\n<script>alert(1)</script>", tags=["account"])
    assert article["status"] == "draft" and article["text"]["slug"] == "reset-your-password"
    assert "<script" not in article["text"]["html"]

    # A draft: nowhere in the help center.
    r = api.call("GET", f"/v1/help/{slug}/articles/reset-your-password")
    assert_problem(r, 404, "not_found")
    assert help_search(api, slug, "password")["items"] == []
    r = api.call("POST", f"/v1/help/{slug}/suggest", {"subject": "I forgot my password"})
    assert r.status_code == 200 and r.json()["items"] == [], r.text

    # Publishing needs If-Match.
    r = api.call("PATCH", f"/v1/kb/articles/{article['id']}", {"status": "published"}, token=owner)
    assert_problem(r, 428, "precondition_required")
    r = api.call("PATCH", f"/v1/kb/articles/{article['id']}", {"status": "published"}, token=owner,
                 headers={"if-match": etag})
    assert r.status_code == 200, r.text
    etag = r.headers["etag"]

    found = until(lambda: help_search(api, slug, "password")["items"])
    assert [f["id"] for f in found] == [article["id"]], found
    assert "<em>password</em>" in found[0]["title"].lower()
    r = api.call("GET", f"/v1/help/{slug}/articles/reset-your-password")
    assert r.status_code == 200, r.text
    read = r.json()
    assert (read["locale"], read["fallback"]) == ("en", False)
    assert "<strong>Settings</strong>" in read["html"] and "<script" not in read["html"]

    # A French translation: served for French readers, English otherwise.
    r = api.call("PUT", f"/v1/kb/articles/{article['id']}/translations/fr",
                 {"title": "Réinitialiser le mot de passe", "body": "Ouvrez les **Réglages**."},
                 token=owner, headers={"if-match": etag})
    assert r.status_code == 200, r.text
    r = api.call("GET", f"/v1/help/{slug}/articles/reset-your-password", params={"locale": "fr"})
    assert (r.json()["locale"], r.json()["fallback"], r.json()["title"]) == \
        ("fr", False, "Réinitialiser le mot de passe"), r.text
    r = api.call("GET", f"/v1/help/{slug}/articles/reset-your-password", headers={"accept-language": "fr-CA,fr;q=0.9"})
    assert r.json()["locale"] == "fr", r.text
    r = api.call("GET", f"/v1/help/{slug}/articles/reset-your-password", params={"locale": "de"})
    assert (r.json()["locale"], r.json()["requestedLocale"], r.json()["fallback"]) == ("en", "de", True), r.text
    found = until(lambda: help_search(api, slug, "réglages", locale="fr")["items"])
    assert [(f["id"], f["locale"]) for f in found] == [(article["id"], "fr")], found
    r = api.call("GET", f"/v1/help/{slug}/categories", params={"locale": "fr"})
    assert [c["name"] for c in r.json()["items"]] == ["Compte"], r.text
    r = api.call("GET", f"/v1/help/{slug}/sections/{section['id']}/articles", params={"locale": "fr"})
    assert [a["slug"] for a in r.json()["items"]] == ["réinitialiser-le-mot-de-passe"], r.text

    # Votes (one per reader) and views, in the insights.
    casey = customer(api, slug, owner)
    for helpful, token in [(True, casey), (True, casey), (False, None)]:
        r = api.call("POST", f"/v1/help/{slug}/articles/{article['id']}/votes", {"helpful": helpful}, token=token)
        assert r.status_code == 200, r.text
    assert r.json()["vote"] == "counted"
    help_search(api, slug, "quantum entanglement")
    r = api.call("GET", "/v1/kb/insights", token=owner)
    assert r.status_code == 200, r.text
    insights = r.json()
    assert insights["totals"]["views"] >= 4 and insights["totals"]["helpful"] == 1, insights
    assert insights["totals"]["unhelpful"] == 1, insights
    assert {"query": "quantum entanglement", "count": 1} in insights["unanswered"], insights
    assert insights["articles"][0]["articleId"] == article["id"]

    # What a customer is about to ask suggests it; and so does the ticket
    # they open anyway, to the agent.
    r = api.call("POST", f"/v1/help/{slug}/suggest",
                 {"subject": "Cannot log in", "description": "I need to reset my password"}, token=casey)
    assert [s["id"] for s in r.json()["items"]] == [article["id"]], r.text
    r = api.call("POST", "/v1/tickets", {"subject": "Password reset", "description": "How do I reset it?"},
                 token=casey)
    assert r.status_code == 201, r.text
    ticket = r.json()["id"]
    r = api.call("GET", f"/v1/tickets/{ticket}/suggested-articles", token=owner)
    assert [s["article"]["id"] for s in r.json()["items"]] == [article["id"]], r.text
    assert api.call("GET", f"/v1/tickets/{ticket}/suggested-articles", token=casey).status_code == 404
    r = api.call("PUT", f"/v1/tickets/{ticket}/linked-articles", {"articleIds": [article["id"]]}, token=owner)
    assert [a["id"] for a in r.json()["items"]] == [article["id"]], r.text


def test_answers_revalidate_with_their_etag(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    _, section = kb(api, owner)
    write(api, owner, section, "Shipping times", "Two days.", status="published")
    r = api.call("GET", f"/v1/help/{slug}/articles/shipping-times")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "public, no-cache"
    again = api.call("GET", f"/v1/help/{slug}/articles/shipping-times", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b"", again.text
    casey = customer(api, slug, owner)
    private = api.call("GET", f"/v1/help/{slug}/articles/shipping-times", token=casey)
    assert private.headers["cache-control"] == "private, no-cache"
    r = api.call("GET", f"/v1/help/{slug}/categories")
    assert api.call("GET", f"/v1/help/{slug}/categories",
                    headers={"if-none-match": r.headers["etag"]}).status_code == 304


def test_internal_and_customers_articles_stay_with_their_readers(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    _, section = kb(api, owner)
    internal, _ = write(api, owner, section, "Refund override", "Zeppelin procedure.", visibility="internal",
                        status="published")
    members, _ = write(api, owner, section, "Member pricing", "Zeppelin discount.", visibility="customers",
                       status="published")
    casey = customer(api, slug, owner)
    r = api.call("GET", "/v1/kb/search", params={"q": "zeppelin"}, token=owner)
    until(lambda: api.call("GET", "/v1/kb/search", params={"q": "zeppelin"}, token=owner).json()["total"] == 2)
    assert help_search(api, slug, "zeppelin")["items"] == []
    assert [f["id"] for f in help_search(api, slug, "zeppelin", token=casey)["items"]] == [members["id"]]
    for token in [None, casey]:
        assert api.call("GET", f"/v1/help/{slug}/articles/{internal['id']}", token=token).status_code == 404
        r = api.call("POST", f"/v1/help/{slug}/suggest", {"subject": "zeppelin"}, token=token)
        assert internal["id"] not in [s["id"] for s in r.json()["items"]], r.text
    assert api.call("GET", f"/v1/help/{slug}/articles/{members['id']}").status_code == 404
    assert api.call("GET", f"/v1/help/{slug}/articles/{members['id']}", token=casey).status_code == 200
    # Another helpdesk's reader, and the staff API for a customer.
    other_slug, other = api.sign_up()
    assert api.call("GET", f"/v1/help/{other_slug}/articles/{members['id']}").status_code == 404
    assert help_search(api, slug, "zeppelin", token=other["accessToken"])["items"] == []
    assert api.call("GET", f"/v1/kb/articles/{internal['id']}", token=casey).status_code == 404
    assert api.call("GET", "/v1/help/no-such-helpdesk-anywhere/categories").status_code == 404


def test_bad_input_is_a_problem_naming_the_field(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    _, section = kb(api, owner)
    write(api, owner, section, "Reset your password", "one")
    r = api.call("POST", "/v1/kb/articles", {"sectionId": section["id"], "title": "Reset your password",
                                              "body": "two"}, token=owner)
    assert assert_problem(r, 422, "validation_failed")["errors"][0]["field"] == "slug"
    r = api.call("POST", "/v1/kb/articles", {"sectionId": section["id"], "title": "Passwort", "body": "x",
                                              "locale": "de"}, token=owner)
    assert assert_problem(r, 422, "validation_failed")["errors"][0]["field"] == "locale"
    r = api.call("POST", "/v1/kb/articles", {"sectionId": section["id"], "title": "Big", "body": "a" * (256 * 1024 + 1)},
                 token=owner)
    errors = assert_problem(r, 422, "validation_failed")["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("body", "too_large")], errors
    _, other = api.sign_up()
    _, theirs = kb(api, other["accessToken"])
    r = api.call("POST", "/v1/kb/articles", {"sectionId": theirs["id"], "title": "Elsewhere", "body": "x"},
                 token=owner)
    assert assert_problem(r, 422, "validation_failed")["errors"][0]["field"] == "sectionId"
    r = api.call("POST", "/v1/kb/articles", {"sectionId": "nope", "title": "", "body": "x", "visibility": "secret"},
                 token=owner)
    fields = {e["field"] for e in assert_problem(r, 422, "validation_failed")["errors"]}
    assert fields == {"sectionId", "title", "visibility"}, fields
    r = api.call("DELETE", f"/v1/kb/sections/{section['id']}", token=owner)
    assert_problem(r, 409, "not_empty")


def test_an_articles_image_is_uploaded_then_served_where_the_article_is_readable(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    _, section = kb(api, owner)
    article, _ = write(api, owner, section, "Wiring diagram", "See below.")
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    r = api.call("POST", f"/v1/kb/articles/{article['id']}/files",
                 {"filename": "diagram.png", "contentType": "image/png", "size": len(image)}, token=owner)
    assert r.status_code == 201, r.text
    made = r.json()
    upload = made["upload"]
    put = api.http.request(upload["method"], upload["url"], data=image, headers=upload["headers"], timeout=30)
    assert put.status_code == 200, put.text
    url = made["file"]["url"]
    assert url == f"/v1/help/{slug}/articles/{article['id']}/files/{made['file']['id']}"

    # A draft's image: not for readers, for staff.
    assert api.call("GET", url, allow_redirects=False).status_code == 404
    r = api.call("GET", f"/v1/kb/articles/{article['id']}/files/{made['file']['id']}", token=owner,
                 allow_redirects=False)
    assert r.status_code == 302, r.text
    etag = api.call("GET", f"/v1/kb/articles/{article['id']}", token=owner).headers["etag"]
    r = api.call("PATCH", f"/v1/kb/articles/{article['id']}", {"status": "published"}, token=owner,
                 headers={"if-match": etag})
    assert r.status_code == 200, r.text
    r = api.call("GET", url, allow_redirects=False)
    assert r.status_code == 302, r.text
    served = api.http.get(r.headers["location"], timeout=30)
    assert served.status_code == 200 and served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"].startswith("inline")
    r = api.call("POST", f"/v1/kb/articles/{article['id']}/files",
                 {"filename": "tool.exe", "contentType": "application/octet-stream", "size": 10}, token=owner)
    assert assert_problem(r, 422, "validation_failed")["errors"][0]["field"] == "filename"
    # Removed, its address stops working.
    r = api.call("DELETE", f"/v1/kb/articles/{article['id']}/files/{made['file']['id']}", token=owner)
    assert r.status_code == 204, r.text
    assert api.call("GET", url, allow_redirects=False).status_code == 404


def test_an_image_of_a_customers_article_loads_from_its_signed_address(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    _, section = kb(api, owner)
    article, etag = write(api, owner, section, "Member pricing", "Plans.", visibility="customers")
    image = b"GIF89a" + bytes(64)
    r = api.call("POST", f"/v1/kb/articles/{article['id']}/files",
                 {"filename": "plans.gif", "contentType": "image/gif", "size": len(image)}, token=owner)
    made = r.json()
    put = api.http.request("PUT", made["upload"]["url"], data=image, headers=made["upload"]["headers"], timeout=30)
    assert put.status_code == 200, put.text
    r = api.call("PUT", f"/v1/kb/articles/{article['id']}/translations/en",
                 {"title": "Member pricing", "body": f"![plans]({made['file']['url']})"},
                 token=owner, headers={"if-match": etag})
    r = api.call("PATCH", f"/v1/kb/articles/{article['id']}", {"status": "published"}, token=owner,
                 headers={"if-match": r.headers["etag"]})
    assert r.status_code == 200, r.text
    casey = customer(api, slug, owner)
    html = api.call("GET", f"/v1/help/{slug}/articles/member-pricing", token=casey).json()["html"]
    src = html.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "signature=" in src, html
    # The browser's <img>: no token, the signed address.
    r = api.call("GET", src, allow_redirects=False)
    assert r.status_code == 302, r.text
    assert api.http.get(r.headers["location"], timeout=30).content == image
    # Unsigned, or signed wrong: nothing.
    assert api.call("GET", made["file"]["url"], allow_redirects=False).status_code == 404
    assert api.call("GET", src.replace("signature=", "signature=0"), allow_redirects=False).status_code == 404
