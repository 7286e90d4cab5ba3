"""The answers token: sealed, tamper-evident, time-limited, bound to one ruleset."""

from __future__ import annotations

import base64
import json
import os
import struct
import time

import pytest

from screener.state import (
    _HEADER,
    _VERSION,
    MAX_CLOCK_SKEW,
    MAX_TOKEN_LENGTH,
    TokenBox,
    TokenError,
    padded_length,
)

ANSWERS = {"fever_recent": "no", "severe_pain": "unsure"}


def box(
    secret: str = "secret", sha: str = "a" * 64, ttl: int = 600, fallbacks: tuple[str, ...] = ()
) -> TokenBox:
    return TokenBox(secret, ruleset_sha256=sha, ttl_seconds=ttl, fallbacks=fallbacks)


def test_round_trip() -> None:
    assert box().open(box().seal(ANSWERS)) == ANSWERS


def raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def spelt(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_token_reveals_nothing() -> None:
    token = box().seal(ANSWERS)
    raw_bytes = raw(token)
    assert "=" not in token and "+" not in token and "/" not in token
    for text in ("fever_recent", "unsure", "severe_pain"):
        assert text.encode() not in raw_bytes and text not in token
    assert b"a" * 16 not in raw_bytes  # the rules' sha256 is authenticated, not carried


def test_tokens_padded_to_the_longest_answers_are_all_one_length() -> None:
    longest = {"fever_recent": "unsure", "severe_pain": "unsure"}
    padded = TokenBox(
        "k", ruleset_sha256="a" * 64, ttl_seconds=60, padded_to=padded_length(longest)
    )
    answer_sets: list[dict[str, str]] = [
        {},
        {"for_you": "no"},
        {"fever_recent": "yes"},
        ANSWERS,
        longest,
    ]
    assert len({len(padded.seal(a)) for a in answer_sets}) == 1
    assert len(raw(padded.seal({}))) == 9 + 12 + padded_length(longest) + 16  # no more than that
    assert [padded.open(padded.seal(a)) for a in answer_sets] == answer_sets
    assert len({len(box().seal(a)) for a in answer_sets}) == 1  # unpadded: one 64-byte block


def test_answers_longer_than_the_padding_are_sealed_in_blocks_and_never_opened() -> None:
    """Only a bug could seal them (the padding is the longest answers the rules allow):
    such a token still shows no more than a rough size, and is refused like any other
    token that cannot be used. Without padding, any length opens."""
    padded = TokenBox("k", ruleset_sha256="a" * 64, ttl_seconds=60, padded_to=40)
    long = {f"question_{i}": "unsure" for i in range(10)}
    token = padded.seal(long)
    assert (len(raw(token)) - 9 - 12 - 16) % 64 == 0
    with pytest.raises(TokenError, match="more than any answers"):
        padded.open(token)
    exact = {"q": "x" * (40 - len('{"q":""}'))}
    assert padded_length(exact) == 40 and padded.open(padded.seal(exact)) == exact
    assert box().open(box().seal(long)) == long


def seal_bytes(tokens: TokenBox, payload: bytes, *, now: int | None = None) -> str:
    """A correctly sealed token holding any bytes at all, as only a bug of Screener's (or
    someone holding the key) could make one."""
    header = _HEADER.pack(_VERSION, int(time.time()) if now is None else now)
    nonce = os.urandom(12)
    sealed = tokens._ciphers[0].encrypt(nonce, payload, header + tokens.ruleset_sha256.encode())
    token = spelt(header + nonce + sealed)
    assert len(token) <= MAX_TOKEN_LENGTH, "a token the box reads, not one it refuses unread"
    return token


# The most a token can hold: its bytes in MAX_TOKEN_LENGTH base64 characters, less the
# header, nonce and tag.
MOST = MAX_TOKEN_LENGTH * 3 // 4 - 9 - 12 - 16


# What a genuine token's key could seal that is not answers: each is refused with
# TokenError, never another exception (a RecursionError, a TypeError ...).
NOT_ANSWERS = {
    "nested 1,000 deep": b"[" * 1000 + b"]" * 1000,
    "nested objects 1,000 deep": b'{"a":' * 1000 + b'"x"' + b"}" * 1000,
    "nested as deep as a token allows, unclosed": b"[" * MOST,
    "a list": b'["for_you", "yes"]',
    "a number": b"42",
    "a huge number": b"9" * MOST,
    "a float": b"1e999",
    "NaN": b"NaN",
    "null": b"null",
    "true": b"true",
    "a string": b'"for_you"',
    "a huge string": b'"' + b"x" * (MOST - 2) + b'"',
    "a number for an answer": b'{"for_you": 1}',
    "null for an answer": b'{"for_you": null}',
    "a list for an answer": b'{"for_you": ["yes"]}',
    "an object for an answer": b'{"for_you": {"yes": "no"}}',
    "not UTF-8": b'{"for_you": "\xff"}',
    "UTF-8 for a lone surrogate": b'{"for_you": "\xed\xa0\x80"}',
    "not JSON": b"for_you=yes",
    "two values": b'{"for_you": "yes"} {"for_you": "no"}',
    "empty": b"",
    "spaces": b" " * 100,
    "NUL": b"\x00",
}


@pytest.mark.parametrize("payload", NOT_ANSWERS.values(), ids=NOT_ANSWERS)
@pytest.mark.parametrize("padded_to", [0, 649], ids=["unpadded", "padded"])
def test_sealed_content_that_is_not_answers_is_refused(payload: bytes, padded_to: int) -> None:
    tokens = TokenBox("k", ruleset_sha256="a" * 64, ttl_seconds=60, padded_to=padded_to)
    with pytest.raises(TokenError):
        tokens.open(seal_bytes(tokens, payload))


def test_hundreds_of_entries_open_only_within_the_padding() -> None:
    """A flat object of text is answers as far as the token goes (the pages check the
    ids and values); the padding bounds how many entries can ever be read back."""
    many = {f"{i:x}": "" for i in range(600)}  # about as many as a token can hold
    unpadded = TokenBox("k", ruleset_sha256="a" * 64, ttl_seconds=60)
    assert unpadded.open(unpadded.seal(many)) == many
    padded = TokenBox("k", ruleset_sha256="a" * 64, ttl_seconds=60, padded_to=649)
    with pytest.raises(TokenError, match="more than any answers"):
        padded.open(seal_bytes(padded, json.dumps(many, separators=(",", ":")).encode()))


def test_the_raw_sealer_makes_tokens_the_box_opens() -> None:
    """The helper above seals exactly as TokenBox does, so what it makes is refused for
    what it holds, not for how it was sealed."""
    tokens = TokenBox("k", ruleset_sha256="a" * 64, ttl_seconds=60, padded_to=649)
    assert tokens.open(seal_bytes(tokens, b'{"for_you":"yes"}' + b" " * 40)) == {"for_you": "yes"}


def test_the_time_it_was_sealed_cannot_be_changed() -> None:
    """The header is authenticated: moving the time forward would stretch its lifetime."""
    now = int(time.time())
    token = box(ttl=600).seal(ANSWERS, now=now - 601)
    data = raw(token)
    version, _ = struct.unpack(">BQ", data[:9])
    moved = spelt(struct.pack(">BQ", version, now) + data[9:])
    with pytest.raises(TokenError, match="tampered"):
        box(ttl=600).open(moved, now=now)
    with pytest.raises(TokenError, match="another version"):
        box().open(spelt(bytes([1]) + data[1:]))


def test_a_token_has_one_spelling_only() -> None:
    """The same bytes written with different spare bits in the last character are refused."""
    token = box().seal(ANSWERS)
    assert len(token) % 4 in (2, 3), "these answers must leave spare bits at the end"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    other = token[:-1] + alphabet[last ^ 1]
    assert raw(other) == raw(token)
    with pytest.raises(TokenError, match="malformed"):
        box().open(other)


def test_clocks_may_differ_a_little() -> None:
    now = int(time.time())
    assert box().open(box().seal(ANSWERS, now=now + MAX_CLOCK_SKEW), now=now) == ANSWERS
    with pytest.raises(TokenError, match="future"):
        box().open(box().seal(ANSWERS, now=now + MAX_CLOCK_SKEW + 1), now=now)


def test_the_old_answers_token_is_refused() -> None:
    """Fernet tokens, the earlier format, made with the same secret, are refused."""
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"screener answers token v1")
    old = Fernet(base64.urlsafe_b64encode(key.derive(b"secret")))
    fernet = old.encrypt(json.dumps({"r": "a" * 64, "a": ANSWERS}).encode()).decode()
    with pytest.raises(TokenError, match="malformed"):
        box().open(fernet)
    with pytest.raises(TokenError, match="another version"):
        box().open(fernet.rstrip("="))


def test_each_token_differs() -> None:
    assert box().seal(ANSWERS) != box().seal(ANSWERS)


def test_expired() -> None:
    now = int(time.time())
    token = box(ttl=600).seal(ANSWERS, now=now - 601)
    with pytest.raises(TokenError):
        box(ttl=600).open(token, now=now)
    assert box(ttl=600).open(token, now=now - 2) == ANSWERS


def test_from_the_future_is_refused() -> None:
    now = int(time.time())
    token = box().seal(ANSWERS, now=now + 3600)
    with pytest.raises(TokenError):
        box().open(token, now=now)


def test_other_secret() -> None:
    with pytest.raises(TokenError):
        box("other").open(box().seal(ANSWERS))


def test_other_ruleset() -> None:
    with pytest.raises(TokenError, match="other rules"):
        box(sha="b" * 64).open(box().seal(ANSWERS))


def test_key_rotation_accepts_old_tokens() -> None:
    old = box("old").seal(ANSWERS)
    assert box("new", fallbacks=("old",)).open(old) == ANSWERS
    with pytest.raises(TokenError):
        box("new").open(old)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-8] + ("A" if t[-8] != "A" else "B") + t[-7:],
        lambda t: t[:20] + ("A" if t[20] != "A" else "B") + t[21:],
        lambda t: t[:-4],
        lambda t: t + "x",
        lambda t: t + "AAAA",
        lambda t: "",
        lambda t: "not a token",
        lambda t: t[:10] + "+" + t[11:],
        lambda t: "A" * 20000,
        lambda t: "é" + t,
    ],
)
def test_tampered(tamper) -> None:  # type: ignore[no-untyped-def]
    token = box().seal(ANSWERS)
    changed = tamper(token)
    if changed == token:
        pytest.fail("the tamper function did not change the token")
    with pytest.raises(TokenError):
        box().open(changed)


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        box("")
