"""The camera QR scanner (``madoguchi/qr-scanner.js``) on a page with a scan input.

In the template::

    {% load qr_scanner %}
    {% block scripts %}{{ block.super }}{% qr_scanner_assets %}{% endblock %}
    <input type="text" id="scan" name="scan" ... {% qr_scan_attributes %}>

and the view's response gets :func:`madoguchi.core.csp.allow_webassembly`: the reader is
WebAssembly. The input keeps working alone (USB scanner, typing); the script adds the camera.
"""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

READER_MODULE = "vendor/zxing-wasm/dist/es/reader/index.js"
READER_WASM = "vendor/zxing-wasm/dist/reader/zxing_reader.wasm"


@register.simple_tag
def qr_scanner_assets() -> SafeString:
    """The scanner's stylesheet and script (a module: deferred, run once)."""
    return format_html(
        '<link rel="stylesheet" href="{}"><script type="module" src="{}"></script>',
        static("madoguchi/qr-scanner.css"),
        static("madoguchi/qr-scanner.js"),
    )


def _texts() -> dict[str, str]:
    return {
        "open": _("Scan with camera"),
        "title": _("Scan the code with the camera"),
        "hint": _("Hold the code in front of the camera. It is read as soon as it is sharp."),
        "close": _("Close the camera"),
        "video": _("Camera picture"),
        "starting": _("Starting the camera…"),
        "scanning": _("The camera is on. Hold the code in front of it."),
        "found": _("Code read. Opening it…"),
        "denied": _(
            "The browser may not use the camera. Allow the camera for this site in the "
            "browser's settings, or use the scanner or type the code instead."
        ),
        "no-camera": _(
            "No camera was found. Connect a camera, or use the scanner or type the code instead."
        ),
        "failed": _(
            "The camera could not be started (another program may be using it). Close the "
            "camera and try again, or use the scanner or type the code instead."
        ),
    }


@register.simple_tag
def qr_scan_attributes() -> SafeString:
    """Marks the input the camera fills (``data-qr-scan``) and gives the script its texts, in
    the page's language, and the reader's URLs (hashed names in production)."""
    attributes = [("data-qr-scan", ""), ("data-qr-reader", static(READER_MODULE))]
    attributes.append(("data-qr-wasm", static(READER_WASM)))
    attributes += [(f"data-qr-{name}", text) for name, text in _texts().items()]
    return format_html_join(" ", '{}="{}"', attributes)
