"""Settings from SCREENER_* variables, with clear errors."""

from __future__ import annotations

import base64
import itertools
import logging
import math
import os
import secrets
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener import config, create_app
from screener.config import (
    ConfigError,
    described_bits,
    emergency_number_for,
    from_environ,
    secret_key_problem,
)

# Strong keys, made afresh for each run.
KEY = secrets.token_urlsafe(32)
OLD_KEYS = [secrets.token_urlsafe(32), secrets.token_hex(32)]


def test_defaults_need_nothing() -> None:
    assert from_environ({}) == {}


def test_values_are_parsed() -> None:
    found = from_environ(
        {
            "SCREENER_ANSWERS_TTL": "900",
            "SCREENER_SECRET_KEY": KEY,
            "SCREENER_SECRET_KEY_FALLBACKS": f"{OLD_KEYS[0]}, {OLD_KEYS[1]}",
            "SCREENER_TIMEZONE": "Europe/London",
            "OTHER": "ignored",
        }
    )
    assert found == {
        "ANSWERS_TTL": 900,
        "SECRET_KEY": KEY,
        "SECRET_KEY_FALLBACKS": OLD_KEYS,
        "TIMEZONE": "Europe/London",
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCREENER_ANSWERS_TTL", "ten", "^SCREENER_ANSWERS_TTL: must be a whole number of seconds"),
        ("SCREENER_ANSWERS_TTL", "5", "must be at least 60 seconds"),
        ("SCREENER_TIMEZONE", "Mars/Olympus", "'Mars/Olympus' is not a known time zone"),
        ("SCREENER_EMERGENCY_NUMBER", "call 999", "^SCREENER_EMERGENCY_NUMBER: must be a phone"),
        ("SCREENER_EMERGENCY_NUMBER", "999; <b>", "must be a phone number such as 999 or 112"),
        ("SCREENER_EMERGENCY_NUMBER", "1" * 21, "at most 20"),
        ("SCREENER_EMERGENCY_NUMBER", "+", "must be a phone number"),
        ("SCREENER_EMERGENCY_NUMBER", "112-", "must be a phone number"),
    ],
)
def test_bad_values(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_environ({name: value})


def test_app_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCREENER_SECRET_KEY", KEY)
    monkeypatch.setenv("SCREENER_EMERGENCY_NUMBER", "112")
    app = create_app({"TESTING": True})
    assert app.config["SECRET_KEY"] == KEY
    response = app.test_client().get("/")
    assert "Call 112 now" in response.get_data(as_text=True)


def test_missing_secret_makes_a_random_one_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("SCREENER_SECRET_KEY", raising=False)
    with caplog.at_level(logging.WARNING, logger="screener"):
        one = create_app({"TESTING": True})
        two = create_app({"TESTING": True})
    assert "SCREENER_SECRET_KEY is not set" in caplog.text
    assert one.config["SECRET_KEY"] and one.config["SECRET_KEY"] != two.config["SECRET_KEY"]


def test_readme_documents_every_setting() -> None:
    from pathlib import Path

    from screener.config import PREFIX, SETTINGS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"| `{PREFIX}{setting.key}` |" in readme, setting.key


def test_rules_too_big_for_the_answers_token_are_refused(tmp_path: Path) -> None:
    questions = "".join(
        f"  - {{id: question_number_{i:04d}_with_a_long_identifier, text: 'Question {i}?'}}\n"
        for i in range(400)
    )
    rules = tmp_path / "huge.yaml"
    rules.write_text(
        'id: huge\nversion: "1.0"\ntitle: Huge\nquestions:\n'
        + questions
        + "outcomes:\n  - {id: low, severity: 1, title: Low, body: Fine.}\n"
        "rules: []\ncases:\n  - {id: c, answers: {}, outcome: low}\n"
    )
    with pytest.raises(ConfigError, match="no longer fit in a page's answers token"):
        create_app({"TESTING": True, "SECRET_KEY": "k", "RULES": str(rules)})


def test_a_cryptography_library_without_aes_gcm_siv_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """OpenSSL before 3.2, or FIPS mode: refuse to start, saying why, rather than crash."""
    from cryptography.exceptions import UnsupportedAlgorithm

    from screener import state

    def unsupported(key: bytes) -> None:
        raise UnsupportedAlgorithm("AES-GCM-SIV is not supported by this version of OpenSSL")

    monkeypatch.setattr(state, "AESGCMSIV", unsupported)
    with pytest.raises(ConfigError, match=r"needs AES-GCM-SIV.*OpenSSL 3\.2 or later"):
        create_app({"TESTING": True, "SECRET_KEY": "k"})


def test_theme_and_logo_are_served_with_content_addresses(tmp_path: Path) -> None:
    (tmp_path / "theme.css").write_text(":root { --screener-brand: #5b2a86; }")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "THEME_CSS": str(tmp_path / "theme.css"),
            "LOGO": str(tmp_path / "logo.png"),
            "BRAND_NAME": "Riverside Clinic",
        }
    )
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert "Riverside Clinic" in page
    css_url = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    logo_url = page.split('class="brand__logo" src="', 1)[1].split('"', 1)[0]
    with client.get(css_url) as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
        assert css.get_data(as_text=True).rstrip().endswith(":root { --screener-brand: #5b2a86; }")
        assert "immutable" in css.headers["Cache-Control"]
    # The logo is in the page itself: with the stylesheet and the script, a branded page
    # still makes three requests.
    assert logo_url == "data:image/png;base64," + base64.b64encode(
        (tmp_path / "logo.png").read_bytes()
    ).decode("ascii")
    assert client.get("/assets/screener-000000000000.css").status_code == 404


@pytest.mark.parametrize(
    ("setting", "name", "content", "message"),
    [
        ("LOGO", "logo.gif", b"GIF89a", "is not an .svg, .png or .webp file"),
        ("LOGO", "logo.svg", b"<svg>" + b" " * 20000 + b"</svg>", "is over 16 KB"),
        ("LOGO", "logo.png", b"<svg></svg>", "is not a PNG image"),
        ("LOGO", "logo.webp", b"\x89PNG\r\n\x1a\n", "is not a WebP image"),
        ("LOGO", "logo.svg", b"\x89PNG\r\n\x1a\n", "is not an SVG image"),
        ("LOGO", "missing.svg", None, "no such file '.*missing.svg'"),
        ("LOGO", "folder.svg", "directory", "is a directory, not a file"),
        ("THEME_CSS", "missing.css", None, "no such file"),
        ("THEME_CSS", "theme.css", b":root {}" + b" " * 17000, "is over 16 KB"),
        ("THEME_CSS", "theme.css", b"\xff\xfe:root {}", "is not UTF-8 text"),
    ],
)
def test_bad_brand_files_are_clear_errors(
    tmp_path: Path, setting: str, name: str, content: bytes | str | None, message: str
) -> None:
    if content == "directory":
        (tmp_path / name).mkdir()
    elif isinstance(content, bytes):
        (tmp_path / name).write_bytes(content)
    with pytest.raises(ConfigError, match=f"^SCREENER_{setting}: .*{message}") as raised:
        create_app({"TESTING": True, "SECRET_KEY": "k", setting: str(tmp_path / name)})
    assert len(raised.value.problems) == 1 and "\n" not in str(raised.value)


def test_a_real_webp_logo_is_accepted(tmp_path: Path) -> None:
    logo = tmp_path / "logo.webp"
    logo.write_bytes(b"RIFF\x1a\x00\x00\x00WEBPVP8L" + b"\x00" * 14)
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "LOGO": str(logo)})
    assert app.extensions["screener_assets"].logo.mimetype == "image/webp"


def test_an_unreadable_brand_file_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip(
            "needs a user other than root (root can read a file that has no permissions); "
            "run make test as an ordinary user to include this test"
        )
    theme = tmp_path / "theme.css"
    theme.write_text(":root {}")
    theme.chmod(0)
    with pytest.raises(ConfigError, match=r"^SCREENER_THEME_CSS: cannot read '.*' \("):
        create_app({"TESTING": True, "SECRET_KEY": "k", "THEME_CSS": str(theme)})


@pytest.mark.parametrize("number", ["999", "112", "000", "+44 20 7946 0000", "1-800-273-8255"])
def test_emergency_numbers_as_people_dial_them(number: str) -> None:
    assert from_environ({"SCREENER_EMERGENCY_NUMBER": f" {number} "}) == {
        "EMERGENCY_NUMBER": number
    }


@pytest.mark.parametrize(
    ("language", "number"),
    [
        ("en_GB", "999"),
        ("en_US", "911"),
        ("en_CA", "911"),
        ("fr_CA", "911"),
        ("en_AU", "000"),
        ("en_NZ", "111"),
        ("es_ES", "112"),
        ("de_DE", "112"),
        ("en_IE", "112"),
        ("nb_NO", "112"),  # the EEA too
        ("pt-PT", "112"),
        ("es", ""),  # no region: no number
        ("en", ""),
        ("pt_BR", ""),  # a region whose number Screener does not know
    ],
)
def test_the_default_emergency_number_is_the_rules_regions(language: str, number: str) -> None:
    assert emergency_number_for(language) == number


def test_the_app_gives_the_default_rules_regions_number() -> None:
    """The default rules are in en_GB: 999, in the texts of every language."""
    app = create_app({"TESTING": True, "SECRET_KEY": "k"})
    assert app.config["EMERGENCY_NUMBER"] == "999"
    for language in app.extensions["screener_languages"].offered:
        emergency = language.ruleset.emergency
        assert emergency and "999" in emergency and "{" not in emergency, language.tag
    setting = create_app({"TESTING": True, "SECRET_KEY": "k", "EMERGENCY_NUMBER": "112"})
    assert setting.config["EMERGENCY_NUMBER"] == "112"
    emergency = setting.extensions["screener_languages"].default.ruleset.emergency
    assert "112" in emergency and "999" not in emergency


def test_rules_without_a_region_say_your_local_emergency_number(tmp_path: Path) -> None:
    from tests.test_ruleset import SCOPED

    rules = tmp_path / "rules.yaml"
    rules.write_text(SCOPED)  # language: en (the default), which names no region
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "RULES": str(rules)})
    assert app.config["EMERGENCY_NUMBER"] == ""
    ruleset = app.extensions["screener_languages"].default.ruleset
    assert ruleset.emergency == "Call your local emergency number now."


def test_a_bad_emergency_number_is_a_clear_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"^SCREENER_EMERGENCY_NUMBER: must be a phone number"):
        create_app({"TESTING": True, "SECRET_KEY": "k", "EMERGENCY_NUMBER": "nine nine nine"})


# --------------------------------------------------------------------------- secret keys


def test_fresh_random_keys_are_never_refused() -> None:
    """secrets' keys, as `screener keygen`, `openssl rand -hex 32` and `openssl rand
    -base64 32` make them, a few thousand of each kind: a random key is refused with a
    chance under 2**-64, and these keep far from the line."""
    makers = {
        "token_urlsafe(32)": lambda: secrets.token_urlsafe(32),
        "token_hex(32)": lambda: secrets.token_hex(32),
        "token_hex(32), upper case": lambda: secrets.token_hex(32).upper(),
        "standard base64, padded": lambda: base64.b64encode(os.urandom(32)).decode(),
        "URL-safe base64, padded": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "token_urlsafe(48)": lambda: secrets.token_urlsafe(48),
    }
    for name, make in makers.items():
        rounds = 2500 if name in ("token_urlsafe(32)", "token_hex(32)") else 200
        for _ in range(rounds):
            key = make()
            assert secret_key_problem(key) is None, (name, key)
    fewest = min(
        described_bits(secrets.token_urlsafe(32), config._URLSAFE_ORDER)[0] for _ in range(500)
    )
    assert fewest > config.MIN_DESCRIBED_BITS + 40


def test_environment_keys_are_parsed_as_they_are() -> None:
    hex_key, padded = secrets.token_hex(32), base64.b64encode(os.urandom(32)).decode()
    found = from_environ(
        {"SCREENER_SECRET_KEY": hex_key, "SCREENER_SECRET_KEY_FALLBACKS": f" {padded} ,, {KEY}"}
    )
    assert found == {"SECRET_KEY": hex_key, "SECRET_KEY_FALLBACKS": [padded, KEY]}


WEAK_KEYS = [
    ("a", "is too short: 1 hex character holds at most 4 bits"),
    (" ", "is not written as a key"),
    ("password", "is too short: 8 base64 characters hold at most 48 bits"),
    ("a" * 64, "is not random: made of repeats"),
    ("ab" * 32, "is not random: made of repeats"),
    ("0123" * 16, "is not random"),
    ("0123456789abcdef" * 4, "is not random"),
    ("deadbeef" * 8, "is not random"),
    ("xyz" * 15, "is not random: made of repeats"),
    ("abc" * 15, "is too short: 45 hex characters hold at most 180 bits"),
    ("Z" * 43, "is not random: made of repeats"),
    ("password" * 6, "is not random: made of common words and repeats"),
    ("correcthorsebatterystaple" * 2, "is not random: made of common words"),
    ("correcthorsebatterystapleeverydayisagoodday", "is not random: made of common words"),
    ("ThisIsMySuperSecretKeyForTheScreenerService", "is not random: made of common words"),
    ("purplemonkeydishwasherelephantguitarsandwich", "is not random"),
    ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", "is not random: made of runs"),
    ("QWERTYUIOPasdfghjklzxcvbnm1234567890qwertyu", "is not random"),
    (secrets.token_urlsafe(31), "is too short: 42 base64 characters hold at most 252 bits"),
    (secrets.token_hex(31) + "a", "is too short: 63 hex characters"),
    (secrets.token_urlsafe(32) + " ", "is not written as a key"),
    ("serve test key", "is not written as a key"),
    (secrets.token_urlsafe(32)[:41] + "-+", "is not written as a key"),  # two alphabets
    (secrets.token_urlsafe(32) + "==", "is not base64: its = padding does not fit its length"),
    (secrets.token_urlsafe(32) + "=" * 5, "is not base64: its = padding does not fit"),
    (secrets.token_hex(257), "is longer than 512 characters"),
]


@pytest.mark.parametrize(("key", "message"), WEAK_KEYS)
def test_weak_keys_are_refused_without_being_quoted(key: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        from_environ({"SCREENER_SECRET_KEY": key})
    (problem,) = raised.value.problems
    assert problem.startswith("SCREENER_SECRET_KEY: " + message), problem
    assert problem.endswith("make a key with `screener keygen`")
    if len(key.strip()) >= 8:
        assert key.strip()[:8] not in problem and key.strip()[-8:] not in problem


def test_a_weak_fallback_is_refused_by_its_position() -> None:
    weak = "passwordpasswordpasswordpasswordpassword1234"
    with pytest.raises(ConfigError) as raised:
        from_environ(
            {"SCREENER_SECRET_KEY": KEY, "SCREENER_SECRET_KEY_FALLBACKS": f"{OLD_KEYS[0]},{weak}"}
        )
    (problem,) = raised.value.problems
    assert problem.startswith("SCREENER_SECRET_KEY_FALLBACKS: entry 2 is not random")
    assert "password" not in problem and OLD_KEYS[0] not in problem
    with pytest.raises(ConfigError, match=r"^SCREENER_SECRET_KEY_FALLBACKS: entry 1 is too short"):
        from_environ({"SCREENER_SECRET_KEY_FALLBACKS": "old1"})


KEY_CHARACTERS = config._URLSAFE_ORDER + "+/="


@given(st.text(alphabet=KEY_CHARACTERS, min_size=12, max_size=600))
def test_no_message_quotes_a_key(key: str) -> None:
    """Whatever the key, the problem is one line and holds no stretch of it."""
    problem = secret_key_problem(key)
    if problem is not None:
        assert "\n" not in problem
        assert not any(key[i : i + 12] in problem for i in range(len(key) - 11))


@given(st.text(min_size=1, max_size=600).filter(lambda key: not set(key) <= set(KEY_CHARACTERS)))
def test_a_key_in_other_characters_is_refused_in_the_same_words(key: str) -> None:
    """A key with a character no key is written in gets one fixed sentence, which can
    hold nothing of it."""
    same = secret_key_problem(" ") if len(key) <= 512 else secret_key_problem("=" * 513)
    assert same is not None and secret_key_problem(key) == same


@given(
    st.text(alphabet=config._URLSAFE_ORDER, min_size=43, max_size=80).filter(
        lambda key: not config._HEX_KEY.fullmatch(key)
    )
)
def test_base64_keys_are_judged_on_their_description(key: str) -> None:
    """Any key of the right length and alphabet is refused exactly when it can be written
    down in fewer than 192 bits (hypothesis likes repeats: it finds both sides)."""
    bits, _ = described_bits(key, config._URLSAFE_ORDER)
    assert (secret_key_problem(key) is None) == (bits >= config.MIN_DESCRIBED_BITS)


@pytest.mark.parametrize(
    ("order", "length"), [(config._HEX_ORDER, 3), (config._URLSAFE_ORDER, 2), ("0123", 7)]
)
def test_the_description_obeys_krafts_inequality(order: str, length: int) -> None:
    """The ground of the 2**-64 bound: over every string of a length, the sum of
    2**-(bits to describe it) is at most 1, so fewer than 2**192 strings take under 192.
    (Over four characters, seven long, repeats and runs are often the cheaper way.)"""
    total = sum(
        2.0 ** -described_bits("".join(chars), order)[0]
        for chars in itertools.product(order, repeat=length)
    )
    assert 0.5 < total <= 1.0 + 1e-9


def test_the_pieces_of_a_description_share_one_budget() -> None:
    """Kraft's inequality piece by piece: the kinds of piece, and each letter after another."""
    tags = 2**-config._LITERAL_TAG + 4 * 2**-config._OTHER_TAG
    assert tags == pytest.approx(1.0)
    costs = config._letter_costs()
    for previous in "^abcdefghijklmnopqrstuvwxyz":
        row = sum(2 ** -costs[previous, letter] for letter in "abcdefghijklmnopqrstuvwxyz")
        assert row == pytest.approx(1.0)
    assert sum(2.0 ** -config._length_bits(n) for n in range(1, 1 << 16)) <= 1.0


def test_a_description_costs_about_its_randomness() -> None:
    literal = math.log2(64) + math.log2(16 / 15)
    assert described_bits("Zq", config._URLSAFE_ORDER) == (pytest.approx(2 * literal), set())
    one, kinds = described_bits("x" * 43, config._URLSAFE_ORDER)
    assert one < 30 and kinds == {"repeats"}
    sentence, kinds = described_bits("theworldwithgreenwater", config._URLSAFE_ORDER)
    assert sentence == pytest.approx(5 * config._WORD_BITS) and kinds == {"words"}


# --------------------------------------------------------------------------- other settings


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("*", "*"),
        ("127.0.0.1", "127.0.0.1"),
        (" 10.0.0.5 , 192.168.0.0/16,::1 ", "10.0.0.5,192.168.0.0/16,::1"),
    ],
)
def test_forwarded_allow_ips(value: str, expected: str) -> None:
    assert from_environ({"SCREENER_FORWARDED_ALLOW_IPS": value}) == {
        "FORWARDED_ALLOW_IPS": expected
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FORWARDED_ALLOW_IPS", "proxy.internal", "'proxy.internal' is not an IP address or"),
        ("FORWARDED_ALLOW_IPS", "10.0.0.0/33", "'10.0.0.0/33' is not an IP address or"),
        ("FORWARDED_ALLOW_IPS", " , ", "names no address"),
        ("METRICS_HOST", "local host", "'local host' is not an IP address or a host name"),
        ("METRICS_HOST", "-bad.example", "is not an IP address or a host name"),
        ("BRAND_NAME", "   ", "is empty"),
        ("BRAND_NAME", "x" * 81, "is 81 characters long; keep it to 80 at most"),
        ("BRAND_NAME", "Riverside\nClinic", "has a control character"),
        ("BRAND_NAME", "Riverside \u202eClinic", "has a control character"),
        ("LANGUAGES", "es,english please", "'english please' is not a language tag"),
        ("LANGUAGES", ",", "names no language"),
        ("KIOSK", "maybe", "must be 1 or 0, not 'maybe'"),
        ("INDEXABLE", "private", "must be 1 or 0, not 'private'"),
        ("METRICS_PORT", "0", "must be a port number from 1 to 65535, not 0"),
    ],
)
def test_more_bad_values(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        from_environ({f"SCREENER_{name}": value})
    (problem,) = raised.value.problems
    assert problem.startswith(f"SCREENER_{name}: ") and message in problem, problem


def test_indexing_is_on_unless_turned_off() -> None:
    assert config.defaults()["INDEXABLE"] is True
    assert from_environ({"SCREENER_INDEXABLE": ""}) == {}  # unset: the default
    for value, parsed in (("0", False), ("off", False), ("1", True), (" YES ", True)):
        assert from_environ({"SCREENER_INDEXABLE": value}) == {"INDEXABLE": parsed}


def test_an_app_with_indexing_off_asks_for_no_page_to_be_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCREENER_INDEXABLE", "0")
    response = create_app({"TESTING": True, "SECRET_KEY": KEY}).test_client().get("/")
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)
    assert response.headers["X-Robots-Tag"] == "noindex"
    monkeypatch.delenv("SCREENER_INDEXABLE")
    response = create_app({"TESTING": True, "SECRET_KEY": KEY}).test_client().get("/")
    assert 'name="robots"' not in response.get_data(as_text=True)
    assert "X-Robots-Tag" not in response.headers


def test_good_values_of_the_checked_settings(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("id: x\n")
    found = from_environ(
        {
            "SCREENER_RULES": str(rules),
            "SCREENER_TRANSLATIONS": f"{tmp_path}::{tmp_path}",
            "SCREENER_METRICS_HOST": "metrics.internal.example.org",
            "SCREENER_BRAND_NAME": "  Clínica Riverside  ",
            "SCREENER_LANGUAGES": "es, en-GB,pt_BR",
        }
    )
    assert found == {
        "RULES": str(rules),
        "TRANSLATIONS": [str(tmp_path), str(tmp_path)],
        "METRICS_HOST": "metrics.internal.example.org",
        "BRAND_NAME": "Clínica Riverside",
        "LANGUAGES": ["es", "en-GB", "pt_BR"],
    }
    assert from_environ({"SCREENER_METRICS_HOST": "::1"}) == {"METRICS_HOST": "::1"}


def test_files_and_directories_that_are_not_there(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ConfigError) as raised:
        from_environ(
            {
                "SCREENER_RULES": str(tmp_path),
                "SCREENER_TRANSLATIONS": f"{tmp_path}:{tmp_path / 'a-file'}",
            }
        )
    assert raised.value.problems == (
        f"SCREENER_RULES: '{tmp_path}' is a directory, not a rules file",
        f"SCREENER_TRANSLATIONS: '{tmp_path / 'a-file'}' is not a directory",
    )
    with pytest.raises(ConfigError, match=r"^SCREENER_RULES: no such file '.*nope\.yaml'$"):
        from_environ({"SCREENER_RULES": str(tmp_path / "nope.yaml")})
    with pytest.raises(ConfigError, match=r"^SCREENER_TRANSLATIONS: no such directory '.*nope'$"):
        from_environ({"SCREENER_TRANSLATIONS": str(tmp_path / "nope")})


def test_every_bad_setting_is_its_own_problem() -> None:
    with pytest.raises(ConfigError) as raised:
        from_environ({"SCREENER_KIOSK": "maybe", "SCREENER_TIMEZONE": "Mars/Olympus"})
    assert [p.split(":")[0] for p in raised.value.problems] == [
        "SCREENER_KIOSK",
        "SCREENER_TIMEZONE",
    ]


def test_an_unresolvable_metrics_host(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def fails(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fails)
    with pytest.raises(
        ConfigError,
        match=r"^SCREENER_METRICS_HOST: cannot resolve 'metrics.invalid' \(Name or service",
    ):
        config.check_metrics_host("metrics.invalid", 9464)
    monkeypatch.undo()
    config.check_metrics_host("127.0.0.1", 9464)  # no error
