"""Charts in Russian: every SVG coordinate is a number a browser parses, whatever the reader's language."""

import pytest
from django.core.management import call_command

from cxprogram.models import Employee
from journeys.models import Journey, Touchpoint
from surveys.charts import svg_number, trend_chart
from tests.i18n.markup import unparsable_numbers, x_labels

pytestmark = pytest.mark.django_db


def test_svg_number_is_the_same_in_every_language():
    assert [svg_number(v) for v in (192.0, 44, 3.14159, -2.25, -0.04, 1e-9)] == ["192", "44", "3.1", "-2.2", "0", "0"]


def test_the_newest_period_is_labelled_and_ends_inside_the_chart():
    points = [(f"2026-{m:02d}", 10.0 * m, 5.0, 20.0, 40) for m in range(1, 13)]
    chart = trend_chart(points, lo=-100, hi=100)
    assert [(label["label"], label["x"], label["anchor"]) for label in chart.x_labels] == [
        ("2026-01", "44", "middle"), ("2026-03", "150.2", "middle"), ("2026-05", "256.4", "middle"),
        ("2026-07", "362.5", "middle"), ("2026-09", "468.7", "middle"), ("2026-12", "628", "end"),
    ]  # fmt: skip
    assert chart.y_ticks == [{"y": "192", "label": "-100"}, {"y": "102", "label": "0"}, {"y": "12", "label": "100"}]
    # A home page tile: six months in 320 units; the month before the newest would run into its label.
    small = trend_chart(points[6:], lo=-100, hi=100, width=320, height=120)
    assert [(label["label"], label["x"]) for label in small.x_labels] == [
        ("2026-07", "44"), ("2026-08", "96.8"), ("2026-09", "149.6"), ("2026-10", "202.4"), ("2026-12", "308"),
    ]  # fmt: skip
    # A KPI card: twelve months in 320 units, every other month.
    kpi = trend_chart(points, lo=-100, hi=100, width=320, height=120)
    assert [label["label"] for label in kpi.x_labels] == [
        "2026-01",
        "2026-03",
        "2026-05",
        "2026-07",
        "2026-09",
        "2026-12",
    ]


def test_a_trend_is_described_in_the_readers_language_with_parsable_coordinates():
    from django.utils import translation

    from surveys.templatetags.charts import trend_svg

    points = [
        ("2026-10", 34.44, 20.0, 48.0, 32),
        ("<b>2026-11</b>", None, None, None, 3),
        ("2026-12", -6.06, -20.0, 8.0, 33),
    ]
    chart = trend_chart(points, lo=-50, hi=80, width=320, height=120)
    with translation.override("ru"):
        svg = trend_svg(chart, labelledby="tile-x", desc_id="spark-x", small=True, desc_prefix="По месяцам")
        empty = trend_svg(trend_chart(points[1:2], lo=0, hi=100), labelledby="t", desc_id="d")
    assert '<desc id="spark-x">По месяцам: 2026-10: 34,4 (n=32); 2026-12: -6,1 (n=33)</desc>' in svg
    assert '<circle cx="44" cy="40" r="4" class="dot"><title>2026-10: 34,4 (n=32)</title></circle>' in svg
    assert "&lt;b&gt;2026-11&lt;/b&gt;" in svg and "<b>" not in svg  # a label is text, never markup
    assert svg.startswith(
        '<svg class="trend trend-small" viewBox="0 0 320 120" role="img" aria-labelledby="tile-x spark-x">'
    )
    assert unparsable_numbers(svg) == (1, []) and unparsable_numbers(empty) == (1, [])
    assert '<desc id="d">недостаточно данных</desc>' in empty


def _demo_pages(client) -> dict[str, str]:
    call_command("seed_demo", password="pw-charts", customers=300, responses=900)
    client.cookies["django_language"] = "ru"
    pages = {}
    assert client.login(username="lead", password="pw-charts")
    for public_id in ("store-visit", "delivery", "relationship"):
        pages[f"/results/{public_id}/"] = f"/results/{public_id}/"
    for journey in Journey.objects.all():
        pages[f"/journeys/{journey.pk}/"] = f"/journeys/{journey.pk}/"
    for touchpoint in Touchpoint.objects.filter(code__in=["store-visit", "delivery"]).select_related("stage"):
        pages[f"touchpoint {touchpoint.code}"] = f"/journeys/{touchpoint.stage.journey_id}/touchpoints/{touchpoint.pk}/"
    alice = Employee.objects.get(user__username="alice")
    pages["/employees/alice/"] = f"/employees/{alice.pk}/"
    html = {name: client.get(url, follow=True).content.decode() for name, url in pages.items()}
    assert client.login(username="manager", password="pw-charts")
    html["/team/"] = client.get("/team/", follow=True).content.decode()
    assert client.login(username="alice", password="pw-charts")
    html["/me/"] = client.get("/me/").content.decode()
    return html


def test_every_chart_of_the_demo_reads_in_russian(client):
    pages = _demo_pages(client)
    assert "Результаты" in pages["/results/store-visit/"]  # the pages really are Russian
    counts = {}
    for name, html in pages.items():
        svgs, bad = unparsable_numbers(html)
        assert bad == [], f"{name}: {bad[:5]}"
        counts[name] = svgs
    assert counts["/results/store-visit/"] == 1 and counts["/me/"] >= 1 and counts["/team/"] >= 1
    assert all(counts[name] == 1 for name in pages if name.startswith(("/journeys/", "touchpoint")))
    labels = x_labels(pages["/results/store-visit/"])
    assert labels[-1][0] == "628" and labels[-1][1] == "end"
    assert len({text for _, _, text in labels}) == len(labels)  # no "2 2 2"
