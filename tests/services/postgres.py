"""PostgreSQL for the tests: a database of its own per test, dropped after.

The server is the machine's (``MANA_TEST_POSTGRES``, by default
``postgresql://root@127.0.0.1:5432/postgres``: trust authentication on
loopback). ``fresh_database()`` creates ``mana_test_<random>`` and yields
its URL; ``postgres_url`` is the fixture. Without a server the tests that
ask for one skip with the reason (and ``.ci/run`` fails them).
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

ADMIN_URL = os.environ.get("MANA_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/postgres")


def _admin() -> sa.Engine:
    return sa.create_engine(ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                            isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@functools.cache
def unavailable() -> str | None:
    """Why no test database can be made here (None: it can)."""
    try:
        with _admin().connect() as db:
            db.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as e:
        return f"no PostgreSQL server at {ADMIN_URL}: {str(e.orig or e).strip().splitlines()[0]}"
    return None


def url_of(name: str) -> str:
    return str(sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False))


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database, dropped (its connections ended) after."""
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    name = f"mana_test_{secrets.token_hex(6)}"
    admin = _admin()
    with admin.connect() as db:
        db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url_of(name)
    finally:
        with admin.connect() as db:
            db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url
