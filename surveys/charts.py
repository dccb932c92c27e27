"""Server-rendered SVG trend charts: a line of values with its confidence band, no JavaScript needed."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TrendChart:
    """Coordinates for the template's <svg>; points without enough data are gaps."""

    width: int
    height: int
    line: str  # SVG path data
    band: str  # SVG path data of the confidence band
    dots: list[dict]
    y_ticks: list[dict]
    x_labels: list[dict]


def trend_chart(points: list[tuple[str, float | None, float | None, float | None, int]], *, lo: float, hi: float,
                width: int = 640, height: int = 220) -> TrendChart:  # fmt: skip
    """Points are (label, value, low, high, n); `lo`..`hi` is the y range (e.g. −100..100 for NPS)."""
    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: float) -> float:
        v = min(max(v, lo), hi)
        return round(top + plot_h * (hi - v) / (hi - lo), 1)

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
    every = max(1, len(points) // 6)
    labels = [{"x": x(i), "label": p[0]} for i, p in enumerate(points) if i % every == 0]
    return TrendChart(width, height, " ".join(line), band, dots, ticks, labels)
