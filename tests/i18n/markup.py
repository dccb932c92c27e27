"""Checks on served HTML that hold in every language: numbers a browser parses are never localised."""

import re
from html.parser import HTMLParser

NUMBER = r"-?\d+(?:\.\d+)?"
NUMERIC_ATTRIBUTES = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "min", "max", "low",
                      "high", "optimum", "value", "dx", "dy"}  # fmt: skip
PATH_DATA = re.compile(rf"^(?:[MLZ]\s*(?:{NUMBER},{NUMBER})?\s*)*$")
VIEW_BOX = re.compile(rf"^{NUMBER} {NUMBER} {NUMBER} {NUMBER}$")
NUMERIC_TAGS = {"svg", "line", "circle", "text", "rect", "meter", "progress", "path", "polyline"}


class _Numbers(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.svgs = 0

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svgs += 1
        for name, value in attrs:
            value = value or ""
            wrong = (
                (tag in NUMERIC_TAGS and name in NUMERIC_ATTRIBUTES and not re.fullmatch(NUMBER, value))
                or (name == "d" and tag == "path" and not PATH_DATA.match(value))
                or (name == "viewbox" and not VIEW_BOX.match(value))
                or (name.startswith("data-") and re.fullmatch(r"-?\d+,\d+", value))
            )
            if wrong:
                self.bad.append(f"<{tag} {name}={value!r}>")


def unparsable_numbers(html: str) -> tuple[int, list[str]]:
    """The number of <svg> charts in a page and every numeric attribute a browser could not parse."""
    parser = _Numbers()
    parser.feed(html)
    parser.close()
    return parser.svgs, parser.bad


def x_labels(html: str) -> list[tuple[str, str, str]]:
    """The x-axis labels of the page's trend charts: (x, text-anchor, text)."""
    return re.findall(r'<text x="([^"]+)" y="[^"]+" class="tick" text-anchor="(middle|end|start)">([^<]*)</text>', html)
