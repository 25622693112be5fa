"""The BI layer: the ``bi_*`` views any BI tool reads (``views/*.sql``, installed by ``install``), and the
queries behind each panel of the dashboard (``panels``), with their filters (``filters``)."""

from .install import View, install, views

__all__ = ["View", "install", "views"]
