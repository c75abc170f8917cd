import os

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from guidance import views as guidance_views

from . import twofactor, views

ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", twofactor.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", twofactor.verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", twofactor.setup, name="two_factor_setup"),
    path("healthz", guidance_views.healthz, name="healthz"),
    path("guidance/", include("guidance.urls")),
    path("cases/", include("cases.urls")),
    path("audit/", include("audit.urls")),
    path("", include("interop.urls")),
    path(ADMIN_URL, admin.site.urls),
]
