"""Baselines for the page benchmarks; served only under bench.settings."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render


@login_required
def trivial(request):
    """The cheapest real page: logged in, the site's base template, one sentence."""
    return render(request, "bench/trivial.html")


def hello(request):
    """No session, no template: the floor of the middleware stack."""
    return HttpResponse("ok", content_type="text/plain")
