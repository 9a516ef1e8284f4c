"""Alembic revisions, applied in order by ``monitor.store.migrations.upgrade``."""
