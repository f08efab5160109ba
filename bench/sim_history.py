"""Are two simulated histories the same? Hashes every table of SQLite databases (rows sorted, so insertion order
and rowid reuse do not matter) and lists the tables that differ.

    python bench/sim_history.py A.db            # each table's row count and hash
    python bench/sim_history.py A.db B.db       # the tables whose rows differ (alembic_version differs when a
                                                # migration was added between the two runs)

Every speed-up of the simulator's services is checked this way: the same scenario simulated by the code before
and after must write the same rows (`ordercare simulate --days 20 --start 2026-03-02 --db X.db` on each tree).
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys


def table_hashes(path: str) -> dict[str, tuple[int, str]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    out = {}
    for name in names:
        rows = sorted(repr(r) for r in con.execute(f'SELECT * FROM "{name}"'))
        out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16])
    con.close()
    return out


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__)
        return 2
    a = table_hashes(argv[0])
    if len(argv) == 1:
        for name, (count, digest) in a.items():
            print(f"{name:40} {count:9} {digest}")
        return 0
    b = table_hashes(argv[1])
    differ = [n for n in sorted(set(a) | set(b)) if a.get(n) != b.get(n)]
    for name in differ:
        print(f"differs: {name}  {a.get(name)}  {b.get(name)}")
    print(f"{len(set(a) | set(b))} tables, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
