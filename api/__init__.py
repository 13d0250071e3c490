"""HTTP API (FastAPI) over the engine's stored results."""

from api.app import create_app

__all__ = ["create_app"]
