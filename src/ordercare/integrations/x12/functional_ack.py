"""997 Functional Acknowledgment: one per received group (AK1), one AK2/AK5 per set, AK9 for the group.

A rejected set carries AK3 (the segment in error: its tag, its position in the set, the AK304 code) and
AK4 (the element position, the AK403 code and the bad value), so the sender can find the fault.
AK5 codes: 1 set not supported, 2 trailer missing, 3 control numbers differ, 4 segment count wrong,
5 segments in error, 6 missing or invalid set identifier. AK9 codes: 2 GE missing, 4 group control numbers
differ, 5 set count wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from .envelopes import TransactionSet
from .syntax import Reader, X12Error


@dataclass(frozen=True)
class ElementNote:
    position: int  # AK401
    code: str  # AK403
    value: str = ""  # AK404


@dataclass(frozen=True)
class SegmentNote:
    tag: str  # AK301
    position: int  # AK302: position in the set, ST = 1
    code: str  # AK304
    elements: tuple[ElementNote, ...] = ()


@dataclass(frozen=True)
class SetResponse:
    code: str  # AK201
    control: str  # AK202
    status: str  # AK501: A accepted, R rejected
    error_codes: tuple[str, ...] = ()
    segments: tuple[SegmentNote, ...] = ()


@dataclass(frozen=True)
class GroupResponse:
    functional_id: str
    control: str
    declared: int  # AK902: sets the GE said
    received: int  # AK903: sets found
    sets: tuple[SetResponse, ...]  # AK2 loops: none when the group as a whole is rejected
    error_codes: tuple[str, ...] = ()  # AK905…

    @property
    def accepted(self) -> int:
        return sum(s.status == "A" for s in self.sets) if not self.error_codes else 0

    @property
    def status(self) -> str:
        if self.accepted == self.received and self.received and not self.error_codes:
            return "A"
        return "P" if self.accepted else "R"


def set_response(ts: TransactionSet, error: X12Error | None) -> SetResponse:
    if error is None:
        return SetResponse(ts.code, ts.control, "A")
    notes: tuple[SegmentNote, ...] = ()
    seg = error.segment
    if seg is not None and error.set_code == "5" and seg.set_position:
        value = (error.value or "")[:99]
        elements = (ElementNote(error.element, error.element_code or "7", value),) \
            if error.element is not None else ()
        notes = (SegmentNote(seg.tag, seg.set_position, error.segment_code, elements),)
    return SetResponse(ts.code, ts.control, "R", (error.set_code,), notes)


def build_997(g: GroupResponse) -> list[tuple[str, list[object]]]:
    """The body of the 997 answering one group (each received group gets its own 997 set)."""
    out: list[tuple[str, list[object]]] = [("AK1", [g.functional_id, g.control])]
    for s in g.sets:
        out.append(("AK2", [s.code, s.control]))
        for note in s.segments:
            out.append(("AK3", [note.tag, note.position, "", note.code]))
            for e in note.elements:
                out.append(("AK4", [e.position, "", e.code, e.value]))
        out.append(("AK5", [s.status, *s.error_codes]))
    out.append(("AK9", [g.status, g.declared, g.received, g.accepted, *g.error_codes]))
    return out


def parse_997(ts: TransactionSet) -> GroupResponse:
    head: dict = {}
    sets: list[dict] = []
    for seg in ts.body:
        r = Reader(seg)
        if seg.tag == "AK1":
            head = {"functional_id": r.text(1, "functional identifier", required=True),
                    "control": r.text(2, "group control number", required=True)}
        elif seg.tag == "AK2":
            sets.append({"code": r.text(1, "set identifier"), "control": r.text(2, "set control number"),
                         "segments": []})
        elif seg.tag == "AK3":
            sets[-1]["segments"].append([r.text(1, "segment id"), int(r.text(2, "position")), r.text(4, "code"), []])
        elif seg.tag == "AK4":
            sets[-1]["segments"][-1][3].append(ElementNote(int(r.text(1, "position")), r.text(3, "code"),
                                                           r.text(4, "value")))
        elif seg.tag == "AK5":
            sets[-1]["status"] = r.code(1, "acknowledgment code", {"A", "E", "R"})
            sets[-1]["error_codes"] = tuple(v for v in seg.elements[1:] if v)
        elif seg.tag == "AK9":
            head["declared"] = int(r.text(2, "number of sets"))
            head["received"] = int(r.text(3, "number of sets received"))
            head["error_codes"] = tuple(v for v in seg.elements[4:] if v)
    if not head:
        raise X12Error("the 997 has no AK1 segment", segment=ts.segments[0], segment_code="3")
    return GroupResponse(**head, sets=tuple(
        SetResponse(s["code"], s["control"], s["status"], s["error_codes"],
                    tuple(SegmentNote(t, p, c, tuple(e)) for t, p, c, e in s["segments"])) for s in sets))
