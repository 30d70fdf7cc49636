"""Inbox search: what a clerk types against what the resident typed, both normalised.

A clerk searches by the applicant's family or given name, with or without the space
(「健康花子」, 「花子」), by the reading in katakana or hiragana (「ケンコウ」, 「けんこう」),
by the start of a receipt number or by its end (「000123」, 「123」). Each submission gets a
few :class:`~madoguchi.backoffice.models.SearchTerm` rows, and a search is a prefix match
on them, so it stays an index seek on a million submissions.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import jaconv
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save

from madoguchi.forms import fieldtypes
from madoguchi.submissions.models import Submission

from .models import SearchTerm

NAME = "n:"
RECEIPT_END = "r:"
_SPACES = re.compile(r"\s+")
_INDEXED = frozenset({"answers", "applicant_name", "receipt_number"})


def normalise(text: str) -> str:
    """One spelling for comparing: NFKC (half-width), no spaces, katakana, casefolded."""
    result = text
    # Casefolding and dropping spaces can leave a string NFKC would compose further.
    for _round in range(3):
        folded = unicodedata.normalize("NFKC", result)
        folded = _SPACES.sub("", jaconv.hira2kata(folded).casefold())
        if folded == result:
            break
        result = folded
    return result


def _name_terms(value: str) -> set[str]:
    folded = unicodedata.normalize("NFKC", value).strip()
    parts = [normalise(part) for part in _SPACES.split(folded) if part]
    whole = normalise(folded)
    return {NAME + term[:200] for term in [whole, *parts] if term}


def terms_for(submission: Submission) -> set[str]:
    terms = _name_terms(submission.applicant_name)
    schema = submission.form_version.schema
    for field in schema.fields():
        value = submission.answers.get(field.key)
        # Names or readings of a person (besides the applicant name field) by their type.
        if fieldtypes.of(field).searched_as_name and isinstance(value, str):
            terms |= _name_terms(value)
    receipt = normalise(submission.receipt_number)
    if receipt:
        terms.add(RECEIPT_END + receipt[::-1])
    return terms


def index(submission: Submission, *, new: bool = False) -> None:
    """Replace the submission's search terms with those of its current answers.

    A new submission has none to replace: no DELETE on the submission path, whose queries
    are counted (api tests) because every submission holds the ledger head until it commits.
    """
    terms = [SearchTerm(submission=submission, term=term) for term in sorted(terms_for(submission))]
    if new:
        # One INSERT, atomic by itself: no savepoint's two round trips.
        SearchTerm.objects.bulk_create(terms)
        return
    with transaction.atomic():
        SearchTerm.objects.filter(submission=submission).delete()
        SearchTerm.objects.bulk_create(terms)


def matching(query: str) -> Q:
    """Submissions the query finds, as a filter on ``Submission``."""
    wanted = normalise(query)
    if not wanted:
        return Q()
    prefixes = Q(term__startswith=NAME + wanted)
    if any(ch.isdigit() for ch in wanted):
        prefixes |= Q(term__startswith=RECEIPT_END + wanted[::-1])
    found = SearchTerm.objects.filter(prefixes).values("submission_id")
    return Q(receipt_number__startswith=unicodedata.normalize("NFKC", query).strip()) | Q(
        pk__in=found
    )


def _on_saved(
    sender: Any,
    instance: Submission,
    created: bool = False,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    if update_fields is not None and not _INDEXED.intersection(update_fields):
        return
    index(instance, new=created)


def connect() -> None:
    post_save.connect(_on_saved, sender=Submission, dispatch_uid="backoffice.search.index")
