"""The service desk's view of SLA clocks: breach colours (bands) and the queue's urgency order (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ordercare.domain.business_hours import OFFICE_HOURS, BusinessCalendar, parse_hours
from ordercare.domain.sla import Band, Pause, band, sla_clock, urgency

CAL = BusinessCalendar("T", "UTC", parse_hours(OFFICE_HOURS))  # Monday-Friday 09:00-17:00
MONDAY_9 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def clock(target: int, after: int, *, pauses=(), stopped_after: int | None = None):
    stopped = MONDAY_9 + minutes(stopped_after) if stopped_after is not None else None
    return sla_clock(CAL, MONDAY_9, target, pauses=list(pauses), now=MONDAY_9 + minutes(after), stopped_at=stopped)


def test_bands_follow_the_clock():
    assert band(clock(240, 60)) is Band.ON_TRACK  # 3 of 4 hours left
    assert band(clock(240, 180)) is Band.DUE_SOON  # exactly a quarter left: amber
    assert band(clock(240, 179)) is Band.ON_TRACK
    assert band(clock(240, 240)) is Band.DUE_SOON  # at the due minute it is still met
    assert band(clock(240, 241)) is Band.BREACHED
    assert band(clock(240, 120, pauses=[Pause(MONDAY_9 + minutes(30), None)])) is Band.PAUSED
    assert band(clock(240, 400, stopped_after=100)) is Band.MET
    assert band(clock(60, 400, stopped_after=100)) is Band.BREACHED  # answered, but late


@given(target=st.integers(1, 480), after=st.integers(0, 479))
def test_a_running_clock_is_amber_exactly_in_its_last_quarter_and_red_once_over(target, after):
    c = clock(target, after)  # within Monday's working hours: elapsed = after
    expected = Band.BREACHED if after > target else \
        Band.DUE_SOON if (target - after) * 4 <= target else Band.ON_TRACK
    assert band(c) is expected


def test_the_queue_puts_the_most_overdue_first_then_the_least_time_left_then_paused_then_stopped():
    overdue_long = [clock(60, 300)]
    overdue_short = [clock(240, 250)]
    ten_left = [clock(240, 230)]
    three_hours_left = [clock(240, 60)]
    paused = [clock(240, 120, pauses=[Pause(MONDAY_9 + minutes(30), None)])]
    done = [clock(240, 400, stopped_after=10)]
    cases = {"done": (done, "urgent"), "paused": (paused, "urgent"), "three": (three_hours_left, "urgent"),
             "ten": (ten_left, "low"), "short": (overdue_short, "low"), "long": (overdue_long, "low")}
    ranked = sorted(cases, key=lambda k: urgency(*cases[k]))
    assert ranked == ["long", "short", "ten", "three", "paused", "done"]


def test_the_tightest_running_clock_counts_and_priority_breaks_ties():
    first_answered_resolution_tight = [clock(60, 100, stopped_after=30), clock(240, 200)]  # 40 min left
    both_running = [clock(120, 30), clock(480, 30)]  # 90 min left on first response
    assert urgency(first_answered_resolution_tight, "low") < urgency(both_running, "urgent")
    same = [clock(240, 60)]
    assert urgency(same, "urgent") < urgency(same, "high") < urgency(same, "normal") < urgency(same, "low")
    assert urgency(same, "whatever") > urgency(same, "low")


def test_the_desk_offers_exactly_the_steps_the_transitions_table_allows():
    from ordercare.domain.cases import STEPS, TRANSITIONS, CaseStatus, desk_actions
    for status in CaseStatus:
        steps = [a for a in desk_actions(status) if a in STEPS]
        for step in steps:
            target = STEPS[step]
            if target is None:  # resume: back to where the case was
                assert status is CaseStatus.WAITING_ON_CUSTOMER
            else:
                assert target in TRANSITIONS[status], (status, step)
        reachable = {STEPS[s] for s in steps if STEPS[s] is not None}
        if status is not CaseStatus.WAITING_ON_CUSTOMER:
            assert reachable == set(TRANSITIONS[status]), status
    assert desk_actions("closed") == ()
    assert desk_actions("logged") == ("acknowledge", "note", "assign")
    assert desk_actions("follow_up") == ("close", "reopen", "note", "assign", "root_cause")
    assert "recovery" in desk_actions("resolved") and "recovery" not in desk_actions("follow_up")


def test_a_case_shows_the_most_alarming_band_of_its_clocks():
    from ordercare.domain.sla import overall_band
    assert overall_band([clock(60, 100, stopped_after=30), clock(240, 200)]) is Band.DUE_SOON
    assert overall_band([clock(60, 100), clock(240, 100)]) is Band.BREACHED
    assert overall_band([clock(60, 100, stopped_after=30), clock(240, 300, stopped_after=200)]) is Band.MET
    assert overall_band([]) is Band.MET
