"""The organiser's dashboard: a Starlette app (``create_app``), its page, and the vendored static files."""

from .app import create_app

__all__ = ["create_app"]
