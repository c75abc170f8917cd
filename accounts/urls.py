"""Login, logout and the two-factor step; names without a namespace, as Django's auth views expect."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import twofactor

urlpatterns = [
    path("login/", twofactor.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", twofactor.verify, name="two_factor_verify"),
    path("two-factor/setup/", twofactor.setup, name="two_factor_setup"),
]
