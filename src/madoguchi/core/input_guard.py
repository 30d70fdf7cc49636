"""Refuse requests carrying text that cannot be stored, before any view reads them.

Every string that reaches the database from outside passes through a few doors: the URL
path and query string, cookies (the session key), posted form fields (residents'
answers, the form builder, staff search and return reasons), and the names of uploaded
files. This middleware checks them
all with :func:`madoguchi.jp.text.check_text`, so PostgreSQL and SQLite see the same
text (PostgreSQL refuses U+0000, SQLite stores it) and no view can forget the check.
JSON bodies of the API are checked by the API's parser; answers are also checked field
by field (madoguchi.forms.answers), which gives the resident the message on the question.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.text import check_text

API_PREFIX = "/api/"


def _request_strings(request: HttpRequest) -> Iterator[str]:
    yield request.path
    # Cookies too: a session key with U+0000 (sent as "\\000" in a quoted cookie) reached
    # PostgreSQL through the session lookup.
    for name, value in request.COOKIES.items():
        yield name
        yield value
    for data in (request.GET, request.POST):
        for key, values in data.lists():
            yield key
            yield from values
    # Django's multipart parser already drops unprintable characters from file names;
    # checked all the same, as any other parser might not.
    for uploads in request.FILES.lists():
        for upload in uploads[1]:
            if upload.name:
                yield upload.name


class RefuseUnstorableText:
    """400 with a message naming the character, as JSON under /api/ and as a page elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            for text in _request_strings(request):
                check_text(text)
        except InvalidJapaneseInput as refused:
            message = str(refused.message)
            if request.path.startswith(API_PREFIX):
                # The API's "invalid_text" (docs/api.md): the field is where the text was.
                field_error = {"field": "request", "code": refused.code, "message": message}
                body = {"code": "invalid_text", "message": message, "field_errors": [field_error]}
                return JsonResponse(body, status=400)
            return render(request, "core/input_refused.html", {"message": message}, status=400)
        return self.get_response(request)
