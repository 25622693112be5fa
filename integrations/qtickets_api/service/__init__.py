"""The one long-running process: the dashboard, the scheduled loader and the QTickets webhooks, in one asyncio
loop. ``Service`` holds what it opened, ``build_app`` makes the ASGI app, ``LoaderSchedule`` runs the loader."""

from ..errors import ServiceStoppingError
from .options import ServiceOptions, WebhookOptions, is_loopback, service_options, webhook_options
from .readers import ReaderCredentials, ReaderPool
from .runtime import Service, build_app
from .schedule import LoaderSchedule, RunStatus
from .stopping import StoppableTransport
from .window import scheduled_window

__all__ = [
    "LoaderSchedule",
    "ReaderCredentials",
    "ReaderPool",
    "RunStatus",
    "Service",
    "ServiceOptions",
    "ServiceStoppingError",
    "StoppableTransport",
    "WebhookOptions",
    "build_app",
    "is_loopback",
    "scheduled_window",
    "service_options",
    "webhook_options",
]
