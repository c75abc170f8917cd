"""The workbench's guidance pages; mastoweb/urls.py mounts them at /workbench/ with cases' (namespace "workbench").

Every page is behind the admin's door (mastoweb.admin.staff_only: staff, past the
two-factor step) and answers only the methods it handles.
"""

from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mastoweb.admin import staff_only

from . import views

GET_OR_POST = require_http_methods(["GET", "POST"])

urlpatterns = [
    path("", staff_only(require_GET(views.start)), name="start"),
    path("create-draft/", staff_only(require_POST(views.create_draft)), name="create_draft"),
    path("<int:version_pk>/", staff_only(require_GET(views.version_page)), name="version"),
    path(
        "<int:version_pk>/paragraph/<int:paragraph_pk>/",
        staff_only(GET_OR_POST(views.paragraph_page)),
        name="paragraph",
    ),
    path(
        "<int:version_pk>/rule/<int:rule_pk>/condition/",
        staff_only(GET_OR_POST(views.condition_builder)),
        name="condition_builder",
    ),
    path("<int:version_pk>/publish/", staff_only(GET_OR_POST(views.publish)), name="publish"),
    path(
        "<int:version_pk>/publish/add-regression-case/",
        staff_only(require_POST(views.add_regression_case)),
        name="add_regression_case",
    ),
    path("<int:version_pk>/review/submit/", staff_only(require_POST(views.review_submit)), name="review_submit"),
    path("<int:version_pk>/review/approve/", staff_only(require_POST(views.review_approve)), name="review_approve"),
    path("<int:version_pk>/review/return/", staff_only(require_POST(views.review_return)), name="review_return"),
]
