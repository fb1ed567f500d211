"""Vietnamese first: the interface is Vietnamese unless the user picked another language.

Django's LocaleMiddleware follows the browser's Accept-Language, so most office machines
(English Windows, English Chrome) would get a half-translated English page. Here only an
explicit choice (the language cookie set by /i18n/setlang/) switches language.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class VietnameseFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        # Activation is per thread: restore it afterwards, or the next request (or test, or
        # background job) served by this thread would speak the previous visitor's language.
        previous = translation.get_language()
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.activate(previous) if previous else translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response
