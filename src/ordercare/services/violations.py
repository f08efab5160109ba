"""What an invariant check reports: one row per broken invariant, with what was expected and what was found."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Connection, select

from ..store.tables import products, warehouses


@dataclass(frozen=True)
class Violation:
    check: str  # the invariant's name, e.g. "stock_conservation"
    subject: str  # the offending row in the user's words: "stock RTM/PWT-0021", "order SO-0000042 line 7"
    expected: str
    found: str
    message: str  # one sentence, starting with the subject

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def names(conn: Connection) -> tuple[dict[int, str], dict[int, str]]:
    """Warehouse codes and SKUs by id, so a violation names the row as people know it."""
    return (dict(conn.execute(select(warehouses.c.id, warehouses.c.code)).all()),
            dict(conn.execute(select(products.c.id, products.c.sku)).all()))
