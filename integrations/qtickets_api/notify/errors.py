"""What can go wrong when sending: each a ZakazError, so every command ends with one clear line."""

from __future__ import annotations

from ..errors import ConfigError, ZakazError


class SendError(ZakazError):
    """The messenger refused or could not be reached (exit 1)."""


class BadTokenError(SendError):
    exit_code = 2


class BadChatError(SendError):
    exit_code = 2


__all__ = ["BadChatError", "BadTokenError", "ConfigError", "SendError"]
