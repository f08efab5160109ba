"""Password hashing: Argon2id (argon2-cffi) for every new hash; scrypt hashes of earlier releases still verify
and are replaced by an Argon2id hash at the next successful sign-in (needs_rehash)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults follow RFC 9106's second recommendation (64 MiB, 3 passes, 4 lanes).
_ARGON2 = PasswordHasher()


def hash_password(password: str) -> str:
    return _ARGON2.hash(password)


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _ARGON2.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a legacy scrypt hash or an Argon2 hash made with weaker parameters than today's."""
    if stored.startswith("scrypt$"):
        return True
    try:
        return _ARGON2.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def dummy_hash() -> str:
    """Verified against when the username is unknown, so that a wrong name takes as long as a wrong password."""
    return _ARGON2.hash("no such user: this hash only spends the time a real check takes")
