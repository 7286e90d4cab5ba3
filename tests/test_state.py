"""The answers token: sealed, tamper-evident, time-limited, bound to one ruleset."""

from __future__ import annotations

import base64
import json
import struct
import time

import pytest

from screener.state import MAX_CLOCK_SKEW, TokenBox, TokenError, padded_length

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


def test_answers_longer_than_the_padding_still_round_trip_in_blocks() -> None:
    padded = TokenBox("k", ruleset_sha256="a" * 64, ttl_seconds=60, padded_to=40)
    long = {f"question_{i}": "unsure" for i in range(10)}
    token = padded.seal(long)
    assert padded.open(token) == long
    assert (len(raw(token)) - 9 - 12 - 16) % 64 == 0


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
