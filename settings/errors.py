"""The one error every settings check raises; its message names the setting and what to do."""

from __future__ import annotations


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names it and says what to do."""
