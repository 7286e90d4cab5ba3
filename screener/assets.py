"""The stylesheet, the page script and the logo, with a clinic's or website's brand
applied from configuration.

A brand is a CSS file that sets Screener's custom properties (colours, font,
spacing; see the top of static/screener.css) and, optionally, a logo image.
The brand's CSS is appended to Screener's own, so a page still loads one
stylesheet; both files get content-hashed addresses and can be cached for a
year.

A page loads one script too: static/screener.js (pages swapped in place, Back
and Forward), with embed-frame.js joined after it in an embedding site's frame.
A kiosk (``SCREENER_KIOSK``) joins its own parts to both: kiosk.js to the script
and kiosk.css to the stylesheet, which other pages never load. Screener's own
scripts and styles are served without their comments and indentation
(``compact``, with rjsmin and rcssmin), which keeps the heaviest page, Check your answers, under the
30 KB budget with everything it loads.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import rcssmin
import rjsmin
from flask import Blueprint, Flask, Response, abort, current_app

from screener.config import ConfigError

bp = Blueprint("assets", __name__)

LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".webp": "image/webp"}
MAX_LOGO_BYTES = 16 * 1024


@dataclass(frozen=True)
class Asset:
    """One file served from memory under an address that changes with its content."""

    name: str
    body: bytes
    mimetype: str

    @property
    def data_url(self) -> str:
        """The file itself as a data: address, to put in a page."""
        return f"data:{self.mimetype};base64,{base64.b64encode(self.body).decode('ascii')}"

    @property
    def path(self) -> str:
        """The address part after /assets/."""
        stem, dot, ext = self.name.rpartition(".")
        digest = hashlib.sha256(self.body).hexdigest()[:12]
        return f"{stem}-{digest}{dot}{ext}"


@dataclass(frozen=True)
class Assets:
    """The app's stylesheet, page scripts and optional logo."""

    stylesheet: Asset
    logo: Asset | None  # shown in the page as a data: address (Asset.data_url)
    script: Asset  # for Screener's own pages
    framed_script: Asset  # for pages in an embedding site's frame
    embed_loader: Asset

    def find(self, path: str) -> Asset | None:
        """The asset at an address, if any."""
        for asset in (self.stylesheet, self.script, self.framed_script):
            if asset.path == path:
                return asset
        return None


def compact(source: bytes) -> bytes:
    """One of Screener's own scripts without its comments and the white space nothing
    needs (rjsmin): the same program, about half the size."""
    compacted: bytes = rjsmin.jsmin(source)
    return compacted.strip() + b"\n"


def compact_css(source: bytes) -> bytes:
    """One of Screener's own stylesheets without its comments and the white space nothing
    needs (rcssmin); strings are left as they are."""
    compacted: bytes = rcssmin.cssmin(source)
    return compacted.strip() + b"\n"


MAX_THEME_BYTES = 16 * 1024
# What the start of each kind of logo must look like, so a file with the wrong
# extension is refused at start-up rather than shown as a broken image.
_LOGO_SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    ".webp": (b"RIFF", "a WebP image"),
}


def _read(setting: str, path: str, limit: int) -> bytes:
    """The file a setting names, or ConfigError saying in one line what is wrong with it."""
    name = f"SCREENER_{setting}"
    file = Path(path)
    try:
        if file.is_dir():
            raise ConfigError(f"{name}: {path!r} is a directory, not a file")
        with file.open("rb") as opened:
            body = opened.read(limit + 1)  # no more than it takes to tell it is too big
    except FileNotFoundError:
        raise ConfigError(f"{name}: no such file {path!r}") from None
    except OSError as e:
        raise ConfigError(f"{name}: cannot read {path!r} ({e.strerror or e})") from None
    if len(body) > limit:
        raise ConfigError(f"{name}: {path!r} is over {limit // 1024} KB; keep pages light")
    return body


def _logo(path: str) -> Asset:
    suffix = Path(path).suffix.lower()
    if suffix not in LOGO_TYPES:
        raise ConfigError(f"SCREENER_LOGO: {path!r} is not an .svg, .png or .webp file")
    body = _read("LOGO", path, MAX_LOGO_BYTES)
    if suffix == ".svg":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if "<svg" not in text:
            raise ConfigError(f"SCREENER_LOGO: {path!r} is not an SVG image (no <svg> in it)")
    else:
        signature, kind = _LOGO_SIGNATURES[suffix]
        if not body.startswith(signature) or (suffix == ".webp" and body[8:12] != b"WEBP"):
            raise ConfigError(f"SCREENER_LOGO: {path!r} is not {kind}, as its name says")
    return Asset("logo" + suffix, body, LOGO_TYPES[suffix])


def _theme(path: str) -> bytes:
    body = _read("THEME_CSS", path, MAX_THEME_BYTES)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"SCREENER_THEME_CSS: {path!r} is not UTF-8 text") from None
    return body


def load(app: Flask) -> Assets:
    """Build the stylesheet (Screener's, the kiosk's on a kiosk, then the brand's), the
    page scripts and the logo from the settings."""
    static = Path(app.static_folder or "")
    kiosk = bool(app.config["KIOSK"])
    css = compact_css((static / "screener.css").read_bytes())
    script = compact((static / "screener.js").read_bytes())
    if kiosk:
        css += compact_css((static / "kiosk.css").read_bytes())
        script += compact((static / "kiosk.js").read_bytes())
    framed = script + compact((static / "embed-frame.js").read_bytes())
    loader = Asset("embed.js", (static / "embed.js").read_bytes(), "text/javascript")
    if app.config["THEME_CSS"]:
        css += b"/* Brand */\n" + _theme(app.config["THEME_CSS"])
    logo = _logo(app.config["LOGO"]) if app.config["LOGO"] else None
    name = "kiosk" if kiosk else "screener"
    return Assets(
        Asset("screener.css", css, "text/css"),
        logo,
        Asset(f"{name}.js", script, "text/javascript"),
        Asset(f"{name}-embed-frame.js" if kiosk else "embed-frame.js", framed, "text/javascript"),
        loader,
    )


@bp.get("/assets/<path:path>")
def asset(path: str) -> Response:
    """A stylesheet or script; its address changes with its content, so it is cached for a
    year."""
    found = current_app.extensions["screener_assets"].find(path)
    if found is None:
        abort(404)
    response = Response(found.body, mimetype=found.mimetype)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def init_app(app: Flask) -> None:
    """Load the assets and serve them."""
    mimetypes.add_type("image/webp", ".webp")
    app.extensions["screener_assets"] = load(app)
    app.register_blueprint(bp)

    @app.context_processor
    def _urls() -> dict[str, object]:
        assets: Assets = app.extensions["screener_assets"]
        return {
            "stylesheet_url": f"/assets/{assets.stylesheet.path}",
            # In the page, so that a brand's logo is not a request of its own.
            "logo_url": assets.logo.data_url if assets.logo else None,
            "script_url": f"/assets/{assets.script.path}",
            "framed_script_url": f"/assets/{assets.framed_script.path}",
            "brand_name": app.config["BRAND_NAME"],
        }
