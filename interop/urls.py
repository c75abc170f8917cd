"""Mounted at the site root by mastoweb/urls.py: the CDS Hooks paths are the spec's own."""

from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [
    path("cds-services", views.discovery, name="cds_discovery"),
    path("cds-services/sm-management", views.service, name="cds_service"),
    path("cds-services/sm-management/feedback", views.feedback, name="cds_feedback"),
    path("guidance/v/<int:number>/fhir/PlanDefinition", views.plan_definition, name="plan_definition"),
    path(
        "cases/<uuid:case_id>/assessments/<int:assessment_id>/fhir/RequestGroup",
        views.request_group,
        name="request_group",
    ),
]
