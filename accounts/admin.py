"""The TOTP device admin, with confirming a device for two-factor login (accounts.models.DeviceConfirmation).

It replaces django-otp's own device admin, which the admin's autodiscover has
registered by now: django_otp.plugins.otp_totp comes before accounts in
INSTALLED_APPS (and importing its admin below would register it anyway).
"""

from django.contrib import admin, messages
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .services import device_confirm_for_login


class DeviceAdmin(TOTPDeviceAdmin):
    """django-otp's device admin, plus confirming a device for two-factor login (see DeviceConfirmation)."""

    list_display = [*TOTPDeviceAdmin.list_display, "confirmed_for_login"]
    actions = ["confirm_for_login"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("login_confirmation")

    @admin.display(boolean=True, description="Confirmed for login")
    def confirmed_for_login(self, device):
        return hasattr(device, "login_confirmation")

    @admin.action(description="Confirm the selected devices for two-factor login", permissions=["change"])
    def confirm_for_login(self, request, queryset):
        confirmed = 0
        for device in queryset.filter(confirmed=True, login_confirmation__isnull=True):
            device_confirm_for_login(admin=request.user, device=device)
            self.log_change(request, device, "Confirmed for two-factor login.")
            confirmed += 1
        skipped = queryset.count() - confirmed
        self.message_user(request, f"Devices confirmed for two-factor login: {confirmed}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Left as they were: {skipped} (already confirmed for login, or never produced a code).",
                messages.WARNING,
            )


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, DeviceAdmin)
