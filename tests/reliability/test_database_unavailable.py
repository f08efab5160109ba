"""A database that cannot be reached is a 503 the client may retry, in the one error shape — not a 500."""

from fastapi.testclient import TestClient

from ordercare.api.app import create_app
from ordercare.config import Settings
from ordercare.store.db import UnitOfWork, make_engine
from tests.reliability.throwaway_pg import free_port


def test_an_unreachable_database_answers_503_with_retry_after():
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"  # nothing listens there
    app = create_app(Settings(database_url=url), uow=UnitOfWork(make_engine(url)))
    client = TestClient(app, raise_server_exceptions=False)
    for method, path in (("GET", "/api/v1/orders"), ("POST", "/api/v1/orders")):
        r = client.request(method, path, headers={"Authorization": "Bearer oc_x"}, json={})
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "1"
        assert r.json() == {"error": {"code": "database_unavailable",
                                      "message": "the database is not available right now; retry shortly"}}
        assert "psycopg" not in r.text and "127.0.0.1" not in r.text
