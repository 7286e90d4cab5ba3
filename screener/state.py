"""The answers token: a person's answers, carried between pages inside the form.

Screener stores nothing. Between one page and the next, the answers travel
in a hidden form field as a Fernet token (AES-128-CBC with HMAC-SHA256 and a
timestamp) under a key derived from the secret key. The token is never put
in a URL or a cookie. It is bound to one ruleset version and expires after a
configured time, so a token can only be read back by a server holding the
same secret and serving the same rules.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_CONTEXT = b"screener answers token v1"
MAX_TOKEN_LENGTH = 8192
# Fernet tokens are padded URL-safe base64; anything else (such as text after
# the padding, which a lenient decoder would ignore) is refused outright.
_TOKEN_SHAPE = re.compile(r"(?:[A-Za-z0-9_-]{4})+(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?")


class TokenError(Exception):
    """A token that cannot be used: tampered, expired, truncated or for other rules."""


def _fernet(secret: str | bytes) -> Fernet:
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not raw:
        raise ValueError("the secret key must not be empty")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


class TokenBox:
    """Seals and opens answers tokens for one ruleset, with the current key and older ones."""

    def __init__(
        self,
        secret: str | bytes,
        *,
        ruleset_sha256: str,
        ttl_seconds: int,
        fallbacks: Sequence[str | bytes] = (),
    ) -> None:
        """Derive the keys once; the first key seals, every key opens."""
        self._box = MultiFernet([_fernet(secret), *(_fernet(s) for s in fallbacks)])
        self.ruleset_sha256 = ruleset_sha256
        self.ttl_seconds = ttl_seconds

    def seal(self, answers: Mapping[str, str], *, now: int | None = None) -> str:
        """Encrypt the answers into a token stamped with the current time."""
        payload = json.dumps(
            {"r": self.ruleset_sha256, "a": dict(answers)}, separators=(",", ":"), sort_keys=True
        ).encode("utf-8")
        if now is None:
            return self._box.encrypt(payload).decode("ascii")
        return self._box.encrypt_at_time(payload, now).decode("ascii")

    def open(self, token: str, *, now: int | None = None) -> dict[str, str]:
        """Decrypt a token; raise TokenError unless it is intact, fresh and for these rules."""
        if len(token) > MAX_TOKEN_LENGTH or not _TOKEN_SHAPE.fullmatch(token):
            raise TokenError("missing, oversized or malformed token")
        try:
            raw = token.encode("ascii")
            if now is None:
                payload = self._box.decrypt(raw, ttl=self.ttl_seconds)
            else:
                payload = self._box.decrypt_at_time(raw, ttl=self.ttl_seconds, current_time=now)
            data = json.loads(payload)
        except (InvalidToken, UnicodeError, ValueError) as e:
            raise TokenError("the token is invalid or has expired") from e
        if not isinstance(data, dict) or data.get("r") != self.ruleset_sha256:
            raise TokenError("the token was made for other rules")
        answers = data.get("a")
        if not isinstance(answers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in answers.items()
        ):
            raise TokenError("the token holds no answers")
        return answers
