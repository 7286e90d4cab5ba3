"""screener preview: the app from a rules file being edited, reloaded when it is saved, with
what screener check finds in a banner on every page, and the last good version served while
the file is broken."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner
from flask import Flask

from screener import cli, create_app
from screener.preview import Preview
from screener.resources import data_dir, default_rules_path
from screener.server import port_in_use
from tests.conftest import SECRET, Browser
from tests.servers import free_port, running

BIN = Path(sys.executable).parent
FIRST = "Are all of these true: you are 18 or over"
EDITED = "Are ALL of these things true: you are 18 or over"
ALL_NO_END = (
    "    description: 35, curious about prostate massage, no health problems\n"
    '    answers: {}\n    others: "no"\n    outcome: info\n'
)
BROKEN_CONDITION = (
    '- {question: fever_recent, in: ["yes", unsure]}\n        - {question: new_severe_pain'
)


def line_of(text: str, needle: str) -> int:
    """The line (from 1) on which ``needle`` starts in ``text``."""
    return text[: text.index(needle)].count("\n") + 1


def banner(html: str) -> Tag | None:
    """The preview banner of a page, if it has one."""
    found = BeautifulSoup(html, "html.parser").select_one("section.preview-banner")
    return found if isinstance(found, Tag) else None


def banner_text(html: str) -> str:
    found = banner(html)
    assert found is not None, "the page has the preview banner"
    return found.get_text(" ", strip=True)


# --------------------------------------------------------------------------- in-process


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the default rules to edit, in the directory the preview runs in."""
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "rules.yaml"
    shutil.copyfile(default_rules_path(), copy)
    return copy


@pytest.fixture
def previewed(rules: Path) -> Iterator[tuple[Preview, Flask]]:
    """A preview of the copy, built as `screener preview` builds it."""
    preview = Preview(rules, {"SECRET_KEY": SECRET}, [])
    app = preview.start(create_app(preview.overrides))
    yield preview, app
    preview.close()


@pytest.fixture(scope="module")
def unchanged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Preview, Flask]]:
    """A preview of a copy of the default rules that no test edits."""
    copy = tmp_path_factory.mktemp("unchanged") / "rules.yaml"
    shutil.copyfile(default_rules_path(), copy)
    preview = Preview(copy, {"SECRET_KEY": SECRET}, [])
    app = preview.start(create_app(preview.overrides))
    yield preview, app
    preview.close()


def edit(path: Path, old: str, new: str) -> None:
    """Save the file with one text replaced (as an editor writes it in place)."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_page_type_has_the_banner_and_the_landmark(
    unchanged: tuple[Preview, Flask],
) -> None:
    _, app = unchanged
    browser = Browser(app.test_client())
    pages = {"start": browser.get("/").html}
    pages["question"] = browser.submit("/start").html
    pages["check"] = browser.answer_values({}).html
    assert "Check your answers" in browser.h1
    pages["result"] = browser.submit("/result").html
    assert 'class="outcome outcome--info"' in pages["result"]
    pages["not found"] = app.test_client().get("/nowhere").get_data(as_text=True)
    expired = app.test_client().post("/answer", data={"token": "old", "question": "for_you"})
    assert expired.status_code == 400
    pages["expired"] = expired.get_data(as_text=True)
    pages["embed"] = app.test_client().get("/embed/").get_data(as_text=True)
    for name, html in pages.items():
        found = banner(html)
        assert found is not None, f"the {name} page has the banner"
        title = found.find(id="preview-banner-title")
        assert isinstance(title, Tag) and found.get("aria-labelledby") == "preview-banner-title"
        assert title.get_text(strip=True) == "Preview for the rules' authors", name
        assert "screener check finds no problems." in banner_text(html), name
        assert "no-print" in (found.get("class") or []), "a printed result is the person's"


def test_the_banner_is_translated(unchanged: tuple[Preview, Flask]) -> None:
    _, app = unchanged
    html = app.test_client().get("/es/").get_data(as_text=True)
    found = banner(html)
    assert found is not None
    title = found.find(id="preview-banner-title")
    assert isinstance(title, Tag)
    assert title.get_text(strip=True) == "Vista previa para quienes escriben las reglas"
    assert "screener check no encuentra ningún problema." in banner_text(html)


def test_readability_findings_only_reported_are_warnings(
    unchanged: tuple[Preview, Flask],
) -> None:
    preview, app = unchanged
    assert preview.status.errors == ()
    assert preview.status.warnings, "the Spanish texts' reported readability findings"
    assert all(n.where and n.where.startswith(f"{preview.file}:") for n in preview.status.warnings)
    found = banner(app.test_client().get("/").get_data(as_text=True))
    assert found is not None
    details = found.find("details")
    assert isinstance(details, Tag) and details.find("summary") is not None
    items = details.find_all("li")
    assert len(items) == len(preview.status.warnings)
    assert re.match(
        rf"{re.escape(preview.file)}:\d+ \[readability\]", items[0].get_text(" ", strip=True)
    )


def test_saving_the_file_shows_the_change_and_a_broken_file_keeps_the_last_good_pages(
    previewed: tuple[Preview, Flask], rules: Path
) -> None:
    _, app = previewed
    client = app.test_client()
    assert FIRST in client.post("/start").get_data(as_text=True)

    edit(rules, FIRST, EDITED)
    page = client.post("/start").get_data(as_text=True)
    assert EDITED in page and FIRST not in page
    assert "screener check finds no problems." in banner_text(page)
    # The Spanish catalog no longer translates the question, so Spanish is left out: said.
    assert "Language es is not offered" in banner_text(page)

    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("\nrules:\n", "\nrules:\n  - [\n", 1), encoding="utf-8")
    page = client.post("/start").get_data(as_text=True)
    said = banner_text(page)
    assert "The rules file cannot be used as it is saved now." in said
    assert "These pages show the last version that could be used" in said
    assert re.search(r"rules\.yaml:\d+ not valid YAML", said), said
    assert EDITED in page, "the last good version is served"

    at = line_of(text, BROKEN_CONDITION)
    wrong = BROKEN_CONDITION.replace("fever_recent", "fever_recnt")
    rules.write_text(text.replace(BROKEN_CONDITION, wrong), encoding="utf-8")
    response = client.post("/start")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    said = banner_text(page)
    assert f"rules.yaml:{at} rule 'fever_with_severe_pain'" in said, said
    assert "no question has the id 'fever_recnt'" in said
    assert "cannot be used" in said and EDITED in page

    rules.write_text(text, encoding="utf-8")
    page = client.post("/start").get_data(as_text=True)
    said = banner_text(page)
    assert "cannot be used" not in said and "screener check finds no problems." in said
    assert EDITED in page


def test_requests_at_once_after_a_save_load_the_file_once_and_all_see_it(
    previewed: tuple[Preview, Flask], rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    preview, app = previewed
    builds = []
    build = preview._build

    def counted() -> tuple[Flask, list[str]]:
        builds.append(threading.get_ident())
        return build()

    monkeypatch.setattr(preview, "_build", counted)
    edit(rules, FIRST, EDITED)
    pages: list[tuple[int, str]] = []

    def ask() -> None:
        response = app.test_client().post("/start")
        pages.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(builds) == 1, "one reload, however many requests saw the change"
    assert len(pages) == 6 and all(code == 200 and EDITED in html for code, html in pages)


def test_a_file_with_findings_is_served_with_them(
    previewed: tuple[Preview, Flask], rules: Path
) -> None:
    preview, app = previewed
    text = rules.read_text(encoding="utf-8")
    case = "  - id: all_no\n"
    edit(rules, case + ALL_NO_END, case + ALL_NO_END.replace("info", "urgent"))
    page = app.test_client().get("/").get_data(as_text=True)
    said = banner_text(page)
    assert "screener check finds 1 problem:" in said, said
    assert f"rules.yaml:{line_of(text, case)} [cases] case 'all_no'" in said
    assert not preview.status.broken and "cannot be used" not in said


def test_an_approval_an_edit_makes_stale_is_a_problem_in_the_banner(
    previewed: tuple[Preview, Flask], rules: Path
) -> None:
    _, app = previewed
    approved = CliRunner().invoke(cli.main, ["approve", str(rules), "--by", "A", "--role", "GP"])
    assert approved.exit_code == 0, approved.output
    edit(rules, FIRST, EDITED)  # what people read changes: the approval no longer holds
    said = banner_text(app.test_client().get("/").text)
    assert "screener check finds 1 problem:" in said, said
    assert re.search(r"rules\.yaml:\d+ \[approval\] review: the approval by A \(GP\)", said)


def test_an_old_token_gets_the_expired_page_after_a_change_and_works_after_a_plain_save(
    previewed: tuple[Preview, Flask], rules: Path
) -> None:
    preview, app = previewed
    browser = Browser(app.test_client())
    browser.get("/").submit("/start")
    assert browser.question_id() == "for_you"
    token = re.search(r'name="token" value="([^"]+)"', browser.html)
    assert token is not None
    posted = {"token": token.group(1), "question": "for_you", "answer": "yes"}

    served = preview._current
    stat = rules.stat()
    os.utime(rules, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # saved, unchanged
    response = app.test_client().post("/answer", data=posted)
    assert preview._current is not served, "the save was seen and the file loaded again"
    assert response.status_code == 200, "the same rules: the answers still open"
    assert 'name="question" value="for_you"' not in response.get_data(as_text=True)

    edit(rules, FIRST, EDITED)
    response = app.test_client().post("/answer", data=posted)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Your answers have expired" in page
    assert 'class="outcome' not in page and banner(page) is not None


def test_a_compiled_catalog_saved_reloads_the_preview(rules: Path, tmp_path: Path) -> None:
    own = data_dir("translations")
    extra = tmp_path / "catalogs"
    shutil.copytree(own / "es", extra / "es")
    preview = Preview(rules, {"SECRET_KEY": SECRET, "TRANSLATIONS": [str(extra)]}, [str(extra)])
    try:
        app = preview.start(create_app(preview.overrides))
        compiled = extra / "es" / "LC_MESSAGES" / "messages.mo"
        assert compiled in list(preview.watched())
        served = preview._current
        app.test_client().get("/")
        assert preview._current is served, "nothing changed, nothing is loaded"
        stat = compiled.stat()
        os.utime(compiled, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
        app.test_client().get("/")
        assert preview._current is not served
    finally:
        preview.close()


def test_serve_never_shows_the_banner_or_its_style() -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET})
    browser = Browser(app.test_client())
    pages = [browser.get("/").html, browser.submit("/start").html]
    pages.append(app.test_client().get("/nowhere").get_data(as_text=True))
    for html in pages:
        assert banner(html) is None and "preview-banner" not in html
    css = app.extensions["screener_assets"].stylesheet.body
    assert b"preview-banner" not in css


def test_the_preview_draws_every_page_for_its_request(unchanged: tuple[Preview, Flask]) -> None:
    _, app = unchanged
    assert "screener_pages" not in app.extensions
    assert b"preview-banner" in app.extensions["screener_assets"].stylesheet.body


# --------------------------------------------------------------------------- the command


def test_the_command_takes_no_host_and_refuses_a_port_in_use(rules: Path) -> None:
    result = CliRunner().invoke(cli.main, ["preview", str(rules), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "No such option '--host'" in result.output
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        result = CliRunner().invoke(cli.main, ["preview", str(rules), "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.output


def test_the_command_refuses_a_file_that_cannot_be_used_at_start(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [\n", encoding="utf-8")
    port = free_port()
    result = CliRunner().invoke(cli.main, ["preview", str(broken), "--port", str(port)])
    assert result.exit_code == 1
    assert re.search(r"broken\.yaml:\d+: not valid YAML", result.output), result.output


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on ``port``, from the kernel's tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def fetch(url: str, data: dict[str, str] | None = None) -> str:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(url, data=body, timeout=10) as response:
            return str(response.read().decode())
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{url}: {e.code}") from e


@pytest.mark.slow
def test_a_real_preview_follows_the_file_as_it_is_edited(tmp_path: Path) -> None:
    rules = tmp_path / "draft.yaml"
    shutil.copyfile(default_rules_path(), rules)
    original = rules.read_text(encoding="utf-8")
    port = free_port()
    env = {"SCREENER_SECRET_KEY": "", "SCREENER_RULES": "", "SCREENER_TRANSLATIONS": ""}
    command = [str(BIN / "screener"), "preview", "draft.yaml", "--port", str(port)]
    with running(command, port, env, cwd=str(tmp_path)) as base:
        assert listening_addresses(port) == {"0100007F"}, "127.0.0.1 and nothing else"
        page = fetch(base + "/start", {})
        assert FIRST in page and "screener check finds no problems." in banner_text(page)

        edit(rules, FIRST, EDITED)
        page = fetch(base + "/start", {})
        assert EDITED in page and FIRST not in page

        rules.write_text(original.replace(FIRST, EDITED) + "  - [\n", encoding="utf-8")
        page = fetch(base + "/")
        said = banner_text(page)
        assert "The rules file cannot be used as it is saved now." in said
        assert re.search(r"draft\.yaml:\d+ not valid YAML", said), said
        assert EDITED in fetch(base + "/start", {}), "the last good version"

        rules.write_text(original.replace(FIRST, EDITED), encoding="utf-8")
        edit(rules, BROKEN_CONDITION, BROKEN_CONDITION.replace("fever_recent", "fever_recnt"))
        said = banner_text(fetch(base + "/"))
        at = line_of(original, BROKEN_CONDITION)
        assert f"draft.yaml:{at} rule 'fever_with_severe_pain'" in said, said
        assert EDITED in fetch(base + "/start", {})

        rules.write_text(original, encoding="utf-8")
        page = fetch(base + "/start", {})
        said = banner_text(page)
        assert "cannot be used" not in said and "screener check finds no problems." in said
        assert FIRST in page and EDITED not in page
