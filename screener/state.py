"""The answers token: a person's answers, carried between pages inside the form.

Screener stores nothing. Between one page and the next, the answers travel in
a hidden form field as a token sealed with AES-256-GCM-SIV under a key derived
from the secret key. The token is never put in a URL or a cookie. It is bound
to one ruleset (the rules file's sha256 is authenticated with it) and expires
after a configured time, so a token can only be read back by a server holding
the same secret and serving the same rules.

A token is URL-safe base64, without padding, of::

    version (1 byte, 2) | sealed at (8 bytes, Unix seconds, big-endian)
    | nonce (12 random bytes) | the answers as JSON, encrypted | tag (16 bytes)

The version and time are authenticated, with the ruleset's sha256, as associated
data: changing any of them, or opening the token for other rules, fails. GCM-SIV
keeps the answers safe even if a random nonce were ever repeated, with usage
limits no site could reach; it is also cheaper than HMAC plus CBC, and every
page seals a token.

The JSON is padded with spaces to the length of the longest answers the rules
allow, so every token of a ruleset is as long as every other: a token's length
says nothing about how far someone got or what they answered ("no" is shorter
than "unsure").

Whatever a correctly sealed token holds that is not a flat object of text to
text no longer than that padding (nested lists, numbers, nulls, a JSON nested
a thousand levels deep) is refused with TokenError like a tampered token,
never with another exception.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import struct
import time
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_CONTEXT = b"screener answers token v2"
_VERSION = 2
_HEADER = struct.Struct(">BQ")  # version, sealed at
_NONCE_BYTES = 12
_TAG_BYTES = 16
# Answers longer than the padding (only a bug could seal them, and opening refuses them)
# are padded to a multiple of this, so even they show no more than a rough size.
_PAD_BLOCK = 64
# Clocks of instances behind one load balancer may differ a little; not by more.
MAX_CLOCK_SKEW = 60
MAX_TOKEN_LENGTH = 8192
# Unpadded URL-safe base64 only; anything else is refused before it is decoded.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+")
# Made once: json.dumps with options builds a new encoder on every call.
_JSON_OUT = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=True)
_JSON_IN = json.JSONDecoder()


class TokenError(Exception):
    """A token that cannot be used: tampered, expired, truncated or for other rules."""


class CipherUnavailable(RuntimeError):
    """This machine's cryptography library cannot do AES-GCM-SIV."""


def _cipher(secret: str | bytes) -> AESGCMSIV:
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not raw:
        raise ValueError("the secret key must not be empty")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(raw)
    try:
        return AESGCMSIV(key)
    except UnsupportedAlgorithm as e:
        raise CipherUnavailable(
            "the answers token needs AES-GCM-SIV, which this Python's cryptography library "
            "cannot do: it needs OpenSSL 3.2 or later and no FIPS mode. Install cryptography "
            "from PyPI's wheels (they bring their own OpenSSL); see docs/deploy.md"
        ) from e


def padded_length(answers: Mapping[str, str]) -> int:
    """How long these answers are as a token's JSON: the padding for the longest answers."""
    return len(_JSON_OUT.encode(dict(answers)).encode("utf-8"))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(token: str) -> bytes:
    """The bytes of a token in canonical form; TokenError for anything else."""
    if len(token) > MAX_TOKEN_LENGTH or not _TOKEN_SHAPE.fullmatch(token):
        raise TokenError("missing, oversized or malformed token")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as e:
        raise TokenError("malformed token") from e
    # Only one spelling of each token: no unused bits set, nothing a decoder would skip.
    if _encode(raw) != token:
        raise TokenError("malformed token")
    return raw


class TokenBox:
    """Seals and opens answers tokens for one ruleset, with the current key and older ones."""

    def __init__(
        self,
        secret: str | bytes,
        *,
        ruleset_sha256: str,
        ttl_seconds: int,
        fallbacks: Sequence[str | bytes] = (),
        padded_to: int = 0,
    ) -> None:
        """Derive the keys once; the first key seals, every key opens.

        ``padded_to``: the length every token's JSON is padded to, normally
        ``padded_length`` of the longest answers the rules allow.
        """
        self._ciphers = [_cipher(secret), *(_cipher(s) for s in fallbacks)]
        self.padded_to = padded_to
        self._rules = ruleset_sha256.encode("ascii")
        self.ruleset_sha256 = ruleset_sha256
        self.ttl_seconds = ttl_seconds

    def seal(self, answers: Mapping[str, str], *, now: int | None = None) -> str:
        """Encrypt the answers into a token stamped with the current time."""
        header = _HEADER.pack(_VERSION, int(time.time()) if now is None else now)
        nonce = os.urandom(_NONCE_BYTES)
        payload = _JSON_OUT.encode(dict(answers)).encode("utf-8")
        short = self.padded_to - len(payload)
        if short < 0:
            short = -len(payload) % _PAD_BLOCK
        payload += b" " * short  # JSON allows trailing white space
        sealed = self._ciphers[0].encrypt(nonce, payload, header + self._rules)
        return _encode(header + nonce + sealed)

    def open(self, token: str, *, now: int | None = None) -> dict[str, str]:
        """Decrypt a token; raise TokenError unless it is intact, fresh and for these rules."""
        raw = _decode(token)
        if len(raw) < _HEADER.size + _NONCE_BYTES + _TAG_BYTES:
            raise TokenError("truncated token")
        header = raw[: _HEADER.size]
        version, sealed_at = _HEADER.unpack(header)
        if version != _VERSION:
            raise TokenError("a token from another version of Screener")
        nonce = raw[_HEADER.size : _HEADER.size + _NONCE_BYTES]
        sealed = raw[_HEADER.size + _NONCE_BYTES :]
        for cipher in self._ciphers:
            try:
                payload = cipher.decrypt(nonce, sealed, header + self._rules)
                break
            except InvalidTag:
                continue
        else:
            raise TokenError("the token is tampered, under another key or for other rules")
        current = int(time.time()) if now is None else now
        if sealed_at > current + MAX_CLOCK_SKEW:
            raise TokenError("the token is dated in the future")
        if current - sealed_at > self.ttl_seconds:
            raise TokenError("the token has expired")
        return _answers(payload, self.padded_to)


def _answers(payload: bytes, padded_to: int) -> dict[str, str]:
    """The answers in a token's decrypted JSON; TokenError for anything else.

    Only Screener can seal a token, so what fails here would be a bug of its own (or a
    key that leaked): it is refused like any token that cannot be used, never trusted
    and never allowed to fail in another way. Genuine answers are never longer than the
    padding (it is the length of the longest answers the rules allow), so nothing longer
    is even decoded; the JSON must be one flat object of text to text.
    """
    if padded_to and len(payload) > padded_to:
        raise TokenError("the token holds more than any answers these rules allow")
    try:
        answers = _JSON_IN.decode(payload.decode("utf-8"))
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise TokenError("the token holds no answers") from e
    if not isinstance(answers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in answers.items()
    ):
        raise TokenError("the token holds no answers")
    return answers
