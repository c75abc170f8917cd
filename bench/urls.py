"""The project's URLs plus the two baselines the bench compares pages with."""

from django.urls import path

from mastoweb.urls import urlpatterns as project_urlpatterns

from . import views

urlpatterns = [
    path("bench/trivial/", views.trivial, name="bench-trivial"),
    path("bench/hello/", views.hello, name="bench-hello"),
    *project_urlpatterns,
]
