"""The journey map's emotion curves as server-rendered SVG: expected and measured sentiment per stage."""

from dataclasses import dataclass

from surveys.charts import svg_number


@dataclass(frozen=True)
class EmotionCurve:
    width: int
    height: int
    expected: str  # SVG path data
    measured: str
    points: list[dict]  # per stage: x, label, expected/measured levels and their y
    levels: list[dict]  # horizontal guides at −2, 0 and +2


def emotion_curve(columns: list, *, width: int = 720, height: int = 180) -> EmotionCurve | None:
    """Columns carry `stage`, `expected` and `measured` on the −2..+2 scale; stages without a value are gaps."""
    if not columns:
        return None
    left, right, top, bottom = 40, 16, 12, 28
    step = (width - left - right) / max(len(columns) - 1, 1)

    def y(level: float) -> str:
        return svg_number(top + (height - top - bottom) * (2 - level) / 4)

    def path(values: list[tuple[str, float | None]]) -> str:
        parts, pen_down = [], False
        for x, level in values:
            if level is None:
                pen_down = False
                continue
            parts.append(f"{'L' if pen_down else 'M'}{x},{y(level)}")
            pen_down = True
        return " ".join(parts)

    xs = [svg_number(left + i * step if len(columns) > 1 else width / 2) for i in range(len(columns))]
    points = [
        {
            "x": x,
            "label": column.stage.name,
            "expected": column.expected,
            "measured": column.measured,
            "expected_y": None if column.expected is None else y(column.expected),
            "measured_y": None if column.measured is None else y(column.measured),
        }
        for x, column in zip(xs, columns, strict=True)
    ]
    return EmotionCurve(
        width=width,
        height=height,
        expected=path([(p["x"], p["expected"]) for p in points]),
        measured=path([(p["x"], p["measured"]) for p in points]),
        points=points,
        levels=[{"y": y(level), "label": f"{level:+d}" if level else "0"} for level in (2, 0, -2)],
    )
