"""X12 tokenizer and envelopes, without a database: separators read from ISA, control numbers and counts."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from ordercare.integrations.x12.envelopes import Party, build_interchange, parse_interchange
from ordercare.integrations.x12.syntax import Separators, X12Error, clean, render, render_segment, tokenize

AT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
BUYER, US = Party("ZZ", "BUYER01", "BUYERAPP"), Party("01", "123456789", "OCAPP")
SPECIALS = "*|^~>:!+@#$%&;"
TEXT = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -./"), min_size=1, max_size=12).map(str.strip) \
    .filter(bool)


@st.composite
def separators(draw):
    chars = draw(st.permutations(SPECIALS))
    version = draw(st.sampled_from(["00401", "00501", "00403"]))
    return Separators(chars[0], chars[1], chars[2], chars[3] if version >= "00402" else None), version


def interchange(body, **kw) -> str:
    return build_interchange([("850", body)], sender=BUYER, receiver=US, control=kw.pop("control", 905), at=AT, **kw)


BODY = [("BEG", ["00", "SA", "PO-1", "", "20260301"]), ("PO1", ["1", "2", "EA", "", "", "VP", "SKU-A"]),
        ("CTT", ["1"])]


@settings(max_examples=150, deadline=None)
@given(separators(), st.lists(st.tuples(st.sampled_from(["REF", "N9", "MSG", "PID"]), st.lists(TEXT, min_size=1,
                                                                                           max_size=6)),
                              min_size=1, max_size=8), st.booleans())
def test_segments_survive_any_separators(seps_version, segments, newlines):
    seps, version = seps_version
    text = interchange(segments, seps=seps, version=version, newlines=newlines)
    read_seps, tokens = tokenize(text)
    assert read_seps == seps
    ic = parse_interchange(text)
    assert (ic.version, ic.control, ic.sender_id, ic.receiver_id) == (version, "000000905", "BUYER01", "123456789")
    [ts] = ic.groups[0].sets
    assert ts.error is None
    assert [(s.tag, list(s.elements)) for s in ts.body] == [(t, e) for t, e in segments]
    assert [s.position for s in tokens] == list(range(1, len(tokens) + 1))
    assert [s.set_position for s in ts.segments] == list(range(1, len(segments) + 3))


def test_separators_are_read_from_isa_not_assumed():
    text = interchange(BODY, seps=Separators("|", ":", "\n", "^"), version="00501", newlines=False)
    assert "~" not in text and "*" not in text
    seps, _ = tokenize(text)
    assert seps == Separators("|", ":", "\n", "^")
    assert parse_interchange(text).groups[0].sets[0].body[1].get(7) == "SKU-A"


def test_version_4010_has_no_repetition_separator():
    text = interchange(BODY, version="00401")
    assert text.split("*")[11] == "U"
    assert tokenize(text)[0].repetition is None


def test_crlf_after_segments_and_a_byte_order_mark_are_tolerated():
    text = "\ufeff" + interchange(BODY).replace("~\n", "~\r\n")
    assert len(parse_interchange(text).groups[0].sets[0].body) == 3


def _error(text) -> X12Error:
    with pytest.raises(X12Error) as caught:
        parse_interchange(text)
    return caught.value


def test_not_x12():
    assert _error("hello").code == "edi_not_x12"
    assert "ISA" in _error("GS*PO*A*B~").message


def test_iea_control_number_and_group_count_are_checked():
    good = interchange(BODY)
    e = _error(good.replace("IEA*1*000000905", "IEA*1*000000906"))
    assert e.message.startswith("segment 9 (IEA), element 02: control number")
    assert "does not match ISA13 '000000905'" in e.message
    assert "counts 2 groups" in _error(good.replace("IEA*1*", "IEA*2*")).message
    assert "no IEA trailer" in _error(good.split("IEA")[0]).message
    assert "segment after IEA" in _error(good + "ST*850*1~").message


def test_interchange_control_number_is_nine_digits():
    text = interchange(BODY).replace("000000905", "00000905 ")
    assert "must be 9 digits" in _error(text).message


def test_set_trailer_problems_reject_that_set_only():
    two = build_interchange([("850", BODY), ("850", BODY)], sender=BUYER, receiver=US, control=7, at=AT)
    bad_count = two.replace("SE*5*0002", "SE*4*0002")
    sets = parse_interchange(bad_count).groups[0].sets
    assert sets[0].error is None
    assert sets[1].error.set_code == "4" and "counts 4 segments, the set has 5" in sets[1].error.message
    bad_control = two.replace("SE*5*0001", "SE*5*0009")
    e = parse_interchange(bad_control).groups[0].sets[0].error
    assert e.set_code == "3" and e.message.startswith("segment 7 (SE), element 02: control number '0009'")


def test_group_trailer_problems_are_reported_for_the_997():
    good = interchange(BODY)
    g = parse_interchange(good.replace("GE*1*905", "GE*2*906")).groups[0]
    assert g.errors == ["4", "5"]
    assert "does not match GS06 '905'" in g.problems[0]


def test_a_bad_segment_identifier_is_located():
    e = _error(interchange(BODY).replace("CTT*1", "ctt*1"))
    assert e.message == "segment 6 (ctt): 'ctt' is not a segment identifier"


def test_render_drops_trailing_empty_elements_and_cleans_separators():
    seps = Separators()
    assert render([("N1", ["ST", "A*B~C", "", ""])], seps) == "N1*ST*A B C~"


@settings(max_examples=200, deadline=None)
@given(separators(), st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6),
                                        st.text(st.sampled_from(SPECIALS + "AZ09 -.\r\n"), max_size=10)),
                              max_size=8))
def test_cleaning_blanks_exactly_the_separators_and_line_breaks(seps_version, values):
    seps, _ = seps_version
    blanked = seps.chars() | {"\r", "\n"}
    expected = ["" if v is None else "".join(" " if c in blanked else c for c in str(v)) for v in values]
    assert [clean(v, seps) for v in values] == expected
    while expected and expected[-1] == "":
        expected.pop()
    assert render_segment("REF", values, seps) == seps.element.join(["REF", *expected])
