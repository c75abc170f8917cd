import os

from django.contrib import admin
from django.urls import include, path

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
    path("", include("interop.urls")),
    path(ADMIN_URL, admin.site.urls),
]
