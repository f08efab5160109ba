"""SLA clocks in business hours: calendars, holidays, time zones, pauses, escalation timing (no database)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercare.domain.business_hours import (
    OFFICE_HOURS, BusinessCalendar, add_business_time, business_time_between, format_hours, parse_hours,
)
from ordercare.domain.errors import ValidationFailed
from ordercare.domain.sla import (
    DEFAULT_POLICIES, EscalationLevel, Pause, SlaPolicy, check_policy, choose_policy, escalation_time,
    escalations_due, sla_clock,
)

UTC = timezone.utc
AMS = ZoneInfo("Europe/Amsterdam")


def office(tz="UTC", holidays=()) -> BusinessCalendar:
    return BusinessCalendar("T", tz, parse_hours(OFFICE_HOURS), frozenset(holidays))


def at(y, m, d, hh, mm=0, tz=UTC) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz)


H = timedelta(hours=1)


def test_sixteen_business_hours_on_eight_hour_days_is_two_working_days():
    cal = office()
    monday_9 = at(2026, 3, 2, 9)
    assert add_business_time(cal, monday_9, 16 * H) == at(2026, 3, 3, 17)  # Tuesday at closing, not Wednesday 9:00
    assert business_time_between(cal, monday_9, at(2026, 3, 3, 17)) == 16 * H


def test_friday_four_pm_with_a_four_hour_target_is_due_monday_noon():
    cal = office()
    friday_16 = at(2026, 3, 6, 16)
    assert friday_16.weekday() == 4
    assert add_business_time(cal, friday_16, 4 * H) == at(2026, 3, 9, 12)


def test_time_outside_working_hours_starts_at_the_next_opening():
    cal = office()
    assert add_business_time(cal, at(2026, 3, 7, 11), 1 * H) == at(2026, 3, 9, 10)  # Saturday -> Monday 10:00
    assert add_business_time(cal, at(2026, 3, 2, 18), 30 * timedelta(minutes=1)) == at(2026, 3, 3, 9, 30)
    assert add_business_time(cal, at(2026, 3, 2, 7), timedelta(0)) == at(2026, 3, 2, 9)


def test_holidays_are_skipped():
    cal = office(holidays=[date(2026, 3, 9)])  # that Monday is a holiday
    assert add_business_time(cal, at(2026, 3, 6, 16), 4 * H) == at(2026, 3, 10, 12)
    assert business_time_between(cal, at(2026, 3, 6, 9), at(2026, 3, 10, 9)) == 8 * H


def test_working_hours_are_local_time_in_the_calendars_zone():
    cal = office("Europe/Amsterdam")
    # Opening at 09:00 in Amsterdam in March (CET) is 08:00 UTC: one hour later is 09:00 UTC.
    assert add_business_time(cal, at(2026, 3, 2, 0), 1 * H) == at(2026, 3, 2, 10, tz=AMS)
    assert add_business_time(cal, at(2026, 3, 2, 0), 1 * H) == at(2026, 3, 2, 9)
    # Over the spring change (29 March 2026): Friday 16:00 CET + 4 h -> Monday 12:00 CEST = 10:00 UTC.
    due = add_business_time(cal, at(2026, 3, 27, 16, tz=AMS), 4 * H)
    assert due == at(2026, 3, 30, 12, tz=AMS) and due == at(2026, 3, 30, 10)


def test_split_days_and_weekend_shifts():
    cal = BusinessCalendar("S", "UTC", parse_hours({"mon": ["08:00-12:00", "13:00-17:00"], "sat": ["10:00-12:00"]}))
    assert add_business_time(cal, at(2026, 3, 2, 11), 2 * H) == at(2026, 3, 2, 14)  # the lunch hour does not count
    assert add_business_time(cal, at(2026, 3, 2, 16), 2 * H) == at(2026, 3, 7, 11)  # Monday 1 h, Saturday 1 h
    assert format_hours(cal.hours) == {"mon": ["08:00-12:00", "13:00-17:00"], "sat": ["10:00-12:00"]}


@pytest.mark.parametrize("spec, tz, code", [
    ({"mon": ["17:00-09:00"]}, "UTC", "invalid_hours"),
    ({"mon": ["09:00-12:00", "11:00-13:00"]}, "UTC", "invalid_hours"),
    ({"funday": ["09:00-17:00"]}, "UTC", "invalid_hours"),
    ({"mon": ["9 to 5"]}, "UTC", "invalid_hours"),
    ({}, "UTC", "invalid_hours"),
    ({"mon": ["09:00-17:00"]}, "Mars/Olympus", "unknown_timezone"),
])
def test_bad_calendars_are_refused(spec, tz, code):
    with pytest.raises(ValidationFailed) as exc:
        BusinessCalendar("X", tz, parse_hours(spec))
    assert exc.value.code == code


@settings(max_examples=150, deadline=None)
@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
       minutes=st.integers(min_value=0, max_value=60 * 80),
       tz=st.sampled_from(["UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata"]))
def test_adding_then_measuring_gives_the_amount_back(start, minutes, tz):
    cal = office(tz, holidays=[date(2026, 12, 25), date(2027, 1, 1)])
    begin = start.replace(tzinfo=UTC)
    due = add_business_time(cal, begin, timedelta(minutes=minutes))
    assert due >= begin
    assert business_time_between(cal, begin, due) == timedelta(minutes=minutes)


def test_clock_runs_then_breaches():
    cal = office()
    opened = at(2026, 3, 6, 16)
    running = sla_clock(cal, opened, 240, pauses=[], now=at(2026, 3, 9, 10))
    assert (running.state, running.due_at, running.elapsed) == ("running", at(2026, 3, 9, 12), 2 * H)
    assert running.remaining == 2 * H
    late = sla_clock(cal, opened, 240, pauses=[], now=at(2026, 3, 9, 12, 1))
    assert late.breached and late.state == "breached"
    on_the_minute = sla_clock(cal, opened, 240, pauses=[], now=at(2026, 3, 9, 12))
    assert not on_the_minute.breached


def test_clock_stops_when_met():
    cal = office()
    c = sla_clock(cal, at(2026, 3, 2, 9), 60, pauses=[], now=at(2026, 3, 5, 9), stopped_at=at(2026, 3, 2, 9, 40))
    assert c.state == "met" and c.elapsed == timedelta(minutes=40)
    c2 = sla_clock(cal, at(2026, 3, 2, 9), 60, pauses=[], now=at(2026, 3, 5, 9), stopped_at=at(2026, 3, 2, 11))
    assert c2.state == "breached"


def test_waiting_on_the_customer_pauses_the_clock_and_moves_the_due_time():
    cal = office()
    opened = at(2026, 3, 2, 9)  # 16 h target: due Tuesday 17:00 without pauses
    pause = Pause(at(2026, 3, 2, 13), at(2026, 3, 3, 11))  # 4 + 2 = 6 business hours waiting
    c = sla_clock(cal, opened, 16 * 60, pauses=[pause], now=at(2026, 3, 3, 12))
    assert c.elapsed == 4 * H + 1 * H
    assert c.due_at == at(2026, 3, 4, 15)  # Tuesday 17:00 + 6 business hours = Wednesday 15:00
    waiting = sla_clock(cal, opened, 16 * 60, pauses=[Pause(at(2026, 3, 2, 13), None)], now=at(2026, 3, 9, 9))
    assert (waiting.state, waiting.due_at, waiting.elapsed, waiting.breached) == ("paused", None, 4 * H, False)


def test_a_pause_after_the_breach_does_not_undo_it():
    cal = office()
    c = sla_clock(cal, at(2026, 3, 2, 9), 60, pauses=[Pause(at(2026, 3, 2, 12), None)], now=at(2026, 3, 4, 9))
    assert c.breached and c.due_at == at(2026, 3, 2, 10) and c.elapsed == 3 * H


LEVELS = (EscalationLevel(1, "team_lead", 0), EscalationLevel(2, "manager", 120))


def test_escalation_levels_fall_due_in_turn():
    cal = office()
    opened = at(2026, 3, 2, 9)  # response target 60 min: due 10:00; manager 2 business hours later
    def due_at(now):
        return [lv.role for lv in escalations_due(sla_clock(cal, opened, 60, pauses=[], now=now), LEVELS)]
    assert due_at(at(2026, 3, 2, 10)) == []
    assert due_at(at(2026, 3, 2, 10, 1)) == ["team_lead"]
    assert due_at(at(2026, 3, 2, 12)) == ["team_lead"]
    assert due_at(at(2026, 3, 2, 12, 1)) == ["team_lead", "manager"]
    clock = sla_clock(cal, opened, 60, pauses=[], now=at(2026, 3, 2, 12, 1))
    assert escalation_time(cal, clock, LEVELS[1]) == at(2026, 3, 2, 12)


def test_escalation_waits_over_the_night_and_stops_with_the_clock():
    cal = office()
    opened = at(2026, 3, 2, 16)  # due 17:00; manager at Tuesday 11:00 business time
    evening = sla_clock(cal, opened, 60, pauses=[], now=at(2026, 3, 2, 23))
    assert [lv.role for lv in escalations_due(evening, LEVELS)] == []  # no business time passed after 17:00
    morning = sla_clock(cal, opened, 60, pauses=[], now=at(2026, 3, 3, 11, 30))
    assert [lv.role for lv in escalations_due(morning, LEVELS)] == ["team_lead", "manager"]
    answered = sla_clock(cal, opened, 60, pauses=[], now=at(2026, 3, 3, 11, 30), stopped_at=at(2026, 3, 3, 9, 30))
    assert answered.breached and escalations_due(answered, LEVELS) == []


def test_policy_choice_prefers_the_packages_own_policy():
    own = choose_policy(list(DEFAULT_POLICIES), "A", "high")
    assert (own.code, own.first_response_minutes) == ("A-high", 120)
    assert choose_policy(list(DEFAULT_POLICIES), "GOLD", "low").code == "ANY-low"
    assert choose_policy(list(DEFAULT_POLICIES), "A", "whenever") is None
    for p in DEFAULT_POLICIES:
        check_policy(p)


@pytest.mark.parametrize("policy, code", [
    (SlaPolicy("X", None, "low", 0, 60, "STANDARD", ()), "invalid_target"),
    (SlaPolicy("X", None, "low", 120, 60, "STANDARD", ()), "invalid_target"),
    (SlaPolicy("X", None, "low", 60, 120, "STANDARD", (EscalationLevel(2, "m", 0), EscalationLevel(1, "t", 0))),
     "invalid_escalation"),
    (SlaPolicy("X", None, "low", 60, 120, "STANDARD", (EscalationLevel(1, "t", 60), EscalationLevel(2, "m", 0))),
     "invalid_escalation"),
])
def test_bad_policies_are_refused(policy, code):
    with pytest.raises(ValidationFailed) as exc:
        check_policy(policy)
    assert exc.value.code == code


def test_naive_times_are_refused():
    with pytest.raises(ValidationFailed) as exc:
        add_business_time(office(), datetime.combine(date(2026, 3, 2), time(9)), H)
    assert exc.value.code == "naive_timestamp"
