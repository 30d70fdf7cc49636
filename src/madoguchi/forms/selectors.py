from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override, pgettext

from madoguchi.tenants.models import Municipality

from .models import Form
from .schema import FormSchema


def published_forms(municipality: Municipality) -> QuerySet[Form]:
    return (
        Form.objects.filter(municipality=municipality, current_version__isnull=False)
        .select_related("current_version", "department")
        .order_by("department__code", "slug")
    )


def published_form(*, lg_code: str, slug: str) -> Form:
    """The form as residents see it; raises Form.DoesNotExist when unpublished."""
    form = (
        Form.objects.select_related("current_version", "municipality", "department")
        # The definition is read once per process (FormVersion.schema caches it): not
        # fetching and decoding it on every request saves a quarter of the lookup's time.
        .defer("current_version__definition")
        .get(municipality__lg_code=lg_code, slug=slug, current_version__isnull=False)
    )
    # The version knows its form (and so its municipality) without another query.
    assert form.current_version is not None
    form.current_version.form = form
    return form


# The catch-all group of the procedure list, in the languages a category is named in.
OTHER_CATEGORY_NAMES = frozenset({"その他", "Other", "other"})


def category_order(name: str) -> tuple[bool, str]:
    """Sort key for categories: alphabetical (by code point), 「その他」 always last."""
    return (name.strip() in OTHER_CATEGORY_NAMES, name)


def category_names(municipality_id: int, *, language: str = "ja") -> list[str]:
    """The categories the municipality's forms already use, for the builder to offer."""
    names = {
        str(category.get(language) or category.get("ja") or "").strip()
        for category in Form.objects.filter(municipality_id=municipality_id).values_list(
            "category", flat=True
        )
        if isinstance(category, dict)
    }
    return sorted((n for n in names if n), key=category_order)


# The card items a form can take, in the order the card lists them.
PREFILL_ITEM_NAMES = {
    "name": _("Name"),
    "name_kana": _("Name in katakana"),
    "address": _("Address"),
    "postal_code": _("Postal code"),
    "birth_date": _("Date of birth"),
    "sex": _("Sex"),
}


def prefill_item_names(schema: FormSchema, *, language: str) -> str:
    """What the card fills in on this form, e.g. 「氏名・住所」: only the items it asks for."""
    taken = {f.prefill for f in schema.fields() if f.prefill}
    names = [str(name) for source, name in PREFILL_ITEM_NAMES.items() if source in taken]
    with override(language):
        return pgettext("card items separator", ", ").join(names)
