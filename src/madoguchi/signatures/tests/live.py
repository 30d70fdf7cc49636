"""Helpers for signing end to end: the test client as the resident's browser, devidp on
the live server as the Digital Authentication App service."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from madoguchi.testing.files import pdf_bytes

# Uploads are parsed (submissions.filetypes): real one-page PDFs.
PDF = pdf_bytes("証明書")
OTHER_PDF = pdf_bytes("別のスキャン")

SCHEMA: dict[str, Any] = {
    "title": {"ja": "原動機付自転車の廃車申告", "en": "Moped deregistration"},
    "identity": "mynumber_sign",
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "owner",
            "title": "所有者",
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "label": "氏名",
                    "required": True,
                    "prefill": "name",
                },
                {
                    "key": "born",
                    "type": "date",
                    "label": "生年月日",
                    "required": True,
                    "prefill": "birth_date",
                },
                {"key": "phone", "type": "phone", "label": "電話番号", "required": True},
                {
                    "key": "certificate",
                    "type": "file",
                    "label": "標識交付証明書",
                    "required": True,
                    "accept": ["application/pdf"],
                },
            ],
        }
    ],
}


def go(browser: Client, response: Any) -> Any:
    """Follow one redirect, to Madoguchi or to devidp (the same live server)."""
    assert response.status_code == 302, (response.status_code, response.content[:800])
    location = urlsplit(response["Location"])
    return browser.get(f"{location.path}?{location.query}" if location.query else location.path)


def fill_in_with_card(browser: Client, *, resident: str = "kaga-taro", pin: str = "1234") -> str:
    """Start the form with the card, answer the one step; returns the resume token."""
    started = browser.post(
        reverse("submissions:form_start", args=["172065", "gentsuki"]),
        {"provider": "digital-auth-app"},
    )
    card_page = go(browser, started)
    assert card_page.status_code == 200
    step = go(
        browser,
        go(
            browser,
            browser.post(
                urlsplit(started["Location"]).path + "?" + urlsplit(started["Location"]).query,
                {"resident": resident, "pin": pin, "action": "authenticate"},
            ),
        ),
    )
    token = step.request["PATH_INFO"].split("/")[2]
    saved = browser.post(
        reverse("submissions:step", kwargs={"token": token, "number": 1}),
        {"phone": "0761-72-1111", "certificate": SimpleUploadedFile("cert.pdf", PDF)},
    )
    assert saved.status_code == 302, saved.content[:2000]
    return token


def sign(browser: Client, token: str, *, resident: str = "kaga-taro", pin: str = "KAGA1975") -> Any:
    """Press "sign and send" and sign on the card page; returns devidp's redirect back."""
    review = browser.post(reverse("submissions:review", kwargs={"token": token}))
    assert review.status_code == 302, review.content[:2000]
    card_page = go(browser, review)
    assert card_page.status_code == 200
    location = urlsplit(review["Location"])
    return browser.post(
        f"{location.path}?{location.query}", {"resident": resident, "pin": pin, "action": "sign"}
    )
