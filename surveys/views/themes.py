"""The themes page of a survey and slice (CX leads and managers): what customers talk about, how it trends,
how negative it is and what it costs the score; CX leads also see phrases no theme covers yet."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxprogram.replica import reads_from_replica
from cxprogram.selectors import request_scope
from surveys.forms.themes import DiscoveredThemeForm
from surveys.models import SentimentClassifier, Survey, Theme
from surveys.selectors.themes import discovered_clusters, discovered_themes, theme_report
from surveys.services.text import theme_add_marker, theme_create
from surveys.views.results import _filtered


@login_required
@reads_from_replica
def results_themes(request: HttpRequest, public_id: str) -> HttpResponse:
    survey, form, valid, units = _filtered(request, public_id)
    if survey.anonymous:
        # Theme counts over any dates and units could be subtracted down to one person; an anonymous survey's
        # comments are read only as a group of a finished period, on its results page (surveys.anonymity).
        messages.info(request, _("Themes are not shown for anonymous surveys: their comments are read only as a "
                                 "group of a finished period, on the results page."))  # fmt: skip
        return redirect("results-detail", survey.public_id)
    if not valid:
        return render(request, "surveys/results_themes.html", {"survey": survey, "form": form}, status=400)
    slice_ = form.slice_for(survey, units)
    is_lead = request_scope(request).is_lead
    context = {
        "survey": survey,
        "form": form,
        "report": theme_report(slice_=slice_),
        "discovered": discovered_themes(slice_=slice_, today=timezone.localdate())[:15] if is_lead else [],
        "clusters": discovered_clusters(slice_=slice_, today=timezone.localdate())[:10] if is_lead else [],
        "themes": Theme.objects.filter(active=True).order_by("code") if is_lead else [],
        "classifier": SentimentClassifier.objects.filter(active=True).defer("data").first(),
        "query": request.GET.urlencode(),
    }
    return render(request, "surveys/results_themes.html", context)


@login_required
@require_POST
def discovered_theme_accept(request: HttpRequest, public_id: str) -> HttpResponse:
    """A CX lead turns a discovered phrase into a new theme or adds it to an existing one."""
    if not request_scope(request).is_lead:
        raise Http404
    survey = get_object_or_404(Survey, public_id=public_id)
    form = DiscoveredThemeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("results-themes", survey.public_id)
    data = form.cleaned_data
    if data["theme"] is not None:
        theme_add_marker(theme=data["theme"], phrase=data["phrase"])
        messages.success(request, _("“%(phrase)s” now marks the theme “%(theme)s”; comments are being re-tagged.")
                         % {"phrase": data["phrase"], "theme": data["theme"]})  # fmt: skip
    else:
        theme = theme_create(
            code=data["code"], name_en=data["name"], name_ru=data["name"], markers=data["phrase"], parent=None
        )
        messages.success(request, _("New theme “%(theme)s”; comments are being re-tagged.") % {"theme": theme})
    return redirect("results-themes", survey.public_id)
