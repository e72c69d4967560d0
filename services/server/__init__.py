"""``mana serve``: the library service over HTTP.

``create_app`` (in ``services.server.app``) wraps any ``LibraryService``
engine in a FastAPI application; ``serve`` (``services.server.cli``) runs it
with uvicorn. This package imports FastAPI only in those modules, so the
kiosk can import ``services.server.wire`` without it.
"""
