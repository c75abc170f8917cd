"""The classification record's workbench, at /workbench/classification/ (guidance.classification_views)."""

from django.urls import path

from . import classification_views as views

app_name = "classification_workbench"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("draft/", views.create_draft, name="create_draft"),
    path("v/<int:number>/", views.edit, name="edit"),
    path("v/<int:number>/submit/", views.submit, name="submit"),
    path("v/<int:number>/return/", views.send_back, name="return"),
    path("v/<int:number>/publish/", views.publish, name="publish"),
]
