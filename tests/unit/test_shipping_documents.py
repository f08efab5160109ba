"""Packing slip and bill of lading PDFs (documents/shipping.py). No database.

pypdf is not installed, so the tests read the text back themselves: with compression
switched off (shipping.COMPRESS) the page content is plain PDF operators, and each font's
ToUnicode map turns DejaVu's glyph codes back into characters (Helvetica text is Latin-1).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from ordercare.documents import DocLine, Party, ShippingDocument, bill_of_lading_pdf, packing_slip_pdf, shipping
from ordercare.documents._pdf import to_latin1

SHIPPER = Party("Ordercare", "Industriestraße 12", "40210", "Düsseldorf", "Germany")
LODZ = Party("Łódź Werkstatt", "ul. Piotrkowska 104", "90-926", "Łódź", "Poland")
PARIS = Party("Société Générale", "29 boulevard Haussmann", "75009", "Paris", "France")


def line(i: int, **overrides) -> DocLine:
    values = {"sku": f"SKU-{i:05d}", "description": f"Pump housing {i}, cast iron, Kraków pattern", "qty": i,
              "unit": "pcs" if i % 3 else "box", "weight_kg": Decimal("2.5") * i,
              "order_number": f"SO-{1000 + i // 10}", "customer_po": f"PO-{i // 10:03d}" if i % 2 else None}
    return DocLine(**(values | overrides))


def document(n_lines: int = 5, consignee: Party = LODZ, **overrides) -> ShippingDocument:
    values = {"shipment_number": "SHP-2026-000123", "ship_date": date(2026, 3, 2), "shipper": SHIPPER,
              "consignee": consignee, "lines": tuple(line(i) for i in range(1, n_lines + 1)),
              "carrier": "DHL Freight", "service": "Express 12:00", "mode": "road", "tracking_number": "JJD0001234567",
              "total_weight_kg": Decimal("1234.5"), "total_volume_m3": Decimal("3.25"), "load_number": "LD-42",
              "vehicle": "TRUCK-40T", "stop_sequence": 3, "special_instructions": "Gate 4; call 30 min before arrival."}
    return ShippingDocument(**(values | overrides))


@pytest.fixture(autouse=True)
def uncompressed(monkeypatch):
    monkeypatch.setattr(shipping, "COMPRESS", False)


# -- reading the text back ---------------------------------------------------------------

def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(m[1]): m[2] for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)\s*endobj", pdf, re.DOTALL)}


def _stream(obj: bytes) -> bytes:
    return obj[obj.index(b"stream") + 6:obj.rindex(b"endstream")].strip(b"\r\n")


def _ref(obj: bytes, key: bytes) -> int:
    return int(re.search(rb"/" + key + rb" (\d+) 0 R", obj)[1])


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    """The PDF string starting at data[i] == '(' and the index after it."""
    out, depth, j = bytearray(), 1, i + 1
    escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while True:
        b = data[j]
        if b == 0x5C:  # backslash
            nxt = data[j + 1]
            octal = re.match(rb"[0-7]{1,3}", data[j + 1:j + 4])
            if octal:
                out.append(int(octal[0], 8) & 0xFF)
                j += 1 + len(octal[0])
                continue
            if nxt not in (10, 13):  # a backslash before a line break continues the line
                out.append(escapes.get(nxt, nxt))
            j += 2
            continue
        depth += (b == 0x28) - (b == 0x29)
        if depth == 0:
            return bytes(out), j + 1
        out.append(b)
        j += 1


def _cmap(stream: bytes) -> dict[int, str]:
    table = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.DOTALL):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    return table


def pages(pdf: bytes) -> list[list[tuple[float, str]]]:
    """Per page, the text runs in drawing order as (y from the bottom in pt, text)."""
    objs = _objects(pdf)
    root = next(o for o in objs.values() if b"/Type /Pages" in o)
    result = []
    for page_id in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", root, re.DOTALL)[1]):
        page = objs[int(page_id)]
        fonts = {}
        for name, font_id in re.findall(rb"/(F\d+) (\d+) 0 R", objs[_ref(page, b"Resources")]):
            font = objs[int(font_id)]
            fonts[name.decode()] = _cmap(_stream(objs[_ref(font, b"ToUnicode")])) if b"/ToUnicode" in font else None
        data, runs, font, y, i = _stream(objs[_ref(page, b"Contents")]), [], None, 0.0, 0
        operands: list = []
        while i < len(data):
            if data[i:i + 1] == b"(":
                s, i = _literal(data, i)
                operands.append(s)
                continue
            m = re.compile(rb"\s+|[\[\]]|[^\s()\[\]]+").match(data, i)
            token, i = m[0], m.end()
            if token.strip() in (b"", b"[", b"]"):
                continue
            if token in (b"Tf", b"Td", b"Tj", b"TJ"):
                if token == b"Tf":
                    font = operands[0].decode()[1:]
                elif token == b"Td":
                    y = float(operands[1])
                else:
                    raw = b"".join(o for o in operands if isinstance(o, bytes))
                    cmap = fonts[font]
                    text = raw.decode("latin-1") if cmap is None else "".join(
                        cmap[int.from_bytes(raw[k:k + 2], "big")] for k in range(0, len(raw), 2))
                    runs.append((y, text))
            if re.fullmatch(rb"[A-Za-z*'\"]+", token):
                operands = []
            else:
                operands.append(token)
        result.append(runs)
    return result


def text_of(pdf: bytes) -> str:
    return "\n".join(text for page in pages(pdf) for _, text in page)


# -- tests -------------------------------------------------------------------------------

@pytest.mark.parametrize("render", [packing_slip_pdf, bill_of_lading_pdf])
@pytest.mark.parametrize("consignee", [LODZ, PARIS], ids=["polish", "french"])
def test_document_is_a_pdf_with_shipment_consignee_skus_and_totals(render, consignee):
    doc = document(consignee=consignee)
    pdf = render(doc)

    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = text_of(pdf)
    assert "SHP-2026-000123" in text
    assert "2026-03-02" in text
    assert consignee.name in text and f"{consignee.postal_code} {consignee.city}" in text
    assert "Ordercare" in text
    for doc_line in doc.lines:
        assert doc_line.sku in text.splitlines()
    assert "1,234.50 kg" in text  # given total weight, not the sum of the lines
    assert "3.250 m³" in text
    assert "Gate 4; call 30 min before arrival." in text


def test_quantities_are_summed_per_unit():
    # lines 1..5: units pcs, pcs, box, pcs, pcs (every third is a box) -> 1+2+4+5 = 12 pcs, 3 box
    text = text_of(packing_slip_pdf(document(5)))
    assert "12 pcs · 3 box" in text


def test_packing_slip_lists_orders_with_customer_pos_and_a_checked_by_box():
    text = text_of(packing_slip_pdf(document(12)))
    # lines 1-9 are SO-1000 (odd lines carry PO-000), 10-12 SO-1001 (line 11 carries PO-001)
    assert "SO-1000 (PO PO-000), SO-1001 (PO PO-001)" in text.replace("\n", " ")
    for heading in ("SKU", "Description", "Qty", "Unit", "PACKED BY", "CHECKED BY"):
        assert heading in text.splitlines()


def test_bill_of_lading_shows_parties_transport_weights_and_signatures():
    doc = document(4, freight_terms="collect")
    text = text_of(bill_of_lading_pdf(doc))
    lines = text.splitlines()
    for expected in ("Ordercare", "Łódź Werkstatt", "DHL Freight", "Express 12:00", "road", "JJD0001234567",
                     "LD-42", "TRUCK-40T", "3", "collect", "SHIPPER", "CARRIER / DRIVER", "CONSIGNEE",
                     "Date / time"):
        assert expected in lines, expected
    for doc_line in doc.lines:  # line weights: 2.5 kg a unit -> 2.50, 5.00, 7.50, 10.00
        assert f"{doc_line.weight_kg:.2f}" in lines
    assert "SO-1000\nPO PO-000" in text  # order and customer PO in one cell


def test_missing_transport_details_print_a_dash_and_no_lines_still_render():
    doc = document(0, carrier=None, service=None, mode=None, tracking_number=None, load_number=None,
                   vehicle=None, stop_sequence=None, special_instructions="")
    bol = text_of(bill_of_lading_pdf(doc)).splitlines()
    assert bol.count("—") == 7  # carrier, service, mode, tracking no., load no., vehicle, stop
    assert "None." in bol  # special instructions
    slip = text_of(packing_slip_pdf(doc)).splitlines()
    assert "Carrier: —" in slip and "Tracking no.: —" in slip and "Orders: none" in slip


def test_long_description_wraps_and_is_cut_cleanly():
    long = "Stainless steel flange with gasket, bolts and washers " * 20
    text = text_of(packing_slip_pdf(document(1, lines=(line(1, description=long),))))
    body = text.replace("\n", " ")
    assert "Stainless steel flange with gasket" in body
    assert body.count("Stainless steel flange") < 20  # cut...
    assert re.search(r"\w…", body)  # ...at a word, with an ellipsis


@pytest.fixture(scope="module")
def long_shipment():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(shipping, "COMPRESS", False)
        doc = document(120)
        yield doc, {"packing slip": packing_slip_pdf(doc), "bill of lading": bill_of_lading_pdf(doc)}


@pytest.mark.parametrize("kind", ["packing slip", "bill of lading"])
def test_long_shipment_flows_over_pages_with_the_heading_row_repeated(long_shipment, kind):
    doc, pdfs = long_shipment
    document_pages = pages(pdfs[kind])
    assert len(document_pages) >= 3
    skus = {doc_line.sku for doc_line in doc.lines}
    seen = []
    for number, runs in enumerate(document_pages, 1):
        texts = [t for _, t in runs]
        assert f"Page {number} of " in texts
        on_page = [(y, t) for y, t in runs if t in skus]
        seen += [t for _, t in on_page]
        if on_page:  # the heading row sits above the first line of goods on every page
            heading_y = next(y for y, t in runs if t == "Description")
            assert heading_y > max(y for y, _ in on_page)
    assert sorted(seen) == sorted(skus)  # every line exactly once


def test_without_the_dejavu_fonts_it_falls_back_to_helvetica_in_latin1(monkeypatch, tmp_path):
    monkeypatch.setattr(shipping, "FONT_DIR", tmp_path / "no-fonts-here")
    doc = document(3, consignee=LODZ, special_instructions="Œuvre – “fragile” … 日本")
    for render in (packing_slip_pdf, bill_of_lading_pdf):
        pdf = render(doc)
        assert pdf.startswith(b"%PDF-")
        assert b"/BaseFont /Helvetica" in pdf and b"DejaVu" not in pdf
        text = text_of(pdf)
        assert "Lódz Werkstatt" in text and "90-926 Lódz" in text  # Ł has no decomposition: mapped by hand
        assert "Industriestraße 12" in text  # Latin-1 letters are kept
        assert 'OEuvre - "fragile" ...' in text
        assert "SHP-2026-000123" in text and "1,234.50 kg" in text


def test_to_latin1():
    assert to_latin1("Łódź, Kraków, Société Générale") == "Lódz, Kraków, Société Générale"
    assert to_latin1("Ærøskøbing ﬁne\n日本\x85") == "Ærøskøbing fine\n"


def test_same_document_same_bytes(monkeypatch):
    monkeypatch.setattr(shipping, "COMPRESS", True)
    doc = document(5)
    assert packing_slip_pdf(doc) == packing_slip_pdf(doc)
    assert bill_of_lading_pdf(doc) == bill_of_lading_pdf(doc)
    assert b"/CreationDate (D:20260302000000Z" in bill_of_lading_pdf(doc)
