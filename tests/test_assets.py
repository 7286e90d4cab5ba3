"""screener/assets.py: the page scripts and stylesheet as served, compacted and joined."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener import create_app
from screener.assets import compact, compact_css

STATIC = Path(__file__).resolve().parents[1] / "screener" / "static"


def test_compact_drops_comments_and_space_and_keeps_the_program() -> None:
    source = b"""/* A comment
 * over lines. */
(function () {
  // a note
  var a = b / c;
  var d = x - -1;
  var e = "keep  //  this /* too */";
  var f = /a b/.test(e);  // a comment after code
  if (a) {
    return
    e;
  }
})();
"""
    compacted = compact(source)
    assert b"comment" not in compacted and b"a note" not in compacted
    assert b'"keep  //  this /* too */"' in compacted and b"/a b/.test(e)" in compacted
    assert b"x- -1" in compacted, "x - -1 is not x--1"
    assert b"return\n" in compacted, "the line break after return ends the statement"
    assert len(compacted) < 0.6 * len(source)


@pytest.mark.parametrize("name", ["screener.js", "kiosk.js", "embed-frame.js"])
def test_screeners_own_scripts_come_out_smaller(name: str) -> None:
    source = (STATIC / name).read_bytes()
    assert len(compact(source)) < 0.6 * len(source)


def test_compact_css_keeps_strings_and_the_space_that_means_something() -> None:
    css = b"""/* a comment */
.a :focus, .b > .c { content: "x  ,  y; 0.5" ; margin: 0 auto; }
@media (max-width: 24em) {
  h1 { font-size: calc(10.5rem + 0.25em); color: rgb(0 0 0 / 0.6); }
}
"""
    assert compact_css(css) == (
        b'.a :focus,.b>.c{content:"x  ,  y; 0.5";margin:0 auto}'
        b"@media (max-width:24em){h1{font-size:calc(10.5rem + 0.25em);color:rgb(0 0 0 / 0.6)}}\n"
    ), "the space in '.a :focus', in calc() and in the media query stays"


def test_each_page_loads_one_script_with_the_parts_it_needs() -> None:
    screener = compact((STATIC / "screener.js").read_bytes())
    kiosk = compact((STATIC / "kiosk.js").read_bytes())
    frame = compact((STATIC / "embed-frame.js").read_bytes())
    for settings, script, framed in (
        ({}, screener, screener + frame),
        ({"KIOSK": True}, screener + kiosk, screener + kiosk + frame),
    ):
        app = create_app({"TESTING": True, "SECRET_KEY": "k", **settings})
        assets = app.extensions["screener_assets"]
        assert (assets.script.body, assets.framed_script.body) == (script, framed)
        styles = compact_css((STATIC / "screener.css").read_bytes())
        if settings:
            styles += compact_css((STATIC / "kiosk.css").read_bytes())
        assert assets.stylesheet.body == styles
