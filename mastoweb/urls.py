import os

from django.contrib import admin
from django.urls import include, path

from cases import workbench as cases_workbench
from guidance.workbench import urls as guidance_workbench

from . import views

ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("guidance/", include("guidance.urls")),
    path("workbench/classification/", include("guidance.classification_urls")),
    path("cases/", include("cases.urls")),
    path("audit/", include("audit.urls")),
    # The guidance editor's workbench, staff only: guidance's pages and cases' "try a case" and "impact".
    path("workbench/", include((guidance_workbench.urlpatterns + cases_workbench.urlpatterns, "workbench"))),
    path("", include("interop.urls")),
    path(ADMIN_URL, admin.site.urls),
]
