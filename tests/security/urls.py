"""The project's URLs plus a view that fails, for the error page tests."""

from django.urls import path

from mastoweb.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("secret-internal-detail: database password is hunter2")


urlpatterns = [*project_urlpatterns, path("boom/", boom)]
