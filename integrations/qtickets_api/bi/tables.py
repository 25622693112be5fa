"""The fact tables the panels read, named once (``storage.schema`` holds every table of the product)."""

from ..storage import schema

SALES_DETAIL = schema.SALES_DETAIL.name
REFUNDS_DAILY = schema.REFUNDS_DAILY.name
PLAN = schema.PLAN.name
SHOWS = schema.SHOWS.name
EVENTS = schema.EVENTS.name

__all__ = ["EVENTS", "PLAN", "REFUNDS_DAILY", "SALES_DETAIL", "SHOWS"]
