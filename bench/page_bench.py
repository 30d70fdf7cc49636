"""Resident page weight and server time per step, beside the Wagtail form page.

    .venv/bin/python bench/page_bench.py MADOGUCHI_PORT WAGTAIL_PORT

Walks the demo survey (281000/shimin-anketo) as a browser would, over loopback against
gunicorn with the benchmark settings: start page, each step (GET, then POST the answers),
review, send, done. For every page: HTML bytes plus the stylesheets, scripts and images
it references (each fetched once, uncompressed: the worst case, before gzip/brotli), and
the median server time of 20 GETs of that page (loopback: ≈ time in the app server).
Prints one JSON line last.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from run import ANSWERS

ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.assets: dict[str, int] = {}

    def get(self, path: str) -> tuple[str, str, float]:
        started = time.perf_counter()
        with self.opener.open(urllib.parse.urljoin(self.base, path)) as response:
            body = response.read()
            url = response.geturl()
        return body.decode(), url, time.perf_counter() - started

    def post(self, path: str, fields: list[tuple[str, str]]) -> tuple[str, str]:
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(
            urllib.parse.urljoin(self.base, path), data=data, headers={"Referer": self.base}
        )
        with self.opener.open(request) as response:
            return response.read().decode(), response.geturl()

    def weight(self, html: str) -> int:
        total = len(html.encode())
        for href in ASSET.findall(html):
            if href.startswith("data:"):
                continue
            if href not in self.assets:
                with self.opener.open(urllib.parse.urljoin(self.base, href)) as response:
                    self.assets[href] = len(response.read())
            total += self.assets[href]
        return total

    def server_ms(self, path: str, repeat: int = 20) -> float:
        return statistics.median(self.get(path)[2] for _ in range(repeat)) * 1000


def step_fields(html: str) -> list[tuple[str, str]]:
    token = CSRF.search(html)
    fields = [("csrfmiddlewaretoken", token.group(1))] if token else []
    names = set(re.findall(r'name="([^"]+)"', html))
    for key, value in ANSWERS.items():
        if key in names:
            fields += [(key, v) for v in (value if isinstance(value, list) else [value])]
    return fields


def main(port: int, wagtail_port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    browser = Browser(base + "/")
    pages: list[dict[str, Any]] = []
    start = "/281000/shimin-anketo/"
    html, url, _ = browser.get(start)
    pages.append(
        {"page": "start", "kb": browser.weight(html) / 1024, "server_ms": browser.server_ms(start)}
    )
    html, url = browser.post(start, step_fields(html))
    for _ in range(10):
        path = urllib.parse.urlsplit(url).path
        kind = "review" if "/review/" in path else ("done" if "/done/" in path else "step")
        name = f"{kind} {path.rstrip('/').rsplit('/', 1)[-1]}" if kind == "step" else kind
        pages.append(
            {"page": name, "kb": browser.weight(html) / 1024, "server_ms": browser.server_ms(path)}
        )
        if kind == "done":
            break
        fields = step_fields(html) + ([("action", "next")] if kind == "step" else [])
        html, url = browser.post(path, fields)
    wagtail = Browser(f"http://127.0.0.1:{wagtail_port}/")
    w_html, _, _ = wagtail.get("/")
    result = {
        "pages": [
            {k: round(v, 2) if isinstance(v, float) else v for k, v in p.items()} for p in pages
        ],
        "heaviest_step_kb": round(max(p["kb"] for p in pages), 1),
        "server_ms": {p["page"]: round(p["server_ms"], 1) for p in pages},
        "wagtail_kb": round(wagtail.weight(w_html) / 1024, 1),
        "wagtail_server_ms": round(wagtail.server_ms("/"), 1),
        "assets": browser.assets,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
