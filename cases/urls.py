from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("preview/", views.case_preview, name="preview"),
    path("keep-alive/", views.session_keep_alive, name="keep_alive"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/edit/", views.case_update, name="update"),
    path("<uuid:case_id>/reassess/", views.case_reassess, name="reassess"),
    path("<uuid:case_id>/subtype/", views.case_subtype_apply, name="subtype_apply"),
    path("<uuid:case_id>/assessments/<int:assessment_id>/", views.assessment_detail, name="assessment"),
    path("<uuid:case_id>/compare/", views.case_compare, name="compare"),
    path("<uuid:case_id>/assessments/<int:assessment_id>/feedback/", views.assessment_feedback, name="feedback"),
    path("review/", views.case_review, name="review"),
    path("review/export.csv", views.case_review_export, name="review_export"),
    path("review/dashboard/", views.case_dashboard, name="dashboard"),
    path("review/dashboard/<slug:chart>.csv", views.case_dashboard_csv, name="dashboard_csv"),
    path("review/<uuid:case_id>/", views.case_review_detail, name="review_detail"),
]
