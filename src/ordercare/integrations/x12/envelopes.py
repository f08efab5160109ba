"""Envelopes: ISA/IEA interchange, GS/GE functional group, ST/SE transaction set.

What a bad envelope costs (see docs/integrations.md):
- an unreadable ISA, or an IEA that does not close it (count or control number), rejects the whole
  interchange: nothing is recorded, the caller gets the error;
- a GE that does not match its GS (control number, set count) rejects the group's sets (997 AK9 R);
- a set whose SE does not match its ST (control number, segment count) or is missing is rejected on
  its own (997 AK5 R with the code); the other sets of the group go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .syntax import Reader, Segment, Separators, X12Error, clean, d8, hhmm, render, tokenize

# Functional identifier code (GS01) of each transaction set.
FUNCTIONAL_ID = {"850": "PO", "855": "PR", "856": "SH", "810": "IN", "997": "FA"}


@dataclass
class TransactionSet:
    code: str  # ST01
    control: str  # ST02
    segments: list[Segment]  # ST .. SE inclusive (SE may be missing when `error` says so)
    error: X12Error | None = None  # set-level envelope problem

    @property
    def body(self) -> list[Segment]:
        """The segments between ST and SE."""
        end = -1 if self.segments and self.segments[-1].tag == "SE" else len(self.segments)
        return self.segments[1:end]


@dataclass
class Group:
    functional_id: str  # GS01
    sender: str  # GS02
    receiver: str  # GS03
    date: date
    control: str  # GS06
    version: str  # GS08
    declared_sets: int | None
    sets: list[TransactionSet] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # AK9 codes: 4 control mismatch, 5 set count, 2 GE missing
    problems: list[str] = field(default_factory=list)  # the same, in words


@dataclass
class Interchange:
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: date
    control: str  # ISA13
    version: str  # ISA12
    usage: str  # ISA15: P production, T test
    separators: Separators
    groups: list[Group] = field(default_factory=list)


def parse_interchange(text: str) -> Interchange:
    seps, segments = tokenize(text)
    isa = segments[0]
    if len(isa.elements) != 16:
        raise X12Error(f"ISA has {len(isa.elements)} elements, 16 are required", segment=isa)
    r = Reader(isa)
    control = r.text(13, "interchange control number", required=True)
    if not (control.isdigit() and len(control) == 9):
        raise X12Error(f"interchange control number '{control}' must be 9 digits", segment=isa, element=13)
    ic = Interchange(
        sender_qualifier=r.text(5, "sender id qualifier", required=True), sender_id=r.text(6, "sender id", required=True),
        receiver_qualifier=r.text(7, "receiver id qualifier", required=True),
        receiver_id=r.text(8, "receiver id", required=True), date=r.date(9, "interchange date", required=True),
        control=control, version=r.text(12, "version", required=True), usage=r.code(15, "usage", {"P", "T"}),
        separators=seps)
    if not ic.version.isdigit() or ic.version < "00401":
        raise X12Error(f"version '{ic.version}' is not supported (00401 and later are)", segment=isa, element=12)
    i = 1
    while i < len(segments) and segments[i].tag == "GS":
        i = _group(segments, i, ic)
    if i >= len(segments) or segments[i].tag != "IEA":
        seg = segments[i] if i < len(segments) else segments[-1]
        raise X12Error("expected GS or IEA" if i < len(segments) else "the interchange has no IEA trailer",
                       segment=seg, segment_code="2")
    iea = segments[i]
    if Reader(iea).text(2, "interchange control number") != control:
        raise X12Error(f"control number '{iea.get(2)}' does not match ISA13 '{control}'", segment=iea, element=2)
    if Reader(iea).text(1, "number of groups") != str(len(ic.groups)):
        raise X12Error(f"IEA counts {iea.get(1) or 'no'} groups, the interchange has {len(ic.groups)}", segment=iea,
                       element=1)
    if i + 1 < len(segments):
        raise X12Error("segment after IEA", segment=segments[i + 1], segment_code="2")
    if not ic.groups:
        raise X12Error("the interchange has no functional group", segment=iea)
    return ic


def _group(segments: list[Segment], i: int, ic: Interchange) -> int:
    gs = segments[i]
    r = Reader(gs)
    group = Group(functional_id=r.text(1, "functional identifier", required=True), sender=r.text(2, "sender code"),
                  receiver=r.text(3, "receiver code"), date=r.date(4, "group date", required=True),
                  control=r.text(6, "group control number", required=True),
                  version=r.text(8, "version", required=True), declared_sets=None)
    ic.groups.append(group)
    i += 1
    while i < len(segments) and segments[i].tag == "ST":
        i = _transaction_set(segments, i, group)
    if i >= len(segments) or segments[i].tag != "GE":
        group.errors.append("2")
        group.problems.append(f"group {group.control} has no GE trailer")
        # Resynchronise on the next GS/IEA so the interchange can still be read.
        while i < len(segments) and segments[i].tag not in ("GS", "IEA"):
            i += 1
        return i
    ge = segments[i]
    if ge.get(2).strip() != group.control:
        group.errors.append("4")
        group.problems.append(f"segment {ge.position} (GE), element 02: control number '{ge.get(2)}' does not "
                              f"match GS06 '{group.control}'")
    declared = ge.get(1).strip()
    group.declared_sets = int(declared) if declared.isdigit() else None
    if group.declared_sets != len(group.sets):
        group.errors.append("5")
        group.problems.append(f"segment {ge.position} (GE), element 01: counts {declared or 'no'} transaction "
                              f"sets, the group has {len(group.sets)}")
    return i + 1


def _transaction_set(segments: list[Segment], i: int, group: Group) -> int:
    st = segments[i]
    start = i
    body = [st]
    i += 1
    while i < len(segments) and segments[i].tag not in ("SE", "ST", "GE", "GS", "IEA"):
        body.append(segments[i])
        i += 1
    numbered = [_in_set(s, n + 1) for n, s in enumerate(body)]
    ts = TransactionSet(code=st.get(1).strip(), control=st.get(2).strip(), segments=numbered)
    group.sets.append(ts)
    if not ts.code or not ts.control:
        ts.error = X12Error("ST needs a transaction set code and a control number", segment=numbered[0],
                            element=1 if not ts.code else 2, element_code="1", set_code="6")
    if i >= len(segments) or segments[i].tag != "SE":
        ts.error = ts.error or X12Error(f"transaction set {ts.control} has no SE trailer", segment=numbered[-1],
                                        segment_code="3", set_code="2")
        return i
    se = _in_set(segments[i], len(numbered) + 1)
    ts.segments.append(se)
    if ts.error is None and se.get(2).strip() != ts.control:
        ts.error = X12Error(f"control number '{se.get(2)}' does not match ST02 '{ts.control}'", segment=se, element=2,
                            set_code="3")
    elif ts.error is None and se.get(1).strip() != str(i - start + 1):
        ts.error = X12Error(f"counts {se.get(1) or 'no'} segments, the set has {i - start + 1}", segment=se,
                            element=1, set_code="4")
    return i + 1


def _in_set(seg: Segment, n: int) -> Segment:
    return Segment(seg.tag, seg.elements, seg.position, n)


# --- writing -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Party:
    """An interchange address: ISA qualifier and id, and the application code used in GS."""

    qualifier: str
    id: str
    application: str


def build_interchange(sets: list[tuple[str, list[tuple[str, list[object]]]]], *, sender: Party, receiver: Party,
                      control: int, at: datetime, version: str = "00401", usage: str = "P",
                      seps: Separators | None = None, newlines: bool = True) -> str:
    """One interchange with one functional group per kind of set, in the order given.

    `sets` holds (transaction set code, body segments without ST/SE); ST02 numbers them 0001, 0002, …
    within the interchange; GS06 is the interchange control number (one group per interchange is the usual
    case; a second group gets control + its index).
    """
    seps = seps or Separators(repetition="^" if version >= "00402" else None)
    if version < "00402" and seps.repetition:
        seps = Separators(seps.element, seps.component, seps.segment, None)
    gs_version = {"00401": "004010"}.get(version, version + "0")
    ids = [clean(v, seps) for v in (sender.qualifier.ljust(2), sender.id.ljust(15)[:15],
                                    receiver.qualifier.ljust(2), receiver.id.ljust(15)[:15])]
    # ISA11 and ISA16 are the separators themselves: written as they are, not cleaned.
    isa = ["ISA", "00", " " * 10, "00", " " * 10, *ids, at.strftime("%y%m%d"), hhmm(at),
           seps.repetition or "U", version, f"{control:09d}", "0", usage, seps.component]
    out = [seps.element.join(isa) + seps.segment + ("\n" if newlines else "")]
    groups: dict[str, list[tuple[str, list]]] = {}
    for code, body in sets:
        groups.setdefault(code, []).append((code, body))
    set_no = 0
    for g, (code, members) in enumerate(groups.items()):
        gcontrol = control + g
        seg: list[tuple[str, list[object]]] = [("GS", [FUNCTIONAL_ID[code], sender.application, receiver.application,
                                                       d8(at.date()), hhmm(at), gcontrol, "X", gs_version])]
        for _, body in members:
            set_no += 1
            st = f"{set_no:04d}"
            seg += [("ST", [code, st]), *body, ("SE", [len(body) + 2, st])]
        seg.append(("GE", [len(members), gcontrol]))
        out.append(render(seg, seps, newlines=newlines))
    out.append(render([("IEA", [len(groups), f"{control:09d}"])], seps, newlines=newlines))
    return "".join(out)
