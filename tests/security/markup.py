"""Checks on served HTML: typed text shows up escaped, and nothing a person typed can run."""

from html import unescape
from html.parser import HTMLParser

from django.utils.html import escape

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}


class _ActiveContent(HTMLParser):
    """Collects everything in a page that a browser would run: inline scripts, scripts from elsewhere,
    event-handler attributes and javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            squeezed = "".join(unescape(value).split()).lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            kind = attributes.get("type") or "text/javascript"
            src = attributes.get("src")
            if src is not None and (not src.startswith("/") or src.startswith(("//", "/\\"))):
                self.found.append(f"<script src={src!r}> from another site")
            self._script = kind

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None and data.strip() and self._script != "application/json":
            self.found.append(f"inline script: {data.strip()[:80]!r}")


def active_content(html: str) -> list[str]:
    """What in the page would run in a browser, other than the site's own scripts."""
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def problems_with(html: str, shown: list[str]) -> list[str]:
    """Why the page is unsafe or does not show each typed text (escaped); empty when all is well."""
    problems = [f"runs {item}" for item in active_content(html)]
    problems += [f"does not show {text!r} escaped" for text in shown if escape(text) not in html]
    return problems
