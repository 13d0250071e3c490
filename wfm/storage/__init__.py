"""Storage: SQLAlchemy tables, engine/migrations and the repository functions."""

from wfm.storage.db import connect, create, database_url, migrate
from wfm.storage import tables

__all__ = ["connect", "create", "database_url", "migrate", "tables"]
