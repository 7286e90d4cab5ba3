"""Screener's settings: defaults, and SCREENER_* environment variables with clear errors.

Every problem with a setting is one line, ``SCREENER_<KEY>: <the problem>``, and
never holds a secret key or any part of one.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import secrets
import socket
import unicodedata
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

PREFIX = "SCREENER_"


class ConfigError(ValueError):
    """Settings with values Screener cannot use: one problem per line, each shaped
    ``SCREENER_<KEY>: <the problem>`` when it is about one setting."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems: tuple[str, ...] = problems


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


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def public_url(value: str) -> str:
    """The address people and systems reach Screener at, such as https://screener.example.org:
    https (plain http only on this machine, for development), a host, optionally a port and
    a path prefix; no query, fragment or user name. Returned without a trailing slash."""
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    # urlsplit lower-cases the scheme and host it reports; the address itself must be
    # written so (the canonical addresses are compared as text), with no empty port.
    written = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    if (
        parts.scheme not in ("http", "https")
        or not text.startswith(f"{parts.scheme}://")
        or parts.netloc != written
        or not host
        or parts.query
        or parts.fragment
        or "?" in text
        or "#" in text
        or parts.username is not None
        or port == -1
        or not re.fullmatch(r"[a-z0-9.:-]+", host)
        or not re.fullmatch(r"(/[A-Za-z0-9._~-]+)*", parts.path)
        or any(segment in (".", "..") for segment in parts.path.split("/"))
    ):
        raise ConfigError(
            f"{value!r} is not an address such as 'https://screener.example.org' "
            "(scheme, host, optionally a port and a path; lower case, nothing else)"
        )
    if parts.scheme == "http" and host not in _LOOPBACK:
        raise ConfigError(
            f"{value!r} uses http; the address FHIR documents name must be https "
            "(plain http only for localhost or 127.0.0.1)"
        )
    return text


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


# --------------------------------------------------------------------------- the secret key
#
# The answers token's key is derived from SCREENER_SECRET_KEY with HKDF and no secret
# salt, so whoever captures one token can try keys offline as fast as their hardware
# allows: the key must be random, not merely long. It is accepted when
#
# 1. it is written as 64 or more hex characters (4 bits each, either case), or as 43 or
#    more base64 characters (6 bits each), URL-safe (A-Z a-z 0-9 - _) or standard
#    (A-Z a-z 0-9 + /), with or without = padding: at least 256 bits by its length;
# 2. it is at most 512 characters long; and
# 3. its characters cannot be written down in fewer than 192 bits by a simple
#    description of them that tries what people type instead of random keys: common
#    words, repeats of an earlier stretch, runs (abcd, 9876, aaaa) and English-like
#    letters, with one literal character wherever none of those helps.
#
# The description is a prefix code whose lengths satisfy Kraft's inequality, so at most
# 2**192 of the strings of a given length can be described in under 192 bits. A random
# key of n characters from an alphabet of A is one of A**n >= 2**256 strings, each as
# likely: the chance it is refused is at most 2**192 / 2**256 = 2**-64. A key someone
# made up (a word repeated, a pattern, a sentence) is described in far fewer bits.

MIN_KEY_BITS = 256
MAX_KEY_LENGTH = 512
MIN_DESCRIBED_BITS = 192
KEYGEN_HINT = "make a key with `screener keygen`"

_HEX_KEY = re.compile(r"[0-9a-fA-F]+")
_URLSAFE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_STANDARD_KEY = re.compile(r"[A-Za-z0-9+/]+")
_HEX_ORDER = "0123456789abcdef"
# In the order of their codes, so that a run such as 789 or xyz is one step at a time.
_URLSAFE_ORDER = "".join(sorted("-_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
_STANDARD_ORDER = "".join(
    sorted("+/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
)

# Words people put in keys they make up: common English words, common passwords and
# their pieces, keyboard rows, words of this trade and words spelt in hex digits.
_WORD_LIST = """
    the and for are but not you all any can her was one our out day get has him his how
    man new now old see two way who boy did its let put say she too use dad mom mum end
    far few got had lot may own run set sun top try why yes yet big red bad bed cab fab
    fed ace add art ask bag box car cat cow cry cup cut dog dry ear eat egg eye fan fat
    fit fix fly fox fun gas god guy hat hit hot ice ink job joy key kid leg lie lip log
    map mix net nut oil pan pay pen pet pie pig pin pop pot raw row sad sea sit six sky
    son tax tea ten tie tin toe toy war wet win yard
    this that with have from they will would there their what about which when make like
    time just know take people into year your good some could them than then look only
    come over think also back after work first well even want because these give most
    here need more long many such made said each much both same last life
    still every never under while might great where keep must right world small since
    place again going home house water light night words thing things always
    other number before little being start open close hello
    love live lives happy happiness money power magic secret secrets private public
    safe safety secure security strong stronger strongest random string value values
    super simple sample example demo default change changed changeme letmein welcome
    password passwords passphrase passw0rd p4ssword pass word login admin administrator
    root user username guest test tests testing tester dev develop development devel
    prod production stage staging local localhost server service services system config
    configuration setting settings token tokens session cookie crypto cipher encrypt
    encryption decrypt hash salt pepper randomness entropy really truly very
    screener screen screening flask python django clinic clinical health healthcare
    hospital doctor nurse patient medical medicine care prostate massage check checker
    question questions answer answers rules result results outcome emergency urgent
    qwerty qwertz azerty qwertyuiop asdf asdfgh asdfghjkl zxcv zxcvbn zxcvbnm
    iloveyou monkey dragon master shadow sunshine princess football baseball soccer
    superman batman trustno trustnoone whatever freedom starwars pokemon ninja mustang
    access flower summer winter spring autumn charlie michael jordan harley hunter
    ranger buster tigger thomas robert jennifer jessica daniel andrew joshua ashley
    computer internet google apple banana orange cherry lemon chocolate cheese
    correct horse battery staple purple yellow green black white brown silver golden
    gold blue pink grey gray rainbow tiger lion bear wolf eagle shark
    zero three four five seven eight nine eleven twelve hundred
    thousand million billion second third
    monday tuesday wednesday thursday friday saturday sunday january february march
    april june july august september october november december
    dead beef cafe babe face feed fade bead deaf decade facade coffee c0ffee deadbeef
    badc0de abba added faded ebbed accede decaf
"""
_WORDS = frozenset(_WORD_LIST.split())
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_START = "^"


@cache
def _letter_costs() -> dict[tuple[str, str], float]:
    """Bits to write each lower-case letter after the one before it (or at the start),
    from a letter-pair model of the word list (every pair counted once more, so none is
    impossible)."""
    counts = {(a, b): 1 for a in _START + _LETTERS for b in _LETTERS}
    for word in _WORDS:
        previous = _START
        for letter in word:
            if letter in _LETTERS:
                counts[previous, letter] += 1
                previous = letter
    totals = {a: sum(counts[a, b] for b in _LETTERS) for a in _START + _LETTERS}
    return {(a, b): math.log2(totals[a] / count) for (a, b), count in counts.items()}


def _length_bits(length: int) -> int:
    """Bits of Elias's gamma code for a length of at least 1."""
    return 2 * (length.bit_length() - 1) + 1


# What each kind of piece of a description costs to announce. A literal character is the
# likely case (15/16); a word, a repeat, a run and a stretch of letters take 1/64 each.
_LITERAL_TAG = math.log2(16 / 15)
_OTHER_TAG = 6.0
_WORD_BITS = _OTHER_TAG + math.log2(len(_WORDS)) + math.log2(3)  # lower, Capital or UPPER
_RUN_TAG = _OTHER_TAG + math.log2(3)  # one step down, none or one up
_KINDS = {
    "words": "common words",
    "repeats": "repeats",
    "runs": "runs such as abcd or 4321",
    "letters": "English-like letters",
}


def described_bits(text: str, order: str) -> tuple[float, frozenset[str]]:
    """The fewest bits in which ``text`` (in the alphabet ``order``) can be written as
    literal characters, common words, repeats, runs and stretches of English-like
    letters, and the kinds of piece (other than literals) that description uses."""
    n = len(text)
    literal = _LITERAL_TAG + math.log2(len(order))
    position = {c: i for i, c in enumerate(order)}
    # The longest stretch from each position that also starts earlier (it may overlap).
    repeated = [0] * n
    for distance in range(1, n):
        stretch = 0
        for i in range(n - 1, distance - 1, -1):
            stretch = stretch + 1 if text[i] == text[i - distance] else 0
            repeated[i] = max(repeated[i], stretch)
    letter_bits = _letter_costs()
    longest_word = max(len(w) for w in _WORDS)

    best = [0.0] + [math.inf] * n
    kinds: list[frozenset[str]] = [frozenset()] * (n + 1)

    def offer(start: int, end: int, bits: float, kind: str | None) -> None:
        total = best[start] + bits
        if total < best[end]:
            best[end] = total
            kinds[end] = kinds[start] | {kind} if kind else kinds[start]

    for i in range(n):
        offer(i, i + 1, literal, None)
        if i:
            for length in range(1, repeated[i] + 1):
                offer(i, i + length, _OTHER_TAG + math.log2(i) + _length_bits(length), "repeats")
            step = position[text[i]] - position[text[i - 1]]
            if step in (-1, 0, 1):
                end = i + 1
                while end < n and position[text[end]] - position[text[end - 1]] == step:
                    end += 1
                for length in range(1, end - i + 1):
                    offer(i, i + length, _RUN_TAG + _length_bits(length), "runs")
        for length in range(3, min(longest_word, n - i) + 1):
            piece = text[i : i + length]
            word = piece.lower()
            if word in _WORDS and piece in (word, word.capitalize(), word.upper()):
                offer(i, i + length, _WORD_BITS, "words")
        bits, previous, end = _OTHER_TAG, _START, i
        while end < n and text[end] in _LETTERS:
            bits += letter_bits[previous, text[end]]
            previous, end = text[end], end + 1
            offer(i, end, bits + _length_bits(end - i), "letters")
    return best[n], kinds[n]


def secret_key_problem(key: str) -> str | None:
    """What is wrong with a secret key, in words that quote none of it; None when it
    can be used (see the comment above for what is accepted)."""
    if len(key) > MAX_KEY_LENGTH:
        return f"is longer than {MAX_KEY_LENGTH} characters; {KEYGEN_HINT}"
    if _HEX_KEY.fullmatch(key):
        text, order, bits_each = key.lower(), _HEX_ORDER, 4
    else:
        text = key.rstrip("=")
        padding = len(key) - len(text)
        if _URLSAFE_KEY.fullmatch(text):
            order = _URLSAFE_ORDER
        elif _STANDARD_KEY.fullmatch(text):
            order = _STANDARD_ORDER
        else:
            return (
                "is not written as a key: it has characters such as spaces or punctuation; "
                "write it as 64 or more hex characters, or 43 or more base64 characters "
                f"(A-Z a-z 0-9 and - _, or + /; = padding allowed); {KEYGEN_HINT}"
            )
        if padding and (padding > 2 or len(key) % 4):
            return f"is not base64: its = padding does not fit its length; {KEYGEN_HINT}"
        bits_each = 6
    if bits_each * len(text) < MIN_KEY_BITS:
        kind = "hex" if bits_each == 4 else "base64"
        count = f"{len(text)} {kind} character" + ("s hold" if len(text) != 1 else " holds")
        return (
            f"is too short: {count} at most {bits_each * len(text)} bits, and a key needs "
            f"{MIN_KEY_BITS} (64 hex or 43 base64 characters); {KEYGEN_HINT}"
        )
    bits, kinds = described_bits(text, order)
    if bits < MIN_DESCRIBED_BITS:
        named = [_KINDS[k] for k in _KINDS if k in kinds] or ["its characters"]
        made_of = ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]
        return (
            f"is not random: made of {made_of}, it can be written down in "
            f"{math.floor(bits)} bits, and a key must need at least {MIN_DESCRIBED_BITS} "
            f"(a random one needs about {MIN_KEY_BITS}); {KEYGEN_HINT}"
        )
    return None


def new_secret_key() -> str:
    """A new random key as `screener keygen` prints it: 32 random bytes in URL-safe base64."""
    while True:  # a refusal is a 2**-64 chance; never hand out a key serve would refuse
        key = secrets.token_urlsafe(32)
        if secret_key_problem(key) is None:
            return key


def _secret_key(value: str) -> str:
    problem = secret_key_problem(value)
    if problem is not None:
        raise ConfigError(problem)
    return value


def _secret_keys(value: str) -> list[str]:
    """Comma-separated keys, each checked as SCREENER_SECRET_KEY is; entries are named by
    their position, counting every comma."""
    keys, problems = [], []
    for number, part in enumerate((p.strip() for p in value.split(",")), start=1):
        if not part:
            continue
        problem = secret_key_problem(part)
        if problem is None:
            keys.append(part)
        else:
            problems.append(f"entry {number} {problem}")
    if problems:
        raise ConfigError("; ".join(problems))
    return keys


def _rules_path(value: str) -> str:
    """A rules file that is there to be read (whether it is a good one is for the loader)."""
    if not os.path.exists(value):
        raise ConfigError(f"no such file {value!r}")
    if os.path.isdir(value):
        raise ConfigError(f"{value!r} is a directory, not a rules file")
    if not os.access(value, os.R_OK):
        raise ConfigError(f"cannot read {value!r} (permission denied)")
    return value


def _directories(value: str) -> list[str]:
    """Colon-separated directories that are there to be read."""
    found = []
    for part in _path_list(value):
        if not os.path.exists(part):
            raise ConfigError(f"no such directory {part!r}")
        if not os.path.isdir(part):
            raise ConfigError(f"{part!r} is not a directory")
        if not os.access(part, os.R_OK | os.X_OK):
            raise ConfigError(f"cannot read the directory {part!r} (permission denied)")
        found.append(part)
    return found


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def _languages(value: str) -> list[str]:
    """Comma-separated language tags; whether each has a complete translation is decided
    when the catalogs are loaded (screener.i18n)."""
    tags = _key_list(value)
    for tag in tags:
        if not _LANGUAGE_TAG.fullmatch(tag):
            raise ConfigError(f"{tag!r} is not a language tag such as es or en-GB")
    if not tags:
        raise ConfigError("names no language; leave it unset to offer every complete one")
    return tags


_HOST_NAME = re.compile(
    r"(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)


def _host(value: str) -> str:
    """An IP address or a host name (whether it resolves is checked when serving)."""
    host = value.strip()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_NAME.fullmatch(host):
            raise ConfigError(
                f"{value!r} is not an IP address or a host name, such as 127.0.0.1"
            ) from None
    return host


def check_metrics_host(host: str, port: int) -> None:
    """Raise ConfigError unless SCREENER_METRICS_HOST resolves to an address to listen on."""
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        why = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise ConfigError(f"{PREFIX}METRICS_HOST: cannot resolve {host!r} ({why})") from None


Networks = list[ipaddress.IPv4Network | ipaddress.IPv6Network]


def proxy_networks(value: str) -> Networks | None:
    """The networks of comma-separated IP addresses or networks; None for ``*``, any
    address. ConfigError for anything else."""
    parts = _key_list(value)
    if not parts:
        raise ConfigError("names no address; give the proxies' addresses, such as 127.0.0.1")
    networks: Networks = []
    for part in parts:
        if part == "*":
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(
                f"{part!r} is not an IP address or network (such as 10.0.0.5 or 10.0.0.0/24), "
                "nor * for any address"
            ) from None
    return None if "*" in parts else networks


def _forwarded_allow_ips(value: str) -> str:
    """Comma-separated IP addresses or networks, or * for any address."""
    proxy_networks(value)
    return ",".join(_key_list(value))


MAX_BRAND_NAME = 80
# Characters that would break the header's one line or reorder its text.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _brand_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise ConfigError("is empty; leave it unset for 'Screener'")
    if len(name) > MAX_BRAND_NAME:
        raise ConfigError(f"is {len(name)} characters long; keep it to {MAX_BRAND_NAME} at most")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI_CONTROLS for c in name):
        raise ConfigError(
            "has a control character (a line break, tab or direction override); "
            "write it as plain text on one line"
        )
    return name


@dataclass(frozen=True)
class Setting:
    """One setting: its config key, default, parser and meaning (for the README)."""

    key: str
    default: Any
    parse: Callable[[str], Any]
    help: str


SETTINGS = (
    Setting(
        "RULES",
        None,
        _rules_path,
        "Path of the rules file. Default: the packaged prostate-massage.yaml.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        _secret_key,
        "Key for the answers token: at least 256 random bits, as `screener keygen` prints. "
        "Required by `screener serve`; keep it secret and the same on every instance. Without "
        "it a development server makes a random one.",
    ),
    Setting(
        "SECRET_KEY_FALLBACKS",
        [],
        _secret_keys,
        "Comma-separated older keys (each as strong as the secret key) still accepted while "
        "answers tokens made with them expire.",
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
        _languages,
        "Comma-separated languages to offer, such as es,en-GB; the first is the default when the "
        "browser asks for none of them. Default: every language whose catalog is complete, "
        "with the rules file's own language first.",
    ),
    Setting(
        "TRANSLATIONS",
        [],
        _directories,
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
        _host,
        "Address of the metrics listener. Keep it off the public network.",
    ),
    Setting(
        "FORWARDED_ALLOW_IPS",
        "127.0.0.1",
        _forwarded_allow_ips,
        "Comma-separated addresses of the reverse proxies whose X-Forwarded-Proto "
        "`screener serve` trusts (to know a request came over HTTPS).",
    ),
    Setting(
        "PUBLIC_URL",
        "",
        public_url,
        "The https address people reach Screener at, such as https://screener.example.org. "
        "The FHIR face (docs/fhir.md) builds its canonical addresses from it and is off "
        "without it. `screener serve --dev` uses its own address when it is unset.",
    ),
    Setting(
        "INDEXABLE",
        True,
        _flag,
        "1 (the default) lets search engines index the start page in each language; 0 asks "
        "them to index no page at all, for a private deployment (docs/deploy.md).",
    ),
    Setting("BRAND_NAME", "Screener", _brand_name, "Name shown in the header of every page."),
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
    errors: list[str] = []
    for setting in SETTINGS:
        raw = environ.get(PREFIX + setting.key)
        if raw is None or raw == "":
            continue
        try:
            found[setting.key] = setting.parse(raw)
        except ConfigError as e:
            errors.extend(f"{PREFIX}{setting.key}: {problem}" for problem in e.problems)
    if errors:
        raise ConfigError(*errors)
    return found
