"""A lock held until the current transaction ends, named by a string.

Used where a check and a write must not interleave between two requests but
there is no row to lock yet: the rate limit's count and insert, and a refund
kept before its payment against that payment arriving at the same moment.

- PostgreSQL: `pg_advisory_xact_lock` on a 64-bit hash of the name; released
  at commit or rollback, so a second request reads the first one's rows once
  it has the lock (READ COMMITTED takes a fresh snapshot per statement).
- SQLite: nothing to do. The shop's transactions BEGIN IMMEDIATE
  (bookshop/settings.py), which takes the database's write lock: writers are
  already serialized, reads included.

Other databases are not supported by the shop's settings.
"""

import hashlib

from django.db import connection


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a name (what pg_advisory locks take)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def transaction_lock(name: str) -> None:
    """Wait for, then hold until the transaction ends, the lock called name.

    Must be called inside transaction.atomic(): outside one the lock would be
    released at once and protect nothing.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("transaction_lock needs a transaction to hold the lock in.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
