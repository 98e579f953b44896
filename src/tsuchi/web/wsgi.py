"""WSGI entry point for tsuchi."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsuchi.web.settings")
application = get_wsgi_application()
