"""Settings from SCREENER_* variables, with clear errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from screener import create_app
from screener.config import ConfigError, emergency_number_for, from_environ


def test_defaults_need_nothing() -> None:
    assert from_environ({}) == {}


def test_values_are_parsed() -> None:
    found = from_environ(
        {
            "SCREENER_ANSWERS_TTL": "900",
            "SCREENER_SECRET_KEY": "12345",
            "SCREENER_SECRET_KEY_FALLBACKS": "old1, old2",
            "SCREENER_TIMEZONE": "Europe/London",
            "OTHER": "ignored",
        }
    )
    assert found == {
        "ANSWERS_TTL": 900,
        "SECRET_KEY": "12345",
        "SECRET_KEY_FALLBACKS": ["old1", "old2"],
        "TIMEZONE": "Europe/London",
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCREENER_ANSWERS_TTL", "ten", "SCREENER_ANSWERS_TTL must be a whole number of seconds"),
        ("SCREENER_ANSWERS_TTL", "5", "must be at least 60 seconds"),
        ("SCREENER_TIMEZONE", "Mars/Olympus", "'Mars/Olympus' is not a known time zone"),
        ("SCREENER_EMERGENCY_NUMBER", "call 999", "SCREENER_EMERGENCY_NUMBER must be a phone"),
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
    monkeypatch.setenv("SCREENER_SECRET_KEY", "from env")
    monkeypatch.setenv("SCREENER_EMERGENCY_NUMBER", "112")
    app = create_app({"TESTING": True})
    assert app.config["SECRET_KEY"] == "from env"
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
    with client.get(logo_url) as logo:
        assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert client.get("/assets/screener-000000000000.css").status_code == 404


@pytest.mark.parametrize(
    ("setting", "name", "content", "message"),
    [
        ("LOGO", "logo.gif", b"GIF89a", "must be an .svg, .png or .webp file"),
        ("LOGO", "logo.svg", b"<svg>" + b" " * 20000 + b"</svg>", "is over 16 KB"),
        ("THEME_CSS", "missing.css", None, "cannot read"),
    ],
)
def test_bad_brand_files_are_clear_errors(
    tmp_path: Path, setting: str, name: str, content: bytes | None, message: str
) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        create_app({"TESTING": True, "SECRET_KEY": "k", setting: str(tmp_path / name)})


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
    with pytest.raises(ConfigError, match=r"^SCREENER_EMERGENCY_NUMBER must be a phone number"):
        create_app({"TESTING": True, "SECRET_KEY": "k", "EMERGENCY_NUMBER": "nine nine nine"})
