"""850 / 855 / 856 / 997 mappings without a database: generated documents, serialised and parsed back equal;
malformed 850s answered with the segment and element at fault."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from ordercare.integrations.x12.acknowledgment import AckLine, Acknowledgment, LineStatus, build_855, line_statuses, \
    parse_855
from ordercare.integrations.x12.envelopes import build_interchange, parse_interchange
from ordercare.integrations.x12.functional_ack import GroupResponse, build_997, parse_997, set_response
from ordercare.integrations.x12.purchase_order import ItemId, POLine, PurchaseOrder, ShipToParty, build_850, \
    gtin, parse_850
from ordercare.integrations.x12.ship_notice import ShipItem, ShipNotice, ShipOrder, build_856, parse_856
from ordercare.integrations.x12.syntax import X12Error
from tests.unit.test_x12_syntax import AT, BUYER, TEXT, US, separators

DATES = st.dates(date(2026, 1, 1), date(2030, 12, 31))
QTY = st.integers(1, 10**9)
PRICE = st.decimals(0, 99999, places=2, allow_nan=False, allow_infinity=False).map(lambda d: d.normalize())
ITEM_IDS = st.lists(st.builds(ItemId, st.sampled_from(["BP", "VP", "UP", "IN", "VN", "EN"]), TEXT), min_size=1,
                    max_size=3).map(tuple)


def _roundtrip(code, body, seps_version):
    seps, version = seps_version
    text = build_interchange([(code, body)], sender=US, receiver=BUYER, control=3, at=AT, seps=seps, version=version)
    [ts] = parse_interchange(text).groups[0].sets
    assert ts.error is None and ts.code == code
    return ts


@st.composite
def purchase_orders(draw):
    ids = draw(st.lists(TEXT, min_size=1, max_size=6, unique=True))
    lines = tuple(POLine(i, draw(QTY), draw(st.sampled_from(["EA", "CA", "BX"])), draw(st.none() | PRICE),
                         draw(ITEM_IDS), draw(st.none() | DATES)) for i in ids)
    ship_to = draw(st.none() | st.builds(ShipToParty, TEXT, st.sampled_from(["92", "91", "UL"]), TEXT))
    return PurchaseOrder(draw(TEXT), draw(DATES), lines, ship_to, draw(st.none() | DATES))


@settings(max_examples=120, deadline=None)
@given(purchase_orders(), separators())
def test_850_round_trip(po, seps_version):
    assert parse_850(_roundtrip("850", build_850(po), seps_version)) == po


@st.composite
def acknowledgments(draw):
    lines = []
    for i in draw(st.lists(TEXT, min_size=1, max_size=5, unique=True)):
        qty = draw(QTY)
        promised = draw(st.integers(0, qty))
        requested = draw(st.none() | DATES)
        delivery = draw(st.none() | DATES) if promised else None
        lines.append(AckLine(i, qty, "EA", draw(st.none() | PRICE), draw(ITEM_IDS),
                             line_statuses(qty, promised, delivery, requested)))
    return Acknowledgment(draw(TEXT), draw(DATES), draw(TEXT), draw(DATES), tuple(lines))


@settings(max_examples=120, deadline=None)
@given(acknowledgments(), separators())
def test_855_round_trip(ack, seps_version):
    assert parse_855(_roundtrip("855", build_855(ack), seps_version)) == ack


def test_855_line_statuses():
    d, asked = date(2026, 3, 10), date(2026, 3, 9)
    assert line_statuses(10, 10, d, None) == (LineStatus("IA", 10, d),)
    assert line_statuses(10, 10, d, d) == (LineStatus("IA", 10, d),)
    assert line_statuses(10, 6, d, asked) == (LineStatus("DR", 6, d), LineStatus("IB", 4))
    assert line_statuses(10, 0, None, asked) == (LineStatus("IB", 10),)
    ack = Acknowledgment("PO", asked, "SO-1", asked, (AckLine("1", 10, "EA", None, (), line_statuses(10, 10, d, d)),))
    assert ack.ack_type == "AD"
    late = Acknowledgment("PO", asked, "SO-1", asked, (AckLine("1", 10, "EA", None, (),
                                                               line_statuses(10, 10, d, asked)),))
    assert late.ack_type == "AC"


@st.composite
def ship_notices(draw):
    orders = tuple(ShipOrder(draw(TEXT), draw(TEXT), tuple(
        ShipItem(draw(TEXT), draw(ITEM_IDS), draw(QTY), "EA") for _ in range(draw(st.integers(1, 3)))))
        for _ in range(draw(st.integers(1, 3))))
    shipped = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=draw(st.integers(0, 10**6)))
    return ShipNotice(draw(TEXT), shipped, draw(st.integers(1, 99)), draw(PRICE), draw(TEXT),
                      draw(TEXT), draw(st.sampled_from("UMRSA")), draw(st.just("") | TEXT), draw(st.none() | DATES),
                      (draw(TEXT), draw(TEXT)), (draw(TEXT), draw(TEXT)), orders)


@settings(max_examples=120, deadline=None)
@given(ship_notices(), separators())
def test_856_round_trip(sn, seps_version):
    ts = _roundtrip("856", build_856(sn), seps_version)
    assert parse_856(ts) == sn
    levels = [s.get(3) for s in ts.body if s.tag == "HL"]
    assert levels[0] == "S" and levels.count("O") == len(sn.orders)


@st.composite
def group_responses(draw):
    sets = []
    for n in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            sets.append(set_response_ok(n))
        else:
            from ordercare.integrations.x12.functional_ack import ElementNote, SegmentNote, SetResponse
            sets.append(SetResponse("850", f"{n:04d}", "R", ("5",), (SegmentNote(
                draw(st.sampled_from(["PO1", "BEG", "N1"])), draw(st.integers(2, 50)), "8",
                (ElementNote(draw(st.integers(1, 20)), draw(st.sampled_from("1678")), draw(st.just("") | TEXT)),)),)))
    rejected_group = draw(st.booleans())
    return GroupResponse("PO", str(draw(st.integers(1, 10**9))), len(sets), len(sets),
                         () if rejected_group else tuple(sets), ("4",) if rejected_group else ())


def set_response_ok(n):
    from ordercare.integrations.x12.functional_ack import SetResponse
    return SetResponse("850", f"{n:04d}", "A")


@settings(max_examples=100, deadline=None)
@given(group_responses(), separators())
def test_997_round_trip(g, seps_version):
    parsed = parse_997(_roundtrip("997", build_997(g), seps_version))
    assert parsed == g
    assert parsed.status == ("A" if g.accepted == g.received else "P" if g.accepted else "R")
    if g.error_codes:
        assert parsed.status == "R" and parsed.accepted == 0


# --- malformed 850s --------------------------------------------------------------------------------------------

GOOD = PurchaseOrder("PO-77", date(2026, 3, 1), (
    POLine("1", 5, "EA", Decimal("12.5"), (ItemId("BP", "B-1"),), date(2026, 3, 9)),
    POLine("2", 3, "EA", None, (ItemId("VP", "SKU-A"), ItemId("UP", "12345678905")))),
    ShipToParty("Shop", "92", "MAIN"), date(2026, 3, 10))


def _850_text() -> str:
    return build_interchange([("850", build_850(GOOD))], sender=BUYER, receiver=US, control=1, at=AT)


def _parse(text: str) -> PurchaseOrder:
    [ts] = parse_interchange(text).groups[0].sets
    return parse_850(ts)


@pytest.mark.parametrize("old, new, message, element_code", [
    ("PO1*2*3*", "PO1*2*x*", "segment 9 (PO1), element 02: quantity 'x' is not a number", "6"),
    ("PO1*2*3*", "PO1*2*2.5*", "segment 9 (PO1), element 02: quantity '2.5' is not a whole number", "6"),
    ("PO1*2*3*", "PO1*2*0*", "segment 9 (PO1), element 02: quantity must be positive, got 0", "6"),
    ("PO1*2*3*", "PO1*2**", "segment 9 (PO1), element 02: quantity is missing", "1"),
    ("PO1*2*3*", "PO1*1*3*", "segment 9 (PO1), element 01: line number '1' is used twice", "7"),
    ("*VP*SKU-A", "*XX*SKU-A", "segment 9 (PO1), element 06: product id qualifier 'XX' is not supported", "7"),
    ("*12.5**BP*B-1", "*abc**BP*B-1", "segment 7 (PO1), element 04: unit price 'abc' is not a number", "6"),
    ("BEG*00*SA*PO-77**20260301", "BEG*00*SA*PO-77**20260231",
     "segment 4 (BEG), element 05: purchase order date '20260231' is not a date (CCYYMMDD)", "8"),
    ("BEG*00*SA*PO-77", "BEG*01*SA*PO-77", "segment 4 (BEG), element 01: purpose '01' is not one of 00", "7"),
    ("BEG*00*SA*PO-77", "BEG*00*SA*", "segment 4 (BEG), element 03: purchase order number is missing", "1"),
    ("DTM*002*20260309", "DTM*002*2026-03-09", "segment 8 (DTM), element 02: requested delivery date '2026-03-09' "
                                               "is not a date (CCYYMMDD)", "8"),
    ("CTT*2", "CTT*3", "segment 10 (CTT), element 01: counts 3 line items, the purchase order has 2", "6"),
])
def test_malformed_850_names_segment_and_element(old, new, message, element_code):
    text = _850_text()
    assert old in text
    with pytest.raises(X12Error) as caught:
        _parse(text.replace(old, new, 1))
    e = caught.value
    assert e.message.startswith(message), e.message
    assert e.element_code == element_code
    # The 997 points at the same place, counted from ST.
    response = set_response(parse_interchange(text.replace(old, new, 1)).groups[0].sets[0], e)
    assert response.status == "R" and response.error_codes == ("5",)
    [note] = response.segments
    assert (note.tag, note.position + 2) == (e.segment.tag, e.segment.position)
    assert note.elements[0].position == e.element


def test_missing_beg_and_missing_lines():
    text = _850_text()
    with pytest.raises(X12Error, match="BEG must be the first segment"):
        _parse(text.replace("BEG*00*SA*PO-77**20260301~\n", ""))
    no_lines = build_interchange([("850", [("BEG", ["00", "SA", "P", "", "20260301"])])], sender=BUYER, receiver=US,
                                 control=1, at=AT)
    with pytest.raises(X12Error, match=r"segment 4 \(BEG\): the purchase order has no PO1 line"):
        _parse(no_lines)


def test_unused_segments_are_read_past_and_dates_belong_to_their_loop():
    body = build_850(GOOD)
    body.insert(1, ("REF", ["DP", "042"]))
    body.insert(3, ("DTM", ["010", "20260305"]))  # requested ship: not ours
    body.insert(5, ("N4", ["Town", "", "1000", "BE"]))
    text = build_interchange([("850", body)], sender=BUYER, receiver=US, control=1, at=AT)
    assert _parse(text) == GOOD


def test_upc_compares_as_gtin14():
    assert gtin("12345678905") == gtin("012345678905") == gtin("0012345678905") == "00012345678905"
    assert ItemId("EN", "4006381333931").key == "04006381333931"
    assert ItemId("BP", "007").key == "007"
