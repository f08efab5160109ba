"""X12 syntax: separators from the ISA segment, segments, element values, and precise errors.

An interchange starts with the fixed-layout ISA segment. Its fourth character is the element
separator; ISA16 is the component separator and the character right after it ends every segment.
From version 00402 on, ISA11 is the repetition separator (before that it holds the standards
identifier "U"). Line breaks after a segment terminator are tolerated, as many senders add them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from ...domain.errors import ValidationFailed

_TAG = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
_NEWLINES = "\r\n"


@dataclass(frozen=True)
class Separators:
    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = "^"  # None before version 00402 (ISA11 is then "U")

    def chars(self) -> set[str]:
        return {c for c in (self.element, self.component, self.segment, self.repetition) if c}


@dataclass(frozen=True)
class Segment:
    tag: str
    elements: tuple[str, ...]  # elements[0] is XX01
    position: int = 0  # 1-based position in the interchange (ISA is 1)
    set_position: int = 0  # 1-based position in its transaction set (ST is 1); 0 outside a set

    def get(self, n: int) -> str:
        """Element n (1-based), '' when absent."""
        return self.elements[n - 1] if 0 < n <= len(self.elements) else ""


class X12Error(ValidationFailed):
    """Invalid EDI, located: "segment 7 (PO1), element 02: quantity 'x' is not a number".

    `segment_code` and `element_code` are the 997 codes (AK304 and AK403) for this problem; `set_level`
    is the AK5 code when the problem is with the transaction set as a whole.
    """

    def __init__(self, problem: str, *, segment: Segment | None = None, element: int | None = None,
                 segment_code: str = "8", element_code: str | None = None, set_code: str = "5",
                 value: str | None = None, code: str = "edi_invalid"):
        where = "interchange"
        if segment is not None:
            where = f"segment {segment.position} ({segment.tag})" if segment.position else f"segment {segment.tag}"
            if element is not None:
                where += f", element {element:02d}"
        super().__init__(code, f"{where}: {problem}", field=where, segment=segment.tag if segment else None,
                         position=segment.position if segment else None, element=element)
        self.problem = problem
        self.segment = segment
        self.element = element
        self.segment_code = segment_code
        self.element_code = element_code
        self.set_code = set_code
        self.value = value


def separators_of(text: str) -> Separators:
    """Read the separators from the ISA segment at the start of `text`."""
    if not text.startswith("ISA") or len(text) < 106:
        raise X12Error("does not start with an ISA segment", code="edi_not_x12")
    element = text[3]
    if element.isalnum() or element.isspace():
        raise X12Error(f"element separator {element!r} (the 4th character of ISA) must be a special character",
                       code="edi_not_x12")
    # ISA16 follows the 16th element separator; the segment terminator comes right after it.
    at, count = 3, 1  # text[3] is the first separator
    while count < 16:
        at = text.find(element, at + 1)
        if at < 0:
            raise X12Error("the ISA segment has fewer than 16 elements", code="edi_not_x12")
        count += 1
    if at + 2 >= len(text):
        raise X12Error("the ISA segment is cut short", code="edi_not_x12")
    component, segment = text[at + 1], text[at + 2]
    isa = text[:at + 1].split(element)
    version, isa11 = isa[12], isa[11]
    repetition = isa11 if version >= "00402" else None
    seps = Separators(element, component, segment, repetition)
    chars = [c for c in (element, component, segment, repetition) if c]
    if not segment or len(set(chars)) != len(chars) or any(c.isalnum() for c in chars) or component == " ":
        raise X12Error(f"separators must be distinct special characters, got element {element!r}, component "
                       f"{component!r}, segment {segment!r}, repetition {repetition!r}", code="edi_not_x12")
    return seps


def tokenize(text: str) -> tuple[Separators, list[Segment]]:
    """Split an interchange into segments, numbered from 1 (ISA)."""
    text = text.lstrip("\ufeff \t\r\n")
    seps = separators_of(text)
    out: list[Segment] = []
    chunks = text.split(seps.segment)
    for raw in chunks[:-1]:
        body = raw.strip(_NEWLINES)
        if not body:
            continue
        parts = body.split(seps.element)
        tag = parts[0]
        position = len(out) + 1
        if not _TAG.match(tag):
            raise X12Error(f"'{_short(tag)}' is not a segment identifier",
                           segment=Segment(_short(tag) or "?", (), position), segment_code="1")
        out.append(Segment(tag, tuple(parts[1:]), position))
    if chunks[-1].strip(" \t" + _NEWLINES):
        raise X12Error(f"text after the last segment terminator: '{_short(chunks[-1].strip())}'",
                       code="edi_invalid")
    return seps, out


def _short(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[:n] + "…"


# --- writing -------------------------------------------------------------------------------------------------------

_SPECIALS: dict[Separators, re.Pattern] = {}


def _specials(seps: Separators) -> re.Pattern:
    """What `clean` blanks out, one pattern per set of separators: the separators and line breaks."""
    found = _SPECIALS.get(seps)
    if found is None:
        found = _SPECIALS[seps] = re.compile("[" + re.escape("".join(sorted(seps.chars() | set(_NEWLINES)))) + "]")
    return found


def clean(value: object, seps: Separators) -> str:
    """A value fit for an element: separators and line breaks become spaces (X12 has no escaping)."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    specials = _specials(seps)
    return specials.sub(" ", text) if specials.search(text) else text


def render_segment(tag: str, elements: list[object] | tuple[object, ...], seps: Separators) -> str:
    """One segment without its terminator; trailing empty elements are dropped, as X12 requires."""
    return _segment(tag, elements, seps.element, _specials(seps))


def _segment(tag: str, elements, element: str, specials: re.Pattern) -> str:
    values = ["" if v is None else v if type(v) is str else str(v) for v in elements]
    if specials.search("".join(values)):  # one look at the whole segment: most have nothing to clean
        values = [specials.sub(" ", v) for v in values]
    while values and values[-1] == "":
        values.pop()
    return element.join([tag, *values])


def render(segments: list[tuple[str, list[object]]], seps: Separators, *, newlines: bool = False) -> str:
    end = seps.segment + ("\n" if newlines else "")
    element, specials = seps.element, _specials(seps)
    return "".join(_segment(tag, els, element, specials) + end for tag, els in segments)


# --- reading element values ----------------------------------------------------------------------------------------

@dataclass
class Reader:
    """Reads typed element values from one segment, raising located errors."""

    seg: Segment
    problems: list[X12Error] = field(default_factory=list)

    def text(self, n: int, what: str, *, required: bool = False, max_len: int | None = None) -> str:
        value = self.seg.get(n).strip()
        if required and not value:
            raise X12Error(f"{what} is missing", segment=self.seg, element=n, element_code="1")
        if max_len is not None and len(value) > max_len:
            raise X12Error(f"{what} '{_short(value)}' is longer than {max_len} characters", segment=self.seg,
                           element=n, element_code="5", value=value)
        return value

    def code(self, n: int, what: str, allowed: set[str] | dict[str, object], *, required: bool = True) -> str:
        value = self.text(n, what, required=required)
        if value and value not in allowed:
            raise X12Error(f"{what} '{_short(value)}' is not one of {', '.join(sorted(allowed))}", segment=self.seg,
                           element=n, element_code="7", value=value)
        return value

    def decimal(self, n: int, what: str, *, required: bool = False) -> Decimal | None:
        value = self.text(n, what, required=required)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not re.fullmatch(r"-?(\d+\.?\d*|\.\d+)", value):
            raise X12Error(f"{what} '{_short(value)}' is not a number", segment=self.seg, element=n,
                           element_code="6", value=value)
        return number

    def count(self, n: int, what: str, *, required: bool = True) -> int | None:
        """A positive whole number (a quantity, a count)."""
        number = self.decimal(n, what, required=required)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise X12Error(f"{what} '{self.seg.get(n).strip()}' is not a whole number", segment=self.seg, element=n,
                           element_code="6", value=self.seg.get(n))
        if number <= 0:
            raise X12Error(f"{what} must be positive, got {self.seg.get(n).strip()}", segment=self.seg, element=n,
                           element_code="6", value=self.seg.get(n))
        if number > 1_000_000_000:
            raise X12Error(f"{what} {number} is too large", segment=self.seg, element=n, element_code="6")
        return int(number)

    def cents(self, n: int, what: str, *, required: bool = False) -> Decimal | None:
        """An N2 amount: whole digits with two implied decimals ('1250' is 12.50)."""
        value = self.text(n, what, required=required)
        if not value:
            return None
        if not (value.isascii() and value.isdigit()) or len(value) > 15:
            raise X12Error(f"{what} '{_short(value)}' is not an amount in cents (digits, two implied decimals)",
                           segment=self.seg, element=n, element_code="6", value=value)
        return Decimal(int(value)).scaleb(-2)

    def date(self, n: int, what: str, *, required: bool = False) -> date | None:
        value = self.text(n, what, required=required)
        if not value:
            return None
        return parse_date(value, lambda problem: X12Error(f"{what} {problem}", segment=self.seg, element=n,
                                                          element_code="8", value=value))


def parse_date(value: str, error) -> date:
    try:
        if len(value) == 8 and value.isdigit():
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if len(value) == 6 and value.isdigit():  # YYMMDD (ISA09): this century
            return date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError:
        pass
    raise error(f"'{_short(value)}' is not a date (CCYYMMDD)")


def parse_time(value: str) -> time | None:
    if len(value) >= 4 and value[:4].isdigit():
        try:
            return time(int(value[:2]), int(value[2:4]))
        except ValueError:
            return None
    return None


def d8(d: date | None) -> str:
    return d.strftime("%Y%m%d") if d else ""


def hhmm(at: datetime | time) -> str:
    return at.strftime("%H%M")


def number(value: Decimal | int | None) -> str:
    """An X12 R-type value: no exponent, no trailing zeros after the point."""
    if value is None:
        return ""
    d = Decimal(value)
    text = format(d.normalize(), "f") if d != d.to_integral_value() else str(int(d))
    return text


def implied_cents(amount: Decimal) -> str:
    """An N2 value: the amount in whole cents, no point (12.50 -> '1250')."""
    cents = Decimal(amount).scaleb(2)
    if cents != cents.to_integral_value() or cents < 0:
        raise ValueError(f"{amount} is not a non-negative amount in whole cents")
    return str(int(cents))
