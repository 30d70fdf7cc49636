"""The signing password: one statement of its rules, small letters accepted, its own label."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from .conftest import DemoRelyingParty, query
from .test_sign import DOCUMENT, client_token, start

RULE = (
    "The password of the signature certificate is 6 to 16 characters of capital letters "
    "(A-Z) and digits (0-9), chosen when the card was issued. Small letters are read as capitals."
)
PACKAGE = Path(__file__).resolve().parents[3]


def _signing_request(rp: DemoRelyingParty) -> str:
    transaction_id = start(rp, client_token(rp), hashlib.sha256(DOCUMENT).digest()).json()[
        "sign_transaction_id"
    ]
    request = rp.authorization_request(
        scope="openid sign", sign_transaction_id=transaction_id, acr_values=None
    )
    return str(request.url)


@pytest.mark.parametrize("typed", ["kaga1975", "Kaga1975", "ＫＡＧＡ１９７５", " KAGA 1975 "])
def test_the_signing_password_is_accepted_in_small_or_full_width_letters(
    rp: DemoRelyingParty, typed: str
) -> None:
    url = _signing_request(rp)

    response = rp.http.post(url, {"resident": "kaga-taro", "pin": typed, "action": "sign"})

    assert "code" in query(response), response.content.decode()[:2000]


def test_a_malformed_signing_password_is_reported_under_its_own_name(
    rp: DemoRelyingParty,
) -> None:
    url = _signing_request(rp)

    page = rp.http.post(
        url,
        {"resident": "kaga-taro", "pin": "abc", "action": "sign"},
        headers={"accept-language": "ja"},
    )

    assert page.status_code == 422
    summary = page.text.split('class="error-summary"')[1].split("</ul>")[0]
    assert "署名用電子証明書のパスワード" in summary
    assert ">PIN<" not in summary
    assert "英大文字（A〜Z）と数字（0〜9）の6〜16文字" in summary


def test_the_card_page_states_the_rule_and_no_jargon(rp: DemoRelyingParty) -> None:
    page = rp.http.get(_signing_request(rp), headers={"accept-language": "ja"})

    assert "小文字で入力しても大文字として扱います" in page.text
    assert "フィンガープリント" not in page.text
    assert "SHA-256" not in page.text


def test_the_card_page_and_our_review_page_state_the_rule_in_the_same_words() -> None:
    card_page = (PACKAGE / "simulators/idp/templates/devidp/authorize.html").read_text()
    review_page = (PACKAGE / "submissions/templates/submissions/review.html").read_text()

    assert f'{{% translate "{RULE}" %}}' in card_page
    assert f'{{% translate "{RULE}" %}}' in review_page
    assert not re.search(r"fingerprint|SHA-256", review_page, re.IGNORECASE)
