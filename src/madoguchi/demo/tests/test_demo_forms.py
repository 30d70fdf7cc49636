"""The demo forms under ``demo/forms/`` are valid schemas, addressed to demo departments.

No database: these load YAML and validate it with pydantic, so they run before Django is set up.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from madoguchi.forms.builder.edits import FIELD_TYPES
from madoguchi.forms.schema import FormSchema

DEMO_DIR = Path(__file__).resolve().parent.parent
FORMS_DIR = DEMO_DIR / "forms"
FORM_FILES = sorted(FORMS_DIR.glob("*.yaml"))
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_LEVEL_KEYS = {"municipality", "department", "slug", "category", "schema"}
SIGNED_FORM = "172065-gentsuki-haisha"
# The browser test fills the health check-up form by these keys.
NINGEN_DOCK_KEYS = {
    "name",
    "name_kana",
    "birth_date",
    "sex",
    "postal_code",
    "address",
    "phone",
    "email",
    "clinic",
    "exam_date",
    "course",
    "amount",
    "insurance",
    "bank_name",
    "branch_name",
    "account_type",
    "account_number",
    "account_holder",
    "receipt_file",
    "result_file",
    "consent",
}


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict), f"{path.name}: top level must be a mapping"
    return data


def tenant_departments() -> dict[str, set[str]]:
    with (DEMO_DIR / "tenants.yaml").open(encoding="utf-8") as handle:
        tenants = yaml.safe_load(handle)
    return {
        str(municipality["lg_code"]): {
            department["code"] for department in municipality.get("departments", [])
        }
        for municipality in tenants["municipalities"]
    }


def localized_texts(value: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every ``{ja: ..., en: ...}`` mapping in a dumped schema, with where it sits."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(value, dict):
        if "ja" in value and set(value) <= {"ja", "en"}:
            found.append((where, value))
        else:
            for key, item in value.items():
                found += localized_texts(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += localized_texts(item, f"{where}[{index}]")
    return found


def test_demo_forms_exist() -> None:
    assert [path.stem for path in FORM_FILES] == [
        "172065-gentsuki-haisha",
        "172065-inu-shibo-todoke",
        "172065-kosodate-soudan",
        "172065-mynumber-card-shinsei",
        "172065-ningen-dock-josei",
        "281000-jidou-teate",
        "281000-kokuho-kanyu",
        "281000-nouzei-shomei",
        "281000-shimin-anketo",
        "281000-sodaigomi",
        "281000-tennyu-todoke",
    ]


@pytest.mark.parametrize("path", FORM_FILES, ids=[path.stem for path in FORM_FILES])
def test_demo_form_is_valid(path: Path) -> None:
    data = load(path)
    assert set(data) == TOP_LEVEL_KEYS, f"{path.name}: top-level keys {sorted(data)}"

    municipality, department, slug = data["municipality"], data["department"], data["slug"]
    assert isinstance(municipality, str), f"{path.name}: quote the lg_code to keep it a string"
    assert isinstance(slug, str) and SLUG_PATTERN.fullmatch(slug), f"{path.name}: bad slug {slug!r}"
    assert path.name == f"{municipality}-{slug}.yaml"

    departments = tenant_departments()
    assert municipality in departments, f"{path.name}: unknown municipality {municipality}"
    assert department in departments[municipality], (
        f"{path.name}: municipality {municipality} has no department {department!r}"
    )

    category = data["category"]
    assert isinstance(category, dict) and category.get("ja") and category.get("en")

    schema = FormSchema.model_validate(data["schema"])
    # One demo form shows signing at submission (マイナンバーカードによる電子署名).
    assert schema.identity == ("mynumber_sign" if path.stem == SIGNED_FORM else "none")
    assert schema.confirmation_message is not None and schema.confirmation_message.en
    assert 3 <= len(schema.steps) <= 6

    untranslated = [
        where
        for where, text in localized_texts(schema.model_dump(exclude_none=True))
        if not text.get("en")
    ]
    assert not untranslated, f"{path.name}: no English for {untranslated}"

    for field in schema.fields():
        address_field = getattr(field, "address_field", None)
        if address_field:
            assert schema.field(address_field).type == "text", (
                f"{path.name}: '{field.key}' fills '{address_field}', which is not a text field"
            )


def test_every_field_type_is_demonstrated() -> None:
    used: set[str] = set()
    widgets: set[str] = set()
    for path in FORM_FILES:
        schema = FormSchema.model_validate(load(path)["schema"])
        for field in schema.fields():
            used.add(field.type)
            if field.type == "choice":
                widgets.add(field.widget)
    assert used >= set(FIELD_TYPES), f"missing field types: {sorted(set(FIELD_TYPES) - used)}"
    assert widgets == {"radio", "select", "checkbox"}


def test_ningen_dock_form_keeps_the_keys_the_browser_test_fills() -> None:
    data = load(FORMS_DIR / "172065-ningen-dock-josei.yaml")
    schema = FormSchema.model_validate(data["schema"])
    keys = {field.key for field in schema.fields()}
    assert keys >= NINGEN_DOCK_KEYS, f"missing: {sorted(NINGEN_DOCK_KEYS - keys)}"
    assert schema.applicant_name_field == "name"
    insurance_other = schema.field("insurance_other")
    assert insurance_other.visible_if == {"==": [{"var": "insurance"}, "other"]}
    assert insurance_other.required_if == insurance_other.visible_if
