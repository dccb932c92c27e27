"""Server-rendered SVG trend charts: a line of values with its confidence band, no JavaScript needed.

Every coordinate leaves here as a string with a full stop for the decimal point: templates render floats
through the active locale (USE_L10N), and a Russian `192,0` in an SVG attribute breaks the chart.
"""

import math
from dataclasses import dataclass

LABEL_WIDTH = 48  # a month's label ("2026-07" at 11px) with a little room, in the chart's own units


def svg_number(value: float) -> str:
    """A number as SVG and CSS read it, whatever the reader's language: `192.5`, `44`, `-3.2`."""
    text = f"{round(float(value), 1):.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def fitted_range(points: list[tuple], *, lo: float, hi: float) -> tuple[float, float]:
    """The y range that holds the points' intervals with a little room, in round steps, within the scale's `lo`..`hi`
    — so a score moving between 20 and 35 is not drawn as a flat line across −100..100."""
    values = [v for _label, value, low, high, _n in points for v in (value, low, high) if v is not None]
    if not values:
        return lo, hi
    step = 10 if hi - lo > 20 else 0.5
    bottom = max(lo, (min(values) // step) * step - step)
    top = min(hi, -((-max(values)) // step) * step + step)
    return (bottom, top) if top > bottom else (lo, hi)


@dataclass(frozen=True)
class TrendChart:
    """Coordinates for the template's <svg>; points without enough data are gaps."""

    width: int
    height: int
    line: str  # SVG path data
    band: str  # SVG path data of the confidence band
    dots: list[dict]
    y_ticks: list[dict]
    x_labels: list[dict]  # x, label and anchor: the last label ends at its point, so it is never clipped


def trend_chart(points: list[tuple[str, float | None, float | None, float | None, int]], lo: float, hi: float, *,
                width: int = 640, height: int = 220) -> TrendChart:  # fmt: skip
    """Points are (label, value, low, high, n); `lo`..`hi` is the y range (e.g. −100..100 for NPS)."""
    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> str:
        return svg_number(left + i * step)

    def y(v: float) -> str:
        v = min(max(v, lo), hi)
        return svg_number(top + plot_h * (hi - v) / (hi - lo))

    line, upper, lower, dots = [], [], [], []
    for i, (label, value, low, high, n) in enumerate(points):
        if value is None:
            continue
        line.append(f"{'M' if not line else 'L'}{x(i)},{y(value)}")
        upper.append((x(i), y(high)))
        lower.append((x(i), y(low)))
        dots.append({"x": x(i), "y": y(value), "label": label, "value": round(value, 1), "n": n})
    band = ""
    if upper:
        band = "M" + " L".join(f"{px},{py}" for px, py in upper)
        band += " L" + " L".join(f"{px},{py}" for px, py in reversed(lower)) + " Z"
    ticks = [{"y": y(v), "label": f"{v:g}"} for v in (lo, (lo + hi) / 2, hi)]
    last = len(points) - 1
    every = max(1, len(points) // 6, math.ceil(LABEL_WIDTH / step))
    # The newest period always gets its label, ending at its point; an evenly spaced one whose middle is closer to
    # that point than one and a half labels would overlap it, and gives way.
    shown = [i for i in range(len(points)) if i % every == 0 and (i == last or (last - i) * step >= 1.5 * LABEL_WIDTH)]
    if last >= 0 and last not in shown:
        shown.append(last)
    labels = [
        {"x": x(i), "label": points[i][0], "anchor": "end" if i == last and last > 0 else "middle"} for i in shown
    ]
    return TrendChart(width, height, " ".join(line), band, dots, ticks, labels)
