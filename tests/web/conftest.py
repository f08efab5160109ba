"""Page tests through TestClient: the real app over the test database, signed in as each role.

`web` runs on SQLite and PostgreSQL (through `env`, like the API tests); `sqlite_web` on SQLite only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from ordercare.services.passwords import hash_password
from ordercare.store.tables import users
from tests.api.conftest import Api, build_api

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # one Argon2 hash for every test user: hashing is slow on purpose


def username(who: str) -> str:
    return f"{who}-user"


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "the page has no CSRF token"
    return m.group(1)


@dataclass
class Web:
    """Browsers (TestClients with their own cookies) signed in as each role or 'cust1' / 'cust2'."""

    api: Api
    clients: dict[str, TestClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def env(self):
        return self.api.env

    def anonymous(self) -> TestClient:
        return TestClient(self.api.app, raise_server_exceptions=False, follow_redirects=False)

    def sign_in(self, client: TestClient, who: str, password: str = PASSWORD):
        page = client.get("/sign-in")
        return client.post("/sign-in", data={"username": username(who), "password": password,
                                             "csrf_token": csrf_of(page.text), "next": "/"})

    def as_(self, who: str) -> TestClient:
        if who not in self.clients:
            client = self.anonymous()
            r = self.sign_in(client, who)
            assert r.status_code == 303, r.text
            self.clients[who] = client
            self.tokens[who] = csrf_of(client.get("/").text)
        return self.clients[who]

    def get(self, who: str, url: str, **kw):
        return self.as_(who).get(url, **kw)

    def post(self, who: str, url: str, data: dict | None = None, **kw):
        client = self.as_(who)
        return client.post(url, data={"csrf_token": self.tokens[who], **(data or {})}, **kw)


def build_web(api: Api) -> Web:
    api.env.uow.run(lambda conn: conn.execute(update(users).values(password_hash=password_hash())))
    return Web(api)


def _close(w: Web) -> None:
    for c in w.clients.values():
        c.close()
    w.api.client.close()


@pytest.fixture
def web(env) -> Web:
    w = build_web(build_api(env))
    yield w
    _close(w)


@pytest.fixture
def sqlite_web(sqlite_env) -> Web:
    w = build_web(build_api(sqlite_env))
    yield w
    _close(w)
