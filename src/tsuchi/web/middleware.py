"""Japanese first: the interface is Japanese unless the user chose English with the language
switch (a cookie). The browser's Accept-Language is not consulted, so a terminal set up in
English still shows the municipality's Japanese interface."""

from django.conf import settings
from django.utils import translation


class JapaneseFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Restored afterwards, so the request's language does not leak into later work done
        # on the same thread.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
