from django.urls import path

from . import views

app_name = "guidance"
urlpatterns = [
    path("", views.current, name="current"),
    path("versions/", views.version_list, name="versions"),
    path("v/<int:number>/", views.version_detail, name="version"),
    path("diff/<int:old>/<int:new>/", views.version_compare, name="diff"),
    path("classification/", views.classification_record_page, name="classification"),
]
