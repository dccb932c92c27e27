from django.urls import path

from surveys.views import followups, notices, responses, results, sending, themes, website, widget, write

urlpatterns = [
    path("s/i/<str:token>/", responses.survey_invitation, name="survey-invitation"),
    path("s/<str:public_id>/", responses.survey_public, name="survey-public"),
    path("s/<str:public_id>/thanks/<str:band>/", responses.survey_thanks, name="survey-thanks"),
    path("u/<str:token>/", notices.unsubscribe, name="unsubscribe"),
    path("w.js", widget.widget_script, name="widget-script"),
    path("w/<str:public_id>/", widget.widget_config, name="widget-config"),
    path("w/<str:public_id>/answers/", widget.widget_answer, name="widget-answer"),
    path("results/<str:public_id>/pages/", website.website_pages, name="results-website-pages"),
    path("write/", write.write_to_us, name="write"),
    path("write/thanks/<str:token>/", write.write_thanks, name="write-thanks"),
    path("results/", results.results_index, name="results-index"),
    path("results/<str:public_id>/", results.results_detail, name="results-detail"),
    path("results/<str:public_id>/export.csv", results.results_export, name="results-export"),
    path(
        "results/<str:public_id>/export.xlsx",
        results.results_export,
        {"file_format": "xlsx"},
        name="results-export-xlsx",
    ),
    path("results/<str:public_id>/allies/", results.results_allies, name="results-allies"),
    path("distributions/<int:pk>/", sending.distribution_page, name="distribution-send"),
    path("distributions/<int:pk>/<str:action>/", sending.distribution_act, name="distribution-act"),
    path("results/<str:public_id>/themes/", themes.results_themes, name="results-themes"),
    path("results/<str:public_id>/themes/accept/", themes.discovered_theme_accept, name="results-theme-accept"),
    path("followups/", followups.followup_list, name="followup-list"),
    path("followups/reassign/", followups.followup_bulk_reassign, name="followup-bulk-reassign"),
    path("followups/views/", followups.saved_view_act, name="followup-saved-views"),
    path("followups/<int:pk>/", followups.followup_detail, name="followup-detail"),
    path("followups/<int:pk>/<str:action>/", followups.followup_act, name="followup-act"),
    path("f/<str:token>/", followups.followup_recovery, name="followup-recovery"),
]
