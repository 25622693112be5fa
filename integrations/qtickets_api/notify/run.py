"""The two things the command and the service do: send the digest, and check the alerts."""

from __future__ import annotations

import logging
from datetime import datetime

from ..storage.connection import Storage
from . import alerts, digest, state
from .sender import Sender, broadcast
from .settings import NotifySettings

log = logging.getLogger("integrations.qtickets_api")


def send_digest(storage: Storage, settings: NotifySettings, sender: Sender, now: datetime) -> str:
    text = digest.render(digest.gather(storage, settings, now), settings)
    messages = broadcast(sender, settings.chat_ids, text)
    log.info("Digest sent via %s: %d message(s) to %d chat(s)", sender.name, messages, len(settings.chat_ids))
    return text


def digest_due(storage: Storage, settings: NotifySettings, now: datetime) -> bool:
    """Past today's digest time in the organiser's zone and not yet sent today (kept in ClickHouse)."""
    local = now.astimezone(settings.zone)
    return local.time() >= settings.digest_time and not state.digest_sent(storage, local.date().isoformat())


def scheduled(storage: Storage, settings: NotifySettings, sender: Sender, now: datetime) -> alerts.Outcome:
    """One tick of the service's timer: the digest when due, then the alerts."""
    if digest_due(storage, settings, now):
        send_digest(storage, settings, sender, now)
        state.mark_digest(storage, now.astimezone(settings.zone).date().isoformat(), now)
    return alerts.check(storage, settings, sender, now)
