"""Shop-floor QR posters: the printed code decodes to the survey's link with the store and touchpoint signed in."""

import io
import re
from urllib.parse import urlencode

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

from surveys.models import Response
from tests.surveys.conftest import submit
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store_survey(org, settings):
    settings.SITE_URL = "https://cx.example.com"
    survey = SurveyFactory(public_id="visit", title_en="Your visit", title_ru="Ваш визит")
    question = QuestionFactory(survey=survey, type="nps")
    return survey, question, org["units"]["north_store"]


def poster_url(survey, kind: str, **params) -> str:
    return f"/admin/surveys/survey/{survey.pk}/poster.{kind}?{urlencode(params)}"


def decoded_svg(svg: str) -> list[str]:
    """Rasterise the poster's QR path (module squares) and decode it."""
    path = re.search(r'<path class="qr" [^>]* d="([^"]+)"', svg).group(1)
    rows = [tuple(int(n) for n in m) for m in re.findall(r"M(\d+),(\d+)h(\d+)", path)]
    size = max(x + w for x, _y, w in rows) + 8
    image = Image.new("L", (size * 8, size * 8), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w in rows:
        draw.rectangle([(x + 4) * 8, (y + 4) * 8, (x + 4 + w) * 8 - 1, (y + 5) * 8 - 1], fill=0)
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_pdf_poster_decodes_to_a_link_that_files_the_answer_under_the_store_and_touchpoint(
    admin_client, client, store_survey
):
    survey, question, store = store_survey
    response = admin_client.get(poster_url(survey, "pdf", unit=store.pk, touchpoint="checkout", channel="store"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="poster-north-store-checkout.pdf"'
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    text = page.extract_text()
    for words in ("North store", "Ваш визит", "Your visit", "Как мы справились?", "How did we do?"):
        assert words in text
    (qr_image,) = page.images
    (link,) = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_image.data)))]
    assert link.startswith("https://cx.example.com/s/visit/?ctx=")

    assert submit(client, link.removeprefix("https://cx.example.com"), {f"q{question.pk}": "4"}).status_code == 302
    saved = Response.objects.get()
    assert (saved.unit, saved.touchpoint, saved.channel) == (store, "checkout", "store")


def test_svg_poster_decodes_to_the_same_signed_context_and_escapes_the_store_name(admin_client, client, store_survey):
    survey, question, store = store_survey
    store.name = 'Store <script>alert("x")</script>'
    store.save()
    response = admin_client.get(poster_url(survey, "svg", unit=store.pk, touchpoint="fitting-room"))
    svg = response.content.decode()
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "<script>" not in svg
    assert "Store &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in svg
    assert "Расскажите о своём визите" in svg and "Tell us about your visit" in svg
    (link,) = decoded_svg(svg)
    assert submit(client, link.removeprefix("https://cx.example.com"), {f"q{question.pk}": "9"}).status_code == 302
    saved = Response.objects.get()
    assert (saved.unit, saved.touchpoint) == (store, "fitting-room")


def test_a_poster_needs_a_unit_and_staff_access(admin_client, client, store_survey, org):
    survey, _question, store = store_survey
    missing = admin_client.get(poster_url(survey, "pdf", touchpoint="checkout"))
    assert (missing.status_code, missing.content.decode()) == (400, "Choose the unit the poster hangs in.")
    assert admin_client.get(poster_url(survey, "png", unit=store.pk)).status_code == 404
    anonymous = client.get(poster_url(survey, "pdf", unit=store.pk))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    client.force_login(org["people"]["alice"].user)
    assert client.get(poster_url(survey, "svg", unit=store.pk)).status_code == 403


def test_link_page_offers_the_poster_once_a_unit_is_chosen(admin_client, store_survey):
    survey, _question, store = store_survey
    page = admin_client.get(f"/admin/surveys/survey/{survey.pk}/link/?unit={store.pk}&touchpoint=checkout")
    assert f"/admin/surveys/survey/{survey.pk}/poster.pdf?unit={store.pk}&amp;touchpoint=checkout" in (
        page.content.decode()
    )


def test_link_page_gives_the_units_write_to_us_link(admin_client, client, store_survey):
    survey, _question, store = store_survey
    page = admin_client.get(f"/admin/surveys/survey/{survey.pk}/link/?unit={store.pk}").content.decode()
    link = re.search(r'id="write-link" [^>]*value="http://testserver(/write/\?ctx=[^"]+)"', page)
    form = client.get(link.group(1).replace("&amp;", "&"), headers={"accept-language": "ru"}).content.decode()
    assert f'<p class="survey-kicker">{store.name}</p>' in form
