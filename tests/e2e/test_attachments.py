"""Attachments end to end: a real HTTP upload to the presigned target (moto's
S3 through devstack), verification at registration, permission-checked
downloads through a 302, and the names and types that must not get in.
moto does not enforce the signature, so the check at registration is what
holds locally (the presign itself is unit-tested to bind size, type and
expiry)."""

import urllib.parse

import requests

from conftest import assert_problem
from test_tickets import login, person

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def helpdesk(api):
    slug, signed = api.sign_up()
    owner = signed["accessToken"]
    agent = person(api, owner, "agent", "Ada Agent")
    customer = person(api, owner, "customer", "Cal Customer")
    other = person(api, owner, "customer", "Cleo Customer")
    return {
        "owner": owner,
        "agent": login(api, slug, agent["email"]),
        "customer": login(api, slug, customer["email"]),
        "other": login(api, slug, other["email"]),
    }


def ticket_of(api, token):
    r = api.call("POST", "/v1/tickets", {"subject": "Broken screen", "description": "See photo"}, token=token)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def upload(api, token, ticket, filename="photo.png", content_type="image/png", data=PNG, declared=None):
    r = api.call("POST", f"/v1/tickets/{ticket}/attachments/uploads",
                 {"filename": filename, "contentType": content_type, "size": declared or len(data)}, token=token)
    assert r.status_code == 201, r.text
    presigned = r.json()
    put = requests.request(presigned["method"], presigned["url"], data=data, headers=presigned["headers"], timeout=30)
    assert put.status_code in (200, 204), put.text
    return presigned


def download(api, token, attachment_id):
    return api.call("GET", f"/v1/attachments/{attachment_id}/download", token=token, allow_redirects=False)


def test_a_file_goes_up_to_s3_onto_a_comment_and_down_through_a_checked_redirect(api):
    h = helpdesk(api)
    ticket = ticket_of(api, h["customer"])
    presigned = upload(api, h["customer"], ticket, filename="../../Screen \"shot\" ä.png")
    assert "X-Amz-Expires=900" in presigned["url"]
    assert {k.lower() for k in presigned["headers"]} >= {"content-type", "content-length"}
    r = api.call("POST", f"/v1/tickets/{ticket}/comments",
                 {"body": "Here it is", "attachments": [presigned["uploadId"]]}, token=h["customer"])
    assert r.status_code == 201, r.text
    listed = api.call("GET", f"/v1/tickets/{ticket}/attachments", token=h["agent"]).json()["items"]
    assert len(listed) == 1
    a = listed[0]
    assert a["filename"] == "Screen \"shot\" ä.png"
    assert a["size"] == len(PNG) and a["contentType"] == "image/png" and a["public"] is True
    # An upload attaches once.
    again = api.call("POST", f"/v1/tickets/{ticket}/attachments", {"uploadId": presigned["uploadId"]}, token=h["customer"])
    assert assert_problem(again, 422, "validation_failed")["errors"][0]["code"] == "unknown_upload"

    r = download(api, h["customer"], a["id"])
    assert r.status_code == 302, r.text
    location = r.headers["location"]
    assert "X-Amz-Expires=300" in location
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    disposition = query["response-content-disposition"][0]
    assert disposition.startswith('attachment; filename="Screen _shot_ _.png"')
    assert "filename*=UTF-8''Screen%20%22shot%22%20%C3%A4.png" in disposition
    got = requests.get(location, timeout=30)
    assert got.status_code == 200 and got.content == PNG

    # Tenant B cannot reach it; another customer cannot either.
    _, b = api.sign_up()
    assert_problem(download(api, b["accessToken"], a["id"]), 404, "not_found")
    assert_problem(api.call("DELETE", f"/v1/attachments/{a['id']}", token=b["accessToken"]), 404, "not_found")
    assert_problem(download(api, h["other"], a["id"]), 404, "not_found")
    # The uploader (or an admin) deletes it; an agent who did not upload it may not.
    assert_problem(api.call("DELETE", f"/v1/attachments/{a['id']}", token=h["agent"]), 403, "forbidden")
    assert api.call("DELETE", f"/v1/attachments/{a['id']}", token=h["customer"]).status_code == 204
    assert_problem(download(api, h["customer"], a["id"]), 404, "not_found")


def test_an_internal_notes_file_stays_with_staff(api):
    h = helpdesk(api)
    ticket = ticket_of(api, h["customer"])
    presigned = upload(api, h["agent"], ticket, filename="logs.txt", content_type="text/plain", data=b"ERROR x\n")
    r = api.call("POST", f"/v1/tickets/{ticket}/comments",
                 {"body": "Logs attached", "public": False, "attachments": [presigned["uploadId"]]}, token=h["agent"])
    assert r.status_code == 201, r.text
    staff_view = api.call("GET", f"/v1/tickets/{ticket}/attachments", token=h["owner"]).json()["items"]
    assert [a["public"] for a in staff_view] == [False]
    assert api.call("GET", f"/v1/tickets/{ticket}/attachments", token=h["customer"]).json()["items"] == []
    assert_problem(download(api, h["customer"], staff_view[0]["id"]), 404, "not_found")
    assert download(api, h["agent"], staff_view[0]["id"]).status_code == 302


def test_a_file_unlike_its_declaration_is_refused_and_deleted(api):
    h = helpdesk(api)
    ticket = ticket_of(api, h["customer"])
    bigger = upload(api, h["customer"], ticket, data=PNG + b"more", declared=len(PNG))
    r = api.call("POST", f"/v1/tickets/{ticket}/attachments", {"uploadId": bigger["uploadId"]}, token=h["customer"])
    body = assert_problem(r, 422, "validation_failed")
    [error] = body["errors"]
    assert (error["field"], error["code"]) == ("uploadId", "upload_mismatch")
    assert "deleted" in error["detail"]
    # Deleted: a second try finds nothing uploaded.
    r = api.call("POST", f"/v1/tickets/{ticket}/attachments", {"uploadId": bigger["uploadId"]}, token=h["customer"])
    assert assert_problem(r, 422, "validation_failed")["errors"][0]["code"] == "not_uploaded"

    other_type = api.call("POST", f"/v1/tickets/{ticket}/attachments/uploads",
                          {"filename": "a.png", "contentType": "image/png", "size": len(PNG)}, token=h["customer"]).json()
    put = requests.put(other_type["url"], data=PNG, headers={**other_type["headers"], "content-type": "text/html"}, timeout=30)
    assert put.status_code in (200, 204)
    r = api.call("POST", f"/v1/tickets/{ticket}/comments", {"body": "x", "attachments": [other_type["uploadId"]]}, token=h["customer"])
    assert assert_problem(r, 422, "validation_failed")["errors"][0]["code"] == "upload_mismatch"
    # The comment was refused with its file.
    comments = api.call("GET", f"/v1/tickets/{ticket}/comments", token=h["customer"]).json()["items"]
    assert [c["body"] for c in comments] == ["See photo"]

    never = api.call("POST", f"/v1/tickets/{ticket}/attachments/uploads",
                     {"filename": "b.png", "contentType": "image/png", "size": 10}, token=h["customer"]).json()
    r = api.call("POST", f"/v1/tickets/{ticket}/attachments", {"uploadId": never["uploadId"]}, token=h["customer"])
    assert assert_problem(r, 422, "validation_failed")["errors"][0]["code"] == "not_uploaded"


def test_dangerous_names_types_and_sizes_are_refused_at_the_door(api):
    h = helpdesk(api)
    ticket = ticket_of(api, h["customer"])

    def declare(filename, content_type="application/octet-stream", size=10):
        return api.call("POST", f"/v1/tickets/{ticket}/attachments/uploads",
                        {"filename": filename, "contentType": content_type, "size": size}, token=h["customer"])

    for name, ctype in [("setup.exe", "application/octet-stream"), ("invoice.pdf.js", "application/pdf"),
                        ("run.sh", "text/plain"), ("notes.txt", "application/x-msdownload")]:
        body = assert_problem(declare(name, ctype), 422, "validation_failed")
        assert body["errors"][0]["code"] == "file_type_not_allowed", (name, body)
    assert assert_problem(declare("big.bin", size=26 * 1024 * 1024), 422, "validation_failed")["errors"][0]["code"] == "file_too_large"
    assert assert_problem(declare("../..", size=10), 422, "validation_failed")["errors"][0]["field"] == "filename"
    assert assert_problem(declare("a.txt", "not a type"), 422, "validation_failed")["errors"][0]["field"] == "contentType"
    ok = declare("..\\..\\windows\\system32\\drivers\\etc\\hosts.txt", "text/plain")
    assert ok.status_code == 201, ok.text
    assert "/tenants/" in ok.json()["url"] and "/uploads/" in ok.json()["url"]
    # Another customer cannot upload onto this ticket.
    r = api.call("POST", f"/v1/tickets/{ticket}/attachments/uploads",
                 {"filename": "x.png", "contentType": "image/png", "size": 10}, token=h["other"])
    assert_problem(r, 404, "not_found")
