"""Merging tickets end to end: the same customer writes twice, an agent
merges the second ticket into the first, and the customer's answer to the
acknowledgement of the merged ticket lands on the one it joined."""

import uuid

from test_email import comments, send, tickets
from test_email_out import helpdesk, outbound


def test_a_reply_to_a_merged_tickets_acknowledgement_lands_on_the_ticket_it_joined(api):
    slug, owner, to = helpdesk(api)
    ana = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    send(to, f"Ana Lopez <{ana}>", "Printer on fire", "Smoke everywhere.")
    send(to, f"Ana Lopez <{ana}>", "Printer STILL on fire", "Flames now.")
    first, second = tickets(api, owner)
    acks = outbound(api, slug, 2)
    assert len(acks) == 2, acks
    [second_ack] = [m for _, m in acks if m["Subject"].startswith(f"[#{second['number']}]")]

    r = api.call("POST", f"/v1/tickets/{first['id']}/merge",
                 {"sourceIds": [second["id"]], "comment": "Merged into your first request.", "public": True},
                 token=owner, headers={"idempotency-key": f"merge-{uuid.uuid4().hex}"})
    assert r.status_code == 200, r.text
    assert r.json()["mergedFrom"] == [second["id"]]
    merged = api.call("GET", f"/v1/tickets/{second['id']}", token=owner).json()
    assert (merged["status"], merged["mergedInto"]) == ("closed", first["id"])
    copied = [c for c in comments(api, owner, first["id"]) if c.get("copiedFrom")]
    assert [c["body"] for c in copied] == ["Flames now."]
    assert copied[0]["copiedFrom"] == {"ticketId": second["id"], "number": second["number"]}

    # Ana answers the acknowledgement of the ticket that was merged away.
    reply_to = second_ack["Reply-To"].addresses[0].addr_spec
    send(reply_to, ana, f"Re: {second_ack['Subject']}", "Is anyone coming?",
         In_Reply_To=second_ack["Message-ID"], References=second_ack["References"])
    assert [t["id"] for t in tickets(api, owner)] == [first["id"], second["id"]], "no new ticket"
    assert comments(api, owner, first["id"])[-1]["body"] == "Is anyone coming?"

    by_number = api.call("GET", f"/v1/tickets/by-number/{second['number']}", token=owner).json()
    assert (by_number["id"], by_number["reachedFrom"]) == (first["id"], second["number"])
