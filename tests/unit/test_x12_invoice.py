"""810 mapping without a database: any invoice survives build → interchange → parse; the segments of a known
invoice are the ones the docs show; malformed 810s are refused with the segment and element at fault."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.domain.invoicing import totals
from ordercare.domain.payment_terms import early_payment_discount
from ordercare.integrations.x12.envelopes import build_interchange, parse_interchange
from ordercare.integrations.x12.invoice import (
    BillTo,
    Charge,
    EdiInvoice,
    InvoiceItem,
    InvoiceTerms,
    Location,
    TaxTotal,
    build_810,
    parse_810,
)
from ordercare.integrations.x12.purchase_order import ItemId
from ordercare.integrations.x12.syntax import X12Error, implied_cents
from tests.unit.test_x12_sets import DATES, ITEM_IDS, _roundtrip
from tests.unit.test_x12_syntax import AT, BUYER, TEXT, US, separators

D = Decimal
CENTS = st.integers(0, 10**9).map(lambda c: D(c).scaleb(-2))
RATES = st.sampled_from([D("0"), D("9"), D("21"), D("5.5"), D("19.60")])
LOCATIONS = st.builds(Location, TEXT, st.sampled_from(["91", "92"]), TEXT)


def terms_for(total: Decimal, issued: date, pct: Decimal, discount_days: int, net_days: int) -> InvoiceTerms:
    if pct == 0:
        return InvoiceTerms(f"net {net_days}", net_days, issued + timedelta(net_days))
    return InvoiceTerms(f"{pct}/{discount_days} net {net_days}", net_days, issued + timedelta(net_days), pct,
                        discount_days, issued + timedelta(discount_days), early_payment_discount(total, pct))


@st.composite
def invoices(draw):
    """Invoices as billing issues them: totals and tax per rate computed by the billing rule."""
    one_order, one_site = draw(st.booleans()), draw(st.booleans())
    po, order, site = draw(TEXT), draw(TEXT), draw(st.none() | LOCATIONS)
    items = tuple(InvoiceItem(
        line_id, draw(st.integers(1, 10**6)), draw(st.sampled_from(["EA", "CA", "BX"])), draw(CENTS), draw(ITEM_IDS),
        draw(st.just("") | TEXT), draw(RATES), po if one_order else draw(TEXT), order if one_order else draw(TEXT),
        site if one_site else draw(st.none() | LOCATIONS))
        for line_id in draw(st.lists(TEXT, min_size=1, max_size=5, unique=True)))
    charges = tuple(Charge("D240", draw(CENTS), draw(st.just("") | TEXT)) for _ in range(draw(st.integers(0, 2))))
    freight_rate = draw(RATES)
    t = totals([(i.amount, i.tax_rate) for i in items] + [(c.amount, freight_rate) for c in charges])
    issued = draw(DATES)
    pct = draw(st.sampled_from([D("0"), D("2"), D("3"), D("4")]))
    return EdiInvoice(draw(TEXT), issued, draw(st.none() | DATES), draw(st.sampled_from(["EUR", "USD"])),
                      draw(st.builds(BillTo, TEXT, TEXT, st.just("") | TEXT, st.just("") | TEXT, st.just("") | TEXT,
                                     st.just("") | st.just("BE"))),
                      terms_for(t.total, issued, pct, draw(st.integers(1, 15)), draw(st.integers(0, 90))),
                      items, charges, tuple(TaxTotal(g.rate, g.net, g.tax) for g in t.groups), t.total,
                      draw(st.sampled_from(["00", "01", "07"])))


@settings(max_examples=150, deadline=None)
@given(invoices(), separators())
def test_810_round_trip(inv, seps_version):
    assert parse_810(_roundtrip("810", build_810(inv), seps_version)) == inv


# --- a known invoice, segment by segment -----------------------------------------------------------------------

ISSUED = date(2026, 3, 2)
ITEMS = (InvoiceItem("10", 10, "EA", D("12.50"), (ItemId("BP", "A-100"), ItemId("UP", "4006381333931")), "Widget A",
                     D("21"), "ACME-PO-9001", "SO-0000001", Location("Acme Store 7", "92", "STORE-7")),
         InvoiceItem("20", 5, "EA", D("4.00"), (ItemId("UP", "012345678905"),), "Bandage", D("9"), "ACME-PO-9001",
                     "SO-0000001", Location("Acme Store 7", "92", "STORE-7")))
FREIGHT = (Charge("D240", D("12.50"), "Freight, shipment SH-0000001"),)
T = totals([(D("125.00"), D("21")), (D("20.00"), D("9")), (D("12.50"), D("21"))])
KNOWN = EdiInvoice("INV-0000001", ISSUED, date(2026, 3, 1), "EUR",
                   BillTo("Acme Retail", "C1005", "Rue Haute 1", "Brussels", "1000", "BE"),
                   terms_for(T.total, ISSUED, D("2"), 10, 30), ITEMS, FREIGHT,
                   tuple(TaxTotal(g.rate, g.net, g.tax) for g in T.groups), T.total)


def test_known_invoice_segments():
    # 137.50 at 21 % = 28.875 -> 28.88; 20.00 at 9 % = 1.80; total 157.50 + 30.68 = 188.18; 2 % of it = 3.76.
    assert (T.net, T.tax, T.total) == (D("157.50"), D("30.68"), D("188.18"))
    assert [s for s in _segments(KNOWN)] == [
        "BIG*20260302*INV-0000001*20260301*ACME-PO-9001***DI*00",
        "CUR*SE*EUR",
        "REF*VN*SO-0000001",
        "N1*BT*Acme Retail*91*C1005",
        "N3*Rue Haute 1",
        "N4*Brussels**1000*BE",
        "N1*ST*Acme Store 7*92*STORE-7",
        "ITD*08*3*2*20260312*10*20260401*30*376****2/10 net 30",
        "IT1*10*10*EA*12.5**BP*A-100*UP*4006381333931",
        "TXI*VA**21",
        "PID*F****Widget A",
        "IT1*20*5*EA*4**UP*012345678905",
        "TXI*VA**9",
        "PID*F****Bandage",
        "TDS*18818*18818*18442*376",
        "TXI*VA*1.8*9*****20",
        "TXI*VA*28.88*21*****137.5",
        "SAC*C*D240***1250**********Freight, shipment SH-0000001",
        "CTT*2*15",
    ]


def _segments(inv: EdiInvoice) -> list[str]:
    text = build_interchange([("810", build_810(inv))], sender=US, receiver=BUYER, control=7, at=AT)
    return [s.strip() for s in text.split("~")][3:-4]  # between ST and SE


def test_several_orders_and_sites_go_into_each_line():
    other = InvoiceItem("1", 2, "EA", D("10"), (ItemId("VP", "SKU-A"),), "", D("21"), "SO-0000009", "SO-0000009",
                        Location("Depot", "91", "DEPOT"))
    inv = EdiInvoice(**{**KNOWN.__dict__, "items": (ITEMS[0], other), "po_date": None,
                        "taxes": (TaxTotal(D("21"), D("157.50"), D("33.08")),), "total": D("190.58"),
                        "terms": terms_for(D("190.58"), ISSUED, D("0"), 0, 30), "charges": FREIGHT})
    segs = _segments(inv)
    assert segs[0] == "BIG*20260302*INV-0000001*****DI*00" and not any(s.startswith("REF*VN") for s in segs[:8])
    assert "ITD*05*3****20260401*30*****net 30" in segs
    assert segs[segs.index("IT1*1*2*EA*10**VP*SKU-A") + 2:][:3] == ["REF*PO*SO-0000009", "REF*VN*SO-0000009",
                                                                     "N1*ST*Depot*91*DEPOT"]
    text = build_interchange([("810", build_810(inv))], sender=US, receiver=BUYER, control=7, at=AT)
    assert parse_810(parse_interchange(text).groups[0].sets[0]) == inv


def test_implied_cents():
    assert [implied_cents(D(x)) for x in ("0", "0.05", "12.5", "188.18")] == ["0", "5", "1250", "18818"]
    with pytest.raises(ValueError):
        implied_cents(D("1.005"))


# --- malformed 810s ----------------------------------------------------------------------------------------------

def _text() -> str:
    return build_interchange([("810", build_810(KNOWN))], sender=US, receiver=BUYER, control=7, at=AT)


@pytest.mark.parametrize("old, new, message", [
    ("TDS*18818", "TDS*18819",
     "segment 18 (TDS), element 01: total invoice amount 188.19 is not the lines, charges and tax: 188.18"),
    ("TDS*18818", "TDS*188.18",
     "segment 18 (TDS), element 01: total invoice amount '188.18' is not an amount in cents"),
    ("IT1*20*5*EA*4*", "IT1*20*5*EA*x*", "segment 15 (IT1), element 04: unit price 'x' is not a number"),
    ("IT1*20*5*", "IT1*20*0*", "segment 15 (IT1), element 02: quantity invoiced must be positive, got 0"),
    ("SAC*C*D240***1250", "SAC*C*D240***12.50", "segment 21 (SAC), element 05: amount '12.50' is not an amount"),
    ("SAC*C*", "SAC*A*", "segment 21 (SAC), element 01: allowance or charge indicator 'A' is not one of C"),
    ("CTT*2*15", "CTT*3*15", "segment 22 (CTT), element 01: counts 3 line items, the invoice has 2"),
    ("CTT*2*15", "CTT*2*16", "segment 22 (CTT), element 02: hash total 16 is not the sum of the quantities"),
    ("ITD*08*3*2*20260312*10*20260401*30", "ITD*08*3*2*20260312*10*20260401*x",
     "segment 11 (ITD), element 07: net days 'x' is not a number"),
    ("ITD*08*3*2*20260312", "ITD*08*3*2*20260399",
     "segment 11 (ITD), element 04: discount due date '20260399' is not a date"),
    ("*DI*00~", "*DI*09~", "segment 4 (BIG), element 08: purpose '09' is not one of 00, 01, 07"),
])
def test_malformed_810_names_segment_and_element(old, new, message):
    text = _text()
    assert old in text
    with pytest.raises(X12Error) as caught:
        parse_810(parse_interchange(text.replace(old, new, 1)).groups[0].sets[0])
    assert caught.value.message.startswith(message), caught.value.message


def test_missing_segments():
    body = build_810(KNOWN)
    for tag, message in (("BIG", "BIG must be the first segment"), ("TDS", "the 810 has no TDS segment"),
                         ("ITD", "the 810 has no ITD segment"), ("IT1", "the invoice has no IT1 line")):
        text = build_interchange([("810", [s for s in body if s[0] != tag])], sender=US, receiver=BUYER, control=7,
                                 at=AT)
        with pytest.raises(X12Error, match=message):
            parse_810(parse_interchange(text).groups[0].sets[0])


def test_free_text_is_cut_to_the_standards_lengths():
    long = EdiInvoice(**{**KNOWN.__dict__, "items": (InvoiceItem(**{**ITEMS[0].__dict__, "description": "W" * 100}),
                                                     ITEMS[1]),
                         "bill_to": BillTo("N" * 70, "C1005", "S" * 60, "C" * 40, "P" * 20, "BE")})
    segs = _segments(long)
    assert "PID*F****" + "W" * 80 in segs and "N1*BT*" + "N" * 60 + "*91*C1005" in segs
    assert "N3*" + "S" * 55 in segs and "N4*" + "C" * 30 + "**" + "P" * 15 + "*BE" in segs
