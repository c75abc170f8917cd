"""The admin site: staff only, and only after the two-factor step when it is required."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .twofactor import two_factor_pending


class MastowebAdminSite(admin.AdminSite):
    site_header = "Mastoweb administration"
    site_title = "Mastoweb admin"

    def has_permission(self, request):
        return super().has_permission(request) and not two_factor_pending(request.user)

    def login(self, request, extra_context=None):
        """One login page for the whole site; staff then pass the two-factor step."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url)
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if two_factor_pending(user):
            return redirect(f"{reverse('two_factor_verify')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        return redirect(next_url)
