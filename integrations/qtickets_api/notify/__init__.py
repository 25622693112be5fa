"""The promoter's Telegram: a morning digest and alerts that fire once when they start and once when resolved.

``python -m integrations.qtickets_api.notify --envfile F --digest|--check [--dry-run]``; the service runs both on
its schedule (``service/notify_schedule.py``). See docs/telegram.md.
"""

from .settings import NotifySettings, Thresholds, load_notify_settings

__all__ = ["NotifySettings", "Thresholds", "load_notify_settings"]
