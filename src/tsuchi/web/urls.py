"""URL sets. ``TSUCHI_MOUNT`` chooses which are served: the staff console (government network)
and the resident portal (internet) can be deployed apart."""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path

urlpatterns = [path("i18n/", include("django.conf.urls.i18n"))]

if "staff" in settings.MOUNT:
    urlpatterns += [
        path("", lambda request: redirect("batches:list")),
        path("accounts/", include("tsuchi.accounts.urls")),
        path("batches/", include("tsuchi.batches.urls")),
        path("admin/", admin.site.urls),
        path("api/", include("tsuchi.api.urls")),
    ]
