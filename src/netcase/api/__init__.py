"""The JSON API and the application that also serves the web pages (``create_app``)."""

from netcase.api.app import create_app

__all__ = ["create_app"]
