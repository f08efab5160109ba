"""Idempotency keys for order placement.

The key is claimed in its own short transaction ("in progress"), so a
concurrent retry sees it and gets 409 instead of placing a second order. The
order and the key's "done" mark commit together: after a crash either both
exist or neither does. A key stuck "in progress" (its request died) may be
taken over after a while. A failed request frees its key, so the client may
retry it after fixing the input.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from ..clock import Clock
from ..domain.access import Actor
from ..domain.errors import Conflict, ValidationFailed
from ..store.db import UnitOfWork
from ..store.prepared import Prepared, insert_of
from ..store.tables import idempotency_keys

MAX_KEY_LENGTH = 200

# Compiled once (store/prepared.py): every API order claims and marks its key in transactions of their own.
_KEY = (idempotency_keys.c.user_key == bindparam("owner"), idempotency_keys.c.key == bindparam("key"))
_OURS = (*_KEY, idempotency_keys.c.state == "in_progress", idempotency_keys.c.created_at == bindparam("claimed_at"))
_READ = Prepared(select(idempotency_keys).where(*_KEY))
_CLAIM = insert_of(idempotency_keys, ("user_key", "key", "request_hash", "state", "created_at"))
_TAKE_OVER = Prepared(update(idempotency_keys).where(*_KEY).values(created_at=bindparam("now")))
_DONE = Prepared(update(idempotency_keys).where(*_OURS).values(state="done", order_id=bindparam("oid")))
_FREE = Prepared(delete(idempotency_keys).where(*_OURS))


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def run_once(uow: UnitOfWork, clock: Clock, actor: Actor, key: str, fingerprint: str, stale_after_s: int,
             place: Callable[[Connection], int]) -> tuple[int, bool]:
    """Returns (order id, replayed). place(conn) writes the order inside the final transaction."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed("invalid_idempotency_key",
                               f"Idempotency-Key: must be 1 to {MAX_KEY_LENGTH} characters", field="Idempotency-Key")
    key_of = {"owner": str(actor.user_id), "key": key}
    claimed_at = clock.now()

    def claim(conn: Connection) -> int | None:
        nonlocal claimed_at
        now = claimed_at = clock.now()
        row = _READ.first(conn, key_of)
        if row is None:
            _CLAIM.execute(conn, {"user_key": key_of["owner"], "key": key, "request_hash": fingerprint,
                                  "state": "in_progress", "created_at": now})
            return None
        if row.request_hash != fingerprint:
            raise ValidationFailed("idempotency_key_reused",
                                   "Idempotency-Key: this key was used with a different request body",
                                   field="Idempotency-Key")
        if row.state == "done":
            return row.order_id
        if now - row.created_at < timedelta(seconds=stale_after_s):
            raise Conflict("request_in_progress", "a request with this Idempotency-Key is still being processed",
                           field="Idempotency-Key")
        _TAKE_OVER.execute(conn, {**key_of, "now": now})  # take over a dead request
        return None

    for _ in range(3):
        try:
            done = uow.run(claim)
            break
        except IntegrityError:
            continue  # another request inserted the key between our read and insert: read it again
    else:
        raise Conflict("request_in_progress", "a request with this Idempotency-Key is being processed",
                       field="Idempotency-Key")
    if done is not None:
        return done, True
    # Our claim is the in-progress row stamped with our claim time. A request that was only slow, not dead,
    # may have been taken over meanwhile: then its claim is gone and its order must not commit (a second order).
    ours = {**key_of, "claimed_at": claimed_at}

    def finish(conn: Connection) -> int:
        order_id = place(conn)
        if _DONE.execute(conn, {**ours, "oid": order_id}) != 1:
            raise Conflict("request_in_progress", "a request with this Idempotency-Key was taken over by a retry",
                           field="Idempotency-Key")
        return order_id

    try:
        return uow.run(finish), False
    except BaseException:
        uow.run(lambda conn: _FREE.execute(conn, ours))
        raise
