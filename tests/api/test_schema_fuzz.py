"""API fuzzing with schemathesis against the app's own OpenAPI document (in-process, ASGI).

Every operation of /openapi.json gets requests generated from its schema — as admin and as a customer user —
over a database with real records of every feature (the authorisation tests' scenes), and path and filter
values drawn half of the time from the records that exist, so the requests reach the business rules instead of
stopping at "not found". Each answer must not be a 5xx, its status must be documented, and its body must match
the documented schema. Failures of all operations are reported together, each with a curl to reproduce it.

Short version (the suite): FUZZ_EXAMPLES examples per operation and user, derandomised. Long version
(docs/reliability.md): ORDERCARE_FUZZ_EXAMPLES=200 ORDERCARE_FUZZ_MODE=all python -m pytest
tests/api/test_schema_fuzz.py — random seeds, and "all" adds schema-violating (negative) requests.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.security_scene import known_values, populate

EXAMPLES = int(os.environ.get("ORDERCARE_FUZZ_EXAMPLES", "3"))
MODE = os.environ.get("ORDERCARE_FUZZ_MODE", "positive")  # positive | negative | all
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations left out of the short version, and why (the long version runs them all).
SLOW = {
    # Renders a PDF per example (fpdf2): seconds per call on a busy machine, and the same code as the bill of
    # lading, which stays in; both PDFs have their own tests (tests/api/test_fulfilment_api.py).
    ("GET", "/api/v1/shipments/{shipment_id}/packing-slip.pdf"),
}


@pytest.fixture
def fuzz_world(sqlite_api):
    populate(sqlite_api)
    return sqlite_api


def _realistic(case, draw, known: dict[str, list]) -> None:
    """Half of the time, a path parameter or filter names a record that exists. An empty path parameter (the
    schema allows any string) cannot make the operation's URL — "/customers//billing" is another route — so it
    is replaced too."""
    for where in ("path_parameters", "query"):
        params = getattr(case, where) or {}
        for name in list(params):
            empty = where == "path_parameters" and params[name] in ("", None)
            if name in known and (empty or draw(st.booleans())):
                params[name] = draw(st.sampled_from(known[name]))
            elif empty:
                params[name] = "x"


def _fuzz(op, api, who: str, known: dict[str, list]) -> str | None:
    """Run one operation's examples; the first failure's report, or None. Failures are recorded, not raised, so
    hypothesis does not replay a request whose outcome depends on what earlier requests wrote."""
    modes = {"positive": ["positive"], "negative": ["negative"], "all": ["positive", "negative"]}[MODE]
    cases = st.one_of(*[op.as_strategy(generation_mode=GenerationMode(m)) for m in modes])
    found: list[str] = []

    @given(case=cases, data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 10,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case, data):
        _realistic(case, data.draw, known)  # draw first, always: hypothesis wants the same draws for a replay
        if found:
            return
        try:
            case.validate_response(case.call(headers=api.auth(who)), checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - schemathesis raises a FailureGroup
            found.append(f"{who} {op.label}: {exc}"[:3000])

    run()
    return found[0] if found else None


def test_no_operation_answers_5xx_or_off_its_schema(fuzz_world):
    api = fuzz_world
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    known = known_values(api)
    ops = [r.ok() for r in schema.get_all_operations()]
    assert len(ops) >= 100
    failures, started = [], time.monotonic()
    for op in ops:
        if (op.method.upper(), op.path) in SLOW and EXAMPLES <= 10:
            continue
        for who in ("admin", "cust1"):
            failure = _fuzz(op, api, who, known)
            if failure:
                failures.append(failure)
    assert not failures, f"{len(failures)} failing operation(s) in {time.monotonic() - started:.0f} s:\n\n" + \
        "\n\n".join(failures)
