"""The SLA clocks of cases, computed from what is stored: targets kept on the case, its pauses, its calendar."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ..domain.sla import ClockState, EscalationLevel, Pause, band, sla_clock
from ..store.prepared import Prepared, in_ids
from ..store.service_tables import case_pauses
from .service_setup import CalendarCache

CLOCKS = ("first_response", "resolution")
_PAUSES = Prepared(select(case_pauses.c.case_id, case_pauses.c.started_at, case_pauses.c.ended_at)
                   .where(in_ids(case_pauses.c.case_id))
                   .order_by(case_pauses.c.started_at), expanding="ids")


def pauses_of(conn: Connection, case_ids: Iterable[int]) -> dict[int, list[Pause]]:
    out: dict[int, list[Pause]] = {}
    ids = sorted(set(case_ids))
    for p in _PAUSES.rows_in(conn, ids):
        out.setdefault(p.case_id, []).append(Pause(p.started_at, p.ended_at))
    return out


def clocks(case, pauses: list[Pause], calendars: CalendarCache, now: datetime) -> dict[str, ClockState]:
    cal = calendars[case.calendar_code]
    return {
        "first_response": sla_clock(cal, case.opened_at, case.first_response_minutes, pauses=pauses, now=now,
                                    stopped_at=case.acknowledged_at),
        "resolution": sla_clock(cal, case.opened_at, case.resolution_minutes, pauses=pauses, now=now,
                                stopped_at=case.resolved_at),
    }


def levels(case) -> tuple[EscalationLevel, ...]:
    return tuple(EscalationLevel(**e) for e in case.escalation)


def clock_view(c: ClockState) -> dict[str, Any]:
    return {"target_minutes": c.target_minutes, "due_at": c.due_at, "state": c.state, "breached": c.breached,
            "band": band(c).value,
            "elapsed_minutes": int(c.elapsed.total_seconds() // 60),
            "remaining_minutes": int(c.remaining.total_seconds() // 60), "stopped_at": c.stopped_at}
