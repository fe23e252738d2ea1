"""The web service and dashboard (``tradewar serve``): see ``app.create_app``."""

from .app import create_app
from .service import Limits

__all__ = ["Limits", "create_app"]
