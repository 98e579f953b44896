from django.urls import path

from tsuchi.api import views

app_name = "api"

urlpatterns = [
    path(
        "batches/<int:batch_id>/signed-package",
        views.signed_package,
        name="signed_package",
    ),
    path(
        "batches/<int:batch_id>/notices-to-sign",
        views.signing_package,
        name="signing_package",
    ),
]
