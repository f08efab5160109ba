"""Invalid EDI over HTTP (SQLite and PostgreSQL): a broken envelope is a 422 naming the segment and element, with
nothing recorded; a set that cannot become an order is answered (201) with its located error and a 997 rejecting
it, and no order is placed."""

from __future__ import annotations

from ordercare.integrations.x12.envelopes import parse_interchange
from ordercare.integrations.x12.functional_ack import parse_997
from tests.api.access_integrations import interchange
from tests.api.conftest import assert_error
from tests.api.test_edi_invoice_api import partner  # noqa: F401 - the fixture: ACME, a partner of CUST1

V1 = "/api/v1"


def _post(api, text: str):
    return api.post("cs_agent", f"{V1}/edi/interchanges", content=text, headers={"Content-Type": "text/plain"})


def test_a_broken_envelope_is_422_with_segment_and_element_and_records_nothing(partner):  # noqa: F811
    api = partner
    good = interchange("PO-1")
    before = api.snapshot()
    err = assert_error(_post(api, good.replace("IEA*1*000000001", "IEA*1*000000002")), 422, "edi_invalid")
    assert err["message"].startswith("segment ") and "(IEA), element 02:" in err["message"], err
    assert "does not match ISA13" in err["message"]
    assert_error(_post(api, "PO*1~"), 422, "edi_not_x12")
    assert api.snapshot() == before
    assert api.get("cs_agent", f"{V1}/edi/documents").json()["items"] == []


def test_a_bad_set_is_rejected_by_position_in_the_reply_and_its_997(partner):  # noqa: F811
    api = partner
    before = api.snapshot()
    r = _post(api, interchange("PO-2").replace("PO1*1*1*", "PO1*1*x*"))
    assert r.status_code == 201, r.text
    body = r.json()
    [t] = body["transactions"]
    assert (body["status"], t["status"], t["order"], t["error"]["code"]) == ("rejected", "rejected", None,
                                                                             "edi_invalid")
    assert t["error"]["message"].endswith("(PO1), element 02: quantity 'x' is not a number")
    g = parse_997(parse_interchange(body["acknowledgment"]["content"]).groups[0].sets[0])
    [s] = g.sets
    assert (g.status, s.status, s.segments[0].tag, s.segments[0].elements[0].position) == ("R", "R", "PO1", 2)
    after = api.snapshot()
    assert (after["orders"], after["stock"]) == (before["orders"], before["stock"])
