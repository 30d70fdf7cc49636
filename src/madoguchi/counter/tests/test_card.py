from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.core import events
from madoguchi.counter import card, display, services
from madoguchi.counter.models import ApplicationState, Assurance, Visit, VisitApplication
from madoguchi.counter.refusals import NotConfirmed
from madoguchi.signatures import services as signatures
from madoguchi.simulators.idp import authorities
from madoguchi.simulators.idp.residents import get_resident
from madoguchi.submissions.document import canonical_bytes
from madoguchi.submissions.models import Channel

from .card_helpers import (
    Counter,
    a_counter,
    auth_certificate_der,
    card_sign,
    read_items,
    signing_certificate_der,
)

pytestmark = pytest.mark.django_db


def _read(
    counter: Counter, resident_id: str, *, nonce: str | None = None, **changes: object
) -> Visit:
    nonce = nonce if nonce is not None else card.issue_challenge(visit=counter.visit)
    arguments: dict[str, object] = {
        "visit": counter.visit,
        "clerk": counter.clerk,
        "items": read_items(resident_id),
        "auth_certificate_der": auth_certificate_der(resident_id),
        "auth_ca_der": None,
        "nonce_signature": card_sign(resident_id, bytes.fromhex(nonce)),
    }
    arguments.update(changes)
    return card.accept_card_read(**arguments)  # type: ignore[arg-type]


def _confirm(application: VisitApplication) -> VisitApplication:
    display.show_for_confirmation(application=application)
    return display.confirm(application=application, sha256=services.answers_sha256(application))


def test_a_good_card_read_records_the_person_and_locks_the_basic_four_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counter = a_counter()
    recorded: list[tuple[events.Event, dict[str, str]]] = []
    monkeypatch.setattr(
        events,
        "_subscribers",
        [
            *events._subscribers,
            lambda event, actor, subject, detail: recorded.append((event, detail)),
        ],
    )

    visit = _read(counter, "kaga-taro")

    assert visit.assurance == Assurance.CARD
    assert visit.person["name"] == "加賀　太郎"
    assert visit.person["birth_date"] == "1975-04-01"
    assert visit.identity is not None and visit.identity.basic_four["sex"] == "male"
    assert visit.card_nonce == ""
    application = VisitApplication.objects.get(pk=counter.application.pk)
    assert application.answers["name"] == "加賀　太郎"
    assert {"name", "address"} <= set(application.prefilled_fields)
    read = [detail for event, detail in recorded if event == events.Event.COUNTER_CARD_READ]
    assert read and read[0]["assurance"] == "counter_card"
    assert "加賀" not in str(read[0])


def test_a_signature_over_another_nonce_is_refused_and_the_nonce_is_used_up() -> None:
    counter = a_counter()
    nonce = card.issue_challenge(visit=counter.visit)

    with pytest.raises(card.CardRefused) as refused:
        _read(counter, "kaga-taro", nonce=nonce, nonce_signature=card_sign("kaga-taro", b"other"))

    assert refused.value.code == "card_signature_invalid"
    with pytest.raises(card.CardRefused) as replayed:
        _read(counter, "kaga-taro", nonce=nonce)
    assert replayed.value.code == "card_challenge_expired"


def test_an_expired_challenge_is_refused() -> None:
    counter = a_counter()
    nonce = card.issue_challenge(visit=counter.visit)
    Visit.objects.filter(pk=counter.visit.pk).update(
        card_nonce_expires_at=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(card.CardRefused) as refused:
        _read(counter, "kaga-taro", nonce=nonce)

    assert refused.value.code == "card_challenge_expired"
    assert Visit.objects.get(pk=counter.visit.pk).assurance == Assurance.NONE


def test_a_replayed_card_answer_is_refused() -> None:
    counter = a_counter()
    nonce = card.issue_challenge(visit=counter.visit)
    _read(counter, "kaga-taro", nonce=nonce)

    with pytest.raises(card.CardRefused) as refused:
        _read(counter, "kaga-taro", nonce=nonce)

    assert refused.value.code == "card_challenge_expired"


def test_a_revoked_card_is_refused() -> None:
    counter = a_counter()

    with pytest.raises(card.CardRefused) as refused:
        _read(counter, "kaga-takahashi")

    assert refused.value.code == "card_revoked"
    assert Visit.objects.get(pk=counter.visit.pk).identity is None


def test_the_signing_certificate_is_not_an_authentication_certificate() -> None:
    counter = a_counter()
    nonce = card.issue_challenge(visit=counter.visit)

    with pytest.raises(card.CardRefused) as refused:
        _read(
            counter,
            "kaga-taro",
            nonce=nonce,
            auth_certificate_der=signing_certificate_der("kaga-taro"),
            nonce_signature=card_sign("kaga-taro", bytes.fromhex(nonce), key="sign"),
        )

    assert refused.value.code == "card_certificate_invalid"


def test_items_that_fail_the_cards_own_check_are_refused() -> None:
    counter = a_counter()

    with pytest.raises(card.CardRefused) as refused:
        _read(counter, "kaga-taro", integrity="mismatch")

    assert refused.value.code == "card_items_invalid"


@pytest.mark.parametrize(
    "items",
    [
        {},
        {"name": "加賀　太郎"},
        {"name": "a", "address": "b", "birth_date": "1975/04/01", "sex": "1"},
    ],
)
def test_incomplete_items_are_refused(items: dict[str, str]) -> None:
    counter = a_counter()

    with pytest.raises(card.CardRefused) as refused:
        _read(counter, "kaga-taro", items=items)

    assert refused.value.code == "card_items_invalid"


def _sign(resident_id: str, digest: str) -> bytes:
    """What the card's signing key answers to SIGN over DigestInfo(digest), the digest the
    display passes on to the agent."""
    key = authorities.card(get_resident(resident_id)).signing_key
    return key.sign(bytes.fromhex(digest), padding.PKCS1v15(), Prehashed(hashes.SHA256()))


def test_the_resident_signs_at_the_counter_and_the_evidence_is_as_online() -> None:
    counter = a_counter()
    _read(counter, "kaga-taro")
    application = VisitApplication.objects.get(pk=counter.application.pk)
    _confirm(application)

    digest = card.begin_counter_signing(application=application)
    submission = card.finish_counter_signing(
        application=application,
        clerk=counter.clerk,
        certificate_der=signing_certificate_der("kaga-taro"),
        ca_der=None,
        signature=_sign("kaga-taro", digest),
    )

    assert submission.channel == Channel.COUNTER
    assert submission.document_sha256 == digest
    report = signatures.reverify(submission)
    assert report is not None
    assert VisitApplication.objects.get(pk=application.pk).state == ApplicationState.SUBMITTED


def test_a_signature_by_another_persons_card_is_refused() -> None:
    counter = a_counter()
    _read(counter, "kaga-taro")
    application = VisitApplication.objects.get(pk=counter.application.pk)
    _confirm(application)
    digest = card.begin_counter_signing(application=application)

    with pytest.raises(card.CardRefused) as refused:
        card.finish_counter_signing(
            application=application,
            clerk=counter.clerk,
            certificate_der=signing_certificate_der("kobe-watanabe"),
            ca_der=None,
            signature=_sign("kobe-watanabe", digest),
        )

    assert refused.value.code == "card_other_person"
    assert VisitApplication.objects.get(pk=application.pk).submission is None
    # The clerk's page says why; the display only says the card could not be used.
    assert Visit.objects.get(pk=counter.visit.pk).card_refusal == "card_other_person"


def test_answers_changed_after_signing_began_are_refused() -> None:
    counter = a_counter()
    _read(counter, "kaga-taro")
    application = VisitApplication.objects.get(pk=counter.application.pk)
    _confirm(application)
    digest = card.begin_counter_signing(application=application)
    signature = _sign("kaga-taro", digest)
    # Changed behind the clerk's back (an edit through the service would also withdraw
    # the confirmation, refused as not confirmed).
    changed = {**application.answers, "purpose": "進学"}
    VisitApplication.objects.filter(pk=application.pk).update(
        answers=changed,
        confirmed_sha256=hashlib.sha256(canonical_bytes(changed)).hexdigest(),
    )

    with pytest.raises(card.CardRefused) as refused:
        card.finish_counter_signing(
            application=application,
            clerk=counter.clerk,
            certificate_der=signing_certificate_der("kaga-taro"),
            ca_der=None,
            signature=signature,
        )

    assert refused.value.code == "card_document_changed"


def test_an_edit_after_signing_began_needs_a_new_confirmation() -> None:
    counter = a_counter()
    _read(counter, "kaga-taro")
    application = VisitApplication.objects.get(pk=counter.application.pk)
    _confirm(application)
    digest = card.begin_counter_signing(application=application)
    signature = _sign("kaga-taro", digest)
    services.edit_answers(
        application=application, clerk=counter.clerk, answers={"purpose": "進学"}, reason="訂正"
    )

    with pytest.raises(NotConfirmed):
        card.finish_counter_signing(
            application=application,
            clerk=counter.clerk,
            certificate_der=signing_certificate_der("kaga-taro"),
            ca_der=None,
            signature=signature,
        )


def test_signing_needs_a_card_read_first() -> None:
    counter = a_counter()
    services.record_visual_check(
        visit=counter.visit, clerk=counter.clerk, documents=["driving_licence"]
    )
    _confirm(counter.application)

    with pytest.raises(card.CardRefused) as refused:
        card.begin_counter_signing(application=counter.application)

    assert refused.value.code == "card_not_read"


_ITEM_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=30),
    st.lists(st.text(max_size=3), max_size=2),
    st.sampled_from(["1", "2", "9", "1975-04-01", "1975-02-30", "加賀　太郎"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=st.dictionaries(
        st.sampled_from(["name", "address", "birth_date", "sex", "other"]), _ITEM_VALUES
    )
)
def test_any_items_the_agent_sends_are_taken_or_refused_with_a_code(
    items: dict[str, object],
) -> None:
    counter = a_counter()

    try:
        visit = _read(counter, "kaga-taro", items=items)
    except card.CardRefused as refused:
        assert refused.code == "card_items_invalid"
        return

    assert visit.assurance == Assurance.CARD
