"""The fact tables the panels read, named once (``storage.schema`` holds every table of the product)."""

from ..storage import schema

SALES_DETAIL = schema.SALES_DETAIL.name
REFUNDS_DAILY = schema.REFUNDS_DAILY.name
PLAN = schema.PLAN.name

__all__ = ["PLAN", "REFUNDS_DAILY", "SALES_DETAIL"]
