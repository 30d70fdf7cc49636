"""Staff read a mail-in paper's QR code with a webcam: a real camera feed (Chromium's fake
capture device playing a picture of the printed PDF) opens the same intake page as the code
typed by a USB scanner; the open scanner passes axe, closes with Esc and stops the camera; a
browser without a camera, or not allowed to use it, says so and the input still works.

The camera browsers are launched from the session's one Playwright (``browser.browser_type``),
never from a second ``sync_playwright`` (see conftest)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from PIL import Image

from madoguchi.e2e.tests.conftest import CHROMIUM, CHROMIUM_ARGS, assert_accessible, screenshot
from madoguchi.e2e.tests.test_mail_intake import FOCUSED_ON_SCAN, log_in, scan
from madoguchi.mailin import payload, pdf
from madoguchi.mailin.models import MailApplication
from madoguchi.mailin.tests.test_intake import ANSWERS, mail_application
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import publish_form

pytestmark = pytest.mark.browser

FRAME = (1280, 720)
OPEN_BUTTON = "main button.qr-scan-open"
DIALOG = "dialog.qr-scanner"


def write_y4m(image: Image.Image, path: Path) -> Path:
    """One frame of ``image`` as a Y4M video (the format Chromium's fake camera plays in a
    loop): a text header, then ``FRAME`` and the raw I420 planes, luma at full size and
    neutral chroma at a quarter (the picture is grey)."""
    width, height = image.size
    luma = image.convert("L").tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode("ascii")
    path.write_bytes(header + b"FRAME\n" + luma + chroma + chroma)
    return path


def printed_code(application: MailApplication, directory: Path) -> Image.Image:
    """The first page of the application's real PDF at 300 dpi, cropped around its QR code
    (found by zxing-cpp) with a margin of paper, as a camera held over it would see it."""
    zxingcpp = pytest.importorskip("zxingcpp")
    source = directory / "paper.pdf"
    source.write_bytes(pdf.render(application))
    prefix = directory / "page"
    subprocess.run(
        ["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1", str(source), str(prefix)],
        check=True,
    )
    (raster,) = directory.glob("page-*.png")
    page = Image.open(raster)
    (code,) = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    corners = [code.position.top_left, code.position.top_right, code.position.bottom_left]
    corners.append(code.position.bottom_right)
    left, right = min(p.x for p in corners), max(p.x for p in corners)
    top, bottom = min(p.y for p in corners), max(p.y for p in corners)
    margin = (right - left) // 4
    return page.crop((left - margin, top - margin, right + margin, bottom + margin))


def frame_of(picture: Image.Image | None) -> Image.Image:
    """A 1280×720 camera frame: a desk (grey) with ``picture`` filling most of its height."""
    frame = Image.new("L", FRAME, 150)
    if picture is not None:
        side = FRAME[1] - 60
        fitted = picture.convert("L").resize((side, side), Image.Resampling.LANCZOS)
        frame.paste(fitted, ((FRAME[0] - side) // 2, 30))
    return frame


class CameraPage(Protocol):
    def __call__(self, frame: Image.Image, *, allowed: bool = True) -> Any: ...


@pytest.fixture
def camera_page(browser: Any, tmp_path: Path) -> Iterator[CameraPage]:
    """A page in a browser whose camera films the given frame (Chromium's fake capture
    device), the camera allowed as a clerk would unless ``allowed`` is false. Fails on any
    Content-Security-Policy violation."""
    launched: list[Any] = []
    refused: list[str] = []

    def open_page(frame: Image.Image, *, allowed: bool = True) -> Any:
        video = write_y4m(frame, tmp_path / f"camera-{len(launched)}.y4m")
        # The fake UI answers the browser's camera question with "allow"; without it the
        # question goes unanswered in a headless browser, which is a refusal.
        allow = ["--use-fake-ui-for-media-stream"] if allowed else []
        camera = browser.browser_type.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                *allow,
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(camera)
        context = camera.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                refused.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_page
    for camera in launched:
        camera.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context.new_page()
    context.close()


def test_the_webcam_reads_the_printed_code_and_opens_the_same_intake_page_as_the_scanner(
    transactional_db: None,
    live_server: Any,
    camera_page: CameraPage,
    page: Any,
    staff: StaffMember,
    tmp_path: Path,
) -> None:
    application = mail_application(publish_form(department=staff.departments.get()))
    code = payload.encode(reference=application.reference, answers=ANSWERS)
    base = live_server.url
    # A USB scanner types the code: the page staff check the paper on.
    log_in(page, base, staff)
    scan(page, base, code, wait_for="main form[enctype]")
    typed = page.locator("main").inner_text()

    camera = camera_page(frame_of(printed_code(application, tmp_path)))
    # The same clerk at a second PC would log in again; one authenticator code logs in once.
    camera.context.add_cookies(page.context.cookies())
    camera.goto(f"{base}/staff/mail/")
    camera.wait_for_function(FOCUSED_ON_SCAN)
    camera.get_by_role("button", name="カメラで読み取る").click()
    camera.wait_for_selector("main form[enctype]")

    assert camera.locator("main").inner_text() == typed
    assert "加賀 太郎" in typed
    assert camera.locator("main form[enctype] input[name=scan]").input_value() == code
    screenshot(camera, "mail-intake-camera-review")


def test_the_open_scanner_is_accessible_films_and_closes_with_esc_stopping_the_camera(
    transactional_db: None, live_server: Any, camera_page: CameraPage, staff: StaffMember
) -> None:
    base = live_server.url
    camera = camera_page(frame_of(None))  # a desk with no paper on it yet
    log_in(camera, base, staff)
    camera.goto(f"{base}/staff/mail/")
    camera.wait_for_function(FOCUSED_ON_SCAN)

    camera.keyboard.press("Tab")  # from the input to the camera button, then Enter
    assert camera.evaluate("document.activeElement.textContent") == "カメラで読み取る"
    camera.keyboard.press("Enter")
    dialog = camera.locator(DIALOG)
    dialog.get_by_role("status").filter(has_text="カメラが起動しました").wait_for()
    camera.wait_for_function(
        f"() => document.querySelector('{DIALOG} video').srcObject?.active === true"
        f" && document.querySelector('{DIALOG} video').videoWidth === {FRAME[0]}"
    )
    assert dialog.get_by_role("heading").inner_text() == "カメラでコードを読み取る"
    assert_accessible(camera, name="mail intake with the camera scanner open")
    screenshot(camera, "mail-intake-camera-open")

    camera.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    # The dialog hides at once; its "close" event, which stops the camera, comes a task later.
    # (Functions, not expressions: the page's CSP refuses Playwright's eval of a polled string.)
    camera.wait_for_function(f"() => document.querySelector('{DIALOG} video').srcObject === null")
    camera.wait_for_function("() => document.activeElement.textContent === 'カメラで読み取る'")
    assert camera.url == f"{base}/staff/mail/"


def test_a_usb_scan_while_the_camera_is_open_is_taken_as_the_scan(
    transactional_db: None, live_server: Any, camera_page: CameraPage, staff: StaffMember
) -> None:
    application = mail_application(publish_form(department=staff.departments.get()))
    code = payload.encode(reference=application.reference, answers=ANSWERS)
    base = live_server.url
    camera = camera_page(frame_of(None))  # the camera films an empty desk
    log_in(camera, base, staff)
    camera.goto(f"{base}/staff/mail/")
    camera.wait_for_function(FOCUSED_ON_SCAN)
    camera.get_by_role("button", name="カメラで読み取る").click()
    camera.locator(DIALOG).get_by_role("status").filter(has_text="カメラが起動しました").wait_for()

    camera.keyboard.type(code)  # the keyboard-wedge scanner, as it types
    camera.keyboard.press("Enter")

    camera.wait_for_selector("main form[enctype]")
    assert camera.locator("main form[enctype] input[name=scan]").input_value() == code
    assert "加賀 太郎" in camera.locator("main").inner_text()


def test_without_a_camera_the_scanner_says_so_and_the_input_still_takes_a_typed_reference(
    transactional_db: None, live_server: Any, page: Any, staff: StaffMember
) -> None:
    application = mail_application(publish_form(department=staff.departments.get()))
    base = live_server.url
    log_in(page, base, staff)
    page.goto(f"{base}/staff/mail/")
    page.wait_for_function(FOCUSED_ON_SCAN)

    page.locator(OPEN_BUTTON).click()  # the session browser has no camera at all

    status = page.locator(f"{DIALOG} [role=status].error-message")
    status.wait_for()
    assert status.inner_text() == (
        "カメラが見つかりません。カメラをつなぐか、スキャナーで読み取るかコードを入力してください。"
    )
    assert_accessible(page, name="mail intake camera error")
    # The clerk closes the dialog and clicks into the input at once: the dialog's "close"
    # event comes a task later and must not take the focus back to the camera button.
    page.evaluate(
        f"document.querySelector('{DIALOG} button').click();"
        " document.querySelector('#scan').focus();"
    )
    page.locator(DIALOG).wait_for(state="hidden")
    page.evaluate("new Promise((done) => setTimeout(done, 50))")
    assert page.evaluate("document.activeElement.id") == "scan"
    scan(page, base, application.reference, wait_for="main form[enctype]", reload=False)
    assert "加賀 太郎" in page.content()


def test_a_camera_the_browser_may_not_use_gets_its_message_and_the_page_stays(
    transactional_db: None, live_server: Any, camera_page: CameraPage, staff: StaffMember
) -> None:
    base = live_server.url
    camera = camera_page(frame_of(None), allowed=False)
    log_in(camera, base, staff)
    camera.goto(f"{base}/staff/mail/")
    camera.wait_for_function(FOCUSED_ON_SCAN)

    camera.locator(OPEN_BUTTON).click()

    status = camera.locator(f"{DIALOG} [role=status].error-message")
    status.wait_for()
    assert status.inner_text().startswith("ブラウザーがカメラを使えません。")
    assert "設定でこのサイトにカメラの使用を許可" in status.inner_text()
    assert camera.locator(f"{DIALOG} video").is_hidden()
    assert_accessible(camera, name="mail intake camera refused")
    camera.keyboard.press("Escape")
    camera.locator(DIALOG).wait_for(state="hidden")
    assert camera.url == f"{base}/staff/mail/"
