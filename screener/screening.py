"""What one app serves: its loaded ruleset, its answers-token box and its clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from screener.ruleset import Ruleset
from screener.state import TokenBox


@dataclass(frozen=True)
class Screening:
    """The app's ruleset, token box and time zone, kept in ``app.extensions``."""

    ruleset: Ruleset
    tokens: TokenBox
    timezone: ZoneInfo

    def now(self) -> datetime:
        """The current time in the configured time zone."""
        return datetime.now(self.timezone)


def screening() -> Screening:
    """The current app's screening."""
    found: Screening = current_app.extensions["screener"]
    return found
