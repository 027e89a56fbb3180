"""Database connections of a process's threads, on a host that may hold
only a few (bookshop/settings.py: on PostgreSQL, each process shares a pool
of DATABASE_POOL_SIZE).

A book lane, its heartbeat and an outbox sender each touch the database for
milliseconds between waits of seconds (an image call, a tick, a PDF render
waiting for its slot, a mail provider). A connection kept through the wait
is one the process's other threads cannot have, so they give it back to
the pool first.
"""

from django.db import connection, connections


def connection_give_back() -> None:
    """Give this thread's connection back to the pool before a wait; the
    next query takes one again. Nothing without a pool (SQLite: a
    connection there is a file, and reopening it costs more than keeping
    it) or inside a transaction."""
    if connection.settings_dict.get("OPTIONS", {}).get("pool") and not connection.in_atomic_block:
        connection.close()


def database_pools_close() -> None:
    """Close this process's connection pools before it forks: a child would
    otherwise share their sockets with it, and two processes talking on one
    connection corrupt it. django-q2 closes connections before it forks,
    which with a pool only gives them back to the pool, still open. A pool
    is made again when next needed."""
    for alias in connections:
        wrapper = connections[alias]
        wrapper.close()
        if alias in getattr(type(wrapper), "_connection_pools", {}):
            wrapper.close_pool()
