"""Re-encrypt every encrypted field under the current SECRET_KEY (the key-rotation job).

``python -m api.security.rotate [--dry-run]`` walks every table of the registered models:
columns named ``*_enc`` and, inside JSON columns, strings in the encrypted format (e.g. the
access token kept encrypted in an idempotency record). Values written under a key in
OLD_SECRET_KEYS are decrypted and encrypted again; values already under the current key are left
alone, so the job can be interrupted and run again. Each batch of rows is its own transaction.

Keyed lookup hashes are not touched: keep LOOKUP_HASH_SECRET equal to the secret they were made
with (see docs/security.md).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from typing import Any

from sqlalchemy import JSON, Engine, select, update

from api.security import crypto

log = logging.getLogger("api.security.rotate")

_ENC_RE = re.compile(r"^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$")


def _rewrap(value: Any) -> tuple[Any, bool]:
    """The value with every stale encrypted string re-encrypted, and whether anything changed."""
    if isinstance(value, str):
        if _ENC_RE.match(value) and crypto.needs_reencryption(value):
            return crypto.encrypt(crypto.decrypt(value)), True
        return value, False
    if isinstance(value, dict):
        changed = False
        out = {}
        for k, v in value.items():
            out[k], c = _rewrap(v)
            changed |= c
        return out, changed
    if isinstance(value, list):
        pairs = [_rewrap(v) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False


def reencrypt_all(engine: Engine, batch_size: int = 500, dry_run: bool = False) -> dict[str, int]:
    from api.models_registry import metadata

    counts: dict[str, int] = {}
    for table in metadata.sorted_tables:
        cols = [c for c in table.columns if c.name.endswith("_enc") or isinstance(c.type, JSON)]
        pks = list(table.primary_key.columns)
        if not cols or len(pks) != 1:
            continue
        pk = pks[0]
        last = None
        changed_rows = 0
        while True:
            with engine.begin() as conn:
                q = select(pk, *cols).order_by(pk).limit(batch_size)
                if last is not None:
                    q = q.where(pk > last)
                rows = conn.execute(q).all()
                for row in rows:
                    values = {}
                    for col in cols:
                        new, changed = _rewrap(row._mapping[col])
                        if changed:
                            values[col.name] = new
                    if values:
                        changed_rows += 1
                        if not dry_run:
                            conn.execute(update(table).where(pk == row._mapping[pk]).values(**values))
            if len(rows) < batch_size:
                break
            last = rows[-1]._mapping[pk]
        if changed_rows:
            counts[table.name] = changed_rows
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-encrypt fields written under a former SECRET_KEY.")
    parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    logging.basicConfig(level="INFO", format="%(levelname)s %(message)s")
    from api.db import get_engine

    counts = reencrypt_all(get_engine(), args.batch_size, args.dry_run)
    verb = "would re-encrypt" if args.dry_run else "re-encrypted"
    for table, n in counts.items():
        print(f"{table}: {verb} {n} rows")
    if not counts:
        print("every encrypted field is already under the current key")
    return 0


if __name__ == "__main__":
    sys.exit(main())
