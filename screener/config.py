"""Screener's settings: defaults, and SCREENER_* environment variables with clear errors."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PREFIX = "SCREENER_"


class ConfigError(ValueError):
    """A setting with a value Screener cannot use."""


def _text(value: str) -> str:
    return value


def _at_least(minimum: int) -> Callable[[str], int]:
    """A parser for a whole number of seconds no smaller than ``minimum``."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"must be a whole number of seconds, not {value!r}") from None
        if number < minimum:
            raise ConfigError(f"must be at least {minimum} seconds, not {number}")
        return number

    return parse


_seconds = _at_least(60)


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"must be 1 or 0, not {value!r}")


def _key_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"must be a port number, not {value!r}") from None
    if not 1 <= number <= 65535:
        raise ConfigError(f"must be a port number from 1 to 65535, not {number}")
    return number


def _path_list(value: str) -> list[str]:
    return [part for part in value.split(":") if part]


def _origins(value: str) -> list[str]:
    """Origins as browsers write them: lower case, no default port, nothing else."""
    origins = []
    for part in (p.strip().rstrip("/") for p in value.split(",")):
        if not part:
            continue
        parts = urlsplit(part)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username is not None
            or port == -1
            or not re.fullmatch(r"[a-z0-9.-]+", parts.hostname)
        ):
            raise ConfigError(
                f"{part!r} is not an origin such as 'https://www.example.org' "
                "(scheme, host and port only; no wildcards)"
            )
        default = {"http": 80, "https": 443}[parts.scheme]
        suffix = f":{port}" if port not in (None, default) else ""
        origins.append(f"{parts.scheme}://{parts.hostname}{suffix}")
    return origins


_PHONE = re.compile(r"\+?[0-9](?:[0-9 -]{0,18}[0-9])?")


def phone_number(value: str) -> str:
    """An emergency number as people dial it: digits, spaces, + and -, at most 20."""
    if not _PHONE.fullmatch(value.strip()):
        raise ConfigError(
            f"must be a phone number such as 999 or 112 (digits, spaces, + and -, "
            f"at most 20), not {value!r}"
        )
    return value.strip()


# The emergency number of a region (ISO 3166 code), for the rules file's language.
# 112 answers across the EU and the EEA; the others are the numbers people know.
_EU_EEA = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"
)
EMERGENCY_NUMBERS: dict[str, str] = {
    "GB": "999",
    "US": "911",
    "CA": "911",
    "AU": "000",
    "NZ": "111",
    **dict.fromkeys(_EU_EEA.split(), "112"),
}


def emergency_number_for(language: str) -> str:
    """The emergency number of a language's region (``en_GB`` → 999), or "" when the
    language names no region Screener knows the number of."""
    _, _, region = language.replace("-", "_").partition("_")
    return EMERGENCY_NUMBERS.get(region.upper(), "")


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{value!r} is not a known time zone (try 'Europe/London')") from None
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: its config key, default, parser and meaning (for the README)."""

    key: str
    default: Any
    parse: Callable[[str], Any]
    help: str


SETTINGS = (
    Setting(
        "RULES", None, _text, "Path of the rules file. Default: the packaged prostate-massage.yaml."
    ),
    Setting(
        "SECRET_KEY",
        None,
        _text,
        "Key for the answers token. Required by `screener serve`; keep it secret and the same "
        "on every instance. Without it a development server makes a random one.",
    ),
    Setting(
        "SECRET_KEY_FALLBACKS",
        [],
        _key_list,
        "Comma-separated older keys still accepted while answers tokens made with them expire.",
    ),
    Setting(
        "ANSWERS_TTL",
        None,
        _seconds,
        "Seconds an answers token stays valid after the last page (at least 60). Default: "
        "1800, or 900 in kiosk mode.",
    ),
    Setting("KIOSK", False, _flag, "1 turns on kiosk mode for a waiting-room touch screen."),
    Setting(
        "KIOSK_IDLE",
        90,
        _at_least(10),
        "Kiosk: seconds without a touch on a question before the are-you-still-there dialog.",
    ),
    Setting("KIOSK_RESULT_IDLE", 180, _at_least(10), "Kiosk: the same, on the result page."),
    Setting(
        "KIOSK_COUNTDOWN",
        30,
        _at_least(20),
        "Kiosk: seconds the dialog counts down before the screen clears (at least 20).",
    ),
    Setting("TIMEZONE", "UTC", _timezone, "Time zone for the date and time on the result page."),
    Setting(
        "EMBED_ORIGINS",
        [],
        _origins,
        "Comma-separated origins allowed to embed Screener in an iframe and call the API "
        "from the browser, such as https://www.example.org.",
    ),
    Setting(
        "LANGUAGES",
        [],
        _key_list,
        "Comma-separated languages to offer, such as es,en-GB; the first is the default when the "
        "browser asks for none of them. Default: every language whose catalog is complete, "
        "with the rules file's own language first.",
    ),
    Setting(
        "TRANSLATIONS",
        [],
        _path_list,
        "Colon-separated directories of extra gettext catalogs (translations of your own "
        "rules file, say), read after Screener's own. See docs/translating.md.",
    ),
    Setting(
        "METRICS_PORT",
        None,
        _port,
        "Port on which `screener serve` publishes anonymous aggregate metrics for Prometheus "
        "(screenings by outcome tier, request latency). Default: off.",
    ),
    Setting(
        "METRICS_HOST",
        "127.0.0.1",
        _text,
        "Address of the metrics listener. Keep it off the public network.",
    ),
    Setting(
        "FORWARDED_ALLOW_IPS",
        "127.0.0.1",
        _text,
        "Comma-separated addresses of the reverse proxies whose X-Forwarded-Proto "
        "`screener serve` trusts (to know a request came over HTTPS).",
    ),
    Setting("BRAND_NAME", "Screener", _text, "Name shown in the header of every page."),
    Setting(
        "LOGO",
        "",
        _text,
        "Path of a logo shown in the header (.svg, .png or .webp, at most 16 KB).",
    ),
    Setting(
        "THEME_CSS",
        "",
        _text,
        "Path of a CSS file that sets Screener's custom properties (colours, font); it is "
        "added to Screener's stylesheet.",
    ),
    Setting(
        "EMERGENCY_NUMBER",
        "",
        phone_number,
        "Emergency phone number the texts give (digits, spaces, + and -). Default: the number "
        "of the region of the rules file's language (en_GB: 999; see docs/deploy.md), else "
        "'your local emergency number'.",
    ),
)


def defaults() -> dict[str, Any]:
    """Every setting at its default."""
    return {s.key: s.default for s in SETTINGS}


def from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings given as ``SCREENER_*`` variables; raise ConfigError naming each bad one."""
    found: dict[str, Any] = {}
    errors = []
    for setting in SETTINGS:
        raw = environ.get(PREFIX + setting.key)
        if raw is None or raw == "":
            continue
        try:
            found[setting.key] = setting.parse(raw)
        except ConfigError as e:
            errors.append(f"{PREFIX}{setting.key} {e}")
    if errors:
        raise ConfigError("; ".join(errors))
    return found
