from __future__ import annotations

from pathlib import Path

import pytest

from madoguchi.forms import services as form_services
from madoguchi.forms.models import FormVersion
from madoguchi.testing.factories import DepartmentFactory, MunicipalityFactory

DEMO_FORMS = Path(__file__).resolve().parents[2] / "demo" / "forms"


@pytest.fixture
def sodaigomi_form(db: None) -> FormVersion:
    """Kobe's bulky-waste form from the demo data, without the rest of the demo."""
    data = form_services.load_form_file(DEMO_FORMS / "281000-sodaigomi.yaml")
    municipality = MunicipalityFactory(lg_code=data["municipality"])
    DepartmentFactory(municipality=municipality, code=data["department"])
    return form_services.import_form(data)
