"""API keys and roles.

A key looks like ``wfm_<id>_<secret>``: ``id`` (8 hex digits) is public and names the key
in the audit log; only the SHA-256 of the whole key is stored, so a stolen database does
not give working keys (the secret has 256 random bits, so a fast hash is enough). Send it
as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.

Roles: ``admin`` (keys, audit log, configuration), ``planner`` (read and write plans),
``desk`` (the real-time desk, read-only), ``integration`` (push actuals and events only).
Each route names the roles it admits; a missing or unknown key is 401, a known key of
another role 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from wfm.storage import repository as repo
from wfm.storage import tables as t

ROLES = ("admin", "planner", "desk", "integration")


@dataclass(frozen=True)
class Caller:
    key_id: str
    name: str
    role: str


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(conn: Connection, name: str, role: str) -> tuple[str, str]:
    """Store a new key for ``role``; returns (key id, the key — shown once, never stored)."""
    if role not in ROLES:
        raise ValueError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if not name.strip() or len(name) > 128:
        raise ValueError("name: 1 to 128 characters naming who or what holds the key")
    key_id = secrets.token_hex(4)
    key = f"wfm_{key_id}_{secrets.token_urlsafe(32)}"
    conn.execute(t.api_keys.insert().values(id=key_id, name=name.strip(), role=role, key_sha256=_digest(key),
                                            created_at=repo.now_utc()))
    return key_id, key


def revoke_key(conn: Connection, key_id: str) -> bool:
    """Revoke a key (kept for the audit trail); False when no active key has this id."""
    res = conn.execute(update(t.api_keys).where(t.api_keys.c.id == key_id).where(t.api_keys.c.revoked_at.is_(None))
                       .values(revoked_at=repo.now_utc()))
    return bool(res.rowcount)


def caller_of(conn: Connection, key: str | None) -> Caller | None:
    """The active key's holder, or None for a missing, malformed, unknown or revoked key."""
    if not key or not key.startswith("wfm_") or key.count("_") < 2:
        return None
    key_id = key.split("_", 2)[1]
    row = conn.execute(select(t.api_keys).where(t.api_keys.c.id == key_id)).mappings().first()
    if row is None or row["revoked_at"] is not None or not hmac.compare_digest(row["key_sha256"], _digest(key)):
        return None
    return Caller(row["id"], row["name"], row["role"])


def list_keys(conn: Connection) -> list[dict]:
    rows = conn.execute(select(t.api_keys.c.id, t.api_keys.c.name, t.api_keys.c.role, t.api_keys.c.created_at,
                               t.api_keys.c.revoked_at).order_by(t.api_keys.c.created_at)).mappings().all()
    return [dict(r) for r in rows]
