"""QTickets REST API → ClickHouse: the loader, the /orders probe and the QTickets simulator."""

__version__ = "0.1.0"
