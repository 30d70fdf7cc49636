from __future__ import annotations

from django.db.models import QuerySet

from madoguchi.tenants.models import Municipality

from .models import Form


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
