"""Publishing forms: immutable numbered versions, import and export as files."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from madoguchi.forms import services
from madoguchi.forms.models import Form, FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import SIMPLE_SCHEMA, submit_application

pytestmark = pytest.mark.django_db


def renamed(title: str) -> FormSchema:
    return FormSchema.model_validate(SIMPLE_SCHEMA | {"title": title})


def form_file(division: Department, **changes: Any) -> dict[str, Any]:
    data = {
        "municipality": division.municipality.lg_code,
        "department": division.code,
        "slug": "inu-toroku",
        "category": {"ja": "ペット・動物", "en": "Pets and Animals"},
        "schema": copy.deepcopy(SIMPLE_SCHEMA),
    }
    return data | changes


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_publishing_numbers_versions_and_makes_the_newest_current(
    form_version: FormVersion,
) -> None:
    form = form_version.form

    second = services.publish(form=form, schema=renamed("第2版"))
    third = services.publish(form=form, schema=renamed("第3版"))

    form.refresh_from_db()
    assert [form_version.number, second.number, third.number] == [1, 2, 3]
    assert form.current_version == third
    assert third.schema.title.ja == "第3版"


def test_a_published_version_cannot_be_changed_in_place(form_version: FormVersion) -> None:
    form_version.definition = {**form_version.definition, "title": {"ja": "差し替え"}}

    with pytest.raises(ValueError, match="immutable"):
        form_version.save()

    form_version.refresh_from_db()
    assert form_version.definition["title"]["ja"] == "テスト申請"


def test_a_submission_keeps_the_version_it_answered_after_a_new_one_is_published(
    form_version: FormVersion,
) -> None:
    submission = submit_application(form_version)

    services.publish(form=form_version.form, schema=renamed("改訂版"))

    submission = Submission.objects.get(pk=submission.pk)
    assert submission.form_version == form_version
    assert submission.form_version.schema.title.ja == "テスト申請"


def test_an_imported_form_exports_as_the_same_file(department: Department) -> None:
    data = form_file(department)

    version = services.import_form(data)

    exported = services.export_form(version.form)
    assert version.number == 1
    assert exported == data | {"schema": version.definition}
    assert FormSchema.model_validate(exported["schema"]) == FormSchema.model_validate(
        data["schema"]
    )


def test_importing_an_exported_form_publishes_the_next_version_with_the_same_schema(
    form_version: FormVersion,
) -> None:
    exported = services.export_form(form_version.form)

    again = services.import_form(exported)

    assert again.form == form_version.form
    assert again.number == 2
    assert again.definition == form_version.definition


def test_importing_into_an_unknown_department_is_refused(department: Department) -> None:
    with pytest.raises(services.InvalidFormDefinition, match="unknown municipality/department"):
        services.import_form(form_file(department, department="no-such-division"))

    assert not Form.objects.exists()


def test_exporting_an_unpublished_form_is_refused(department: Department) -> None:
    form = Form.objects.create(
        municipality=department.municipality, department=department, slug="draft-only"
    )

    with pytest.raises(services.InvalidFormDefinition, match="no published version"):
        services.export_form(form)


def test_the_forms_command_imports_a_yaml_file(department: Department, tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "inu-toroku.yaml", form_file(department))
    out = StringIO()

    call_command("forms", "import", str(path), stdout=out)

    form = Form.objects.get(municipality=department.municipality, slug="inu-toroku")
    assert form.current_version is not None
    assert out.getvalue().strip() == f"published {form.current_version}"


def test_the_forms_command_imports_a_json_file(department: Department, tmp_path: Path) -> None:
    path = tmp_path / "inu-toroku.json"
    path.write_text(json.dumps(form_file(department), ensure_ascii=False), encoding="utf-8")

    call_command("forms", "import", str(path), stdout=StringIO())

    assert Form.objects.get(slug="inu-toroku").current_version is not None


@pytest.mark.parametrize("output", ["yaml", "json"])
def test_the_forms_command_exports_the_current_version(
    form_version: FormVersion, output: str
) -> None:
    form = form_version.form
    out = StringIO()

    call_command("forms", "export", form.municipality.lg_code, form.slug, format=output, stdout=out)

    parsed = yaml.safe_load(out.getvalue()) if output == "yaml" else json.loads(out.getvalue())
    assert parsed == services.export_form(form)


def test_an_exported_file_imports_again(form_version: FormVersion, tmp_path: Path) -> None:
    form = form_version.form
    out = StringIO()
    call_command("forms", "export", form.municipality.lg_code, form.slug, stdout=out)
    path = tmp_path / "exported.yaml"
    path.write_text(out.getvalue(), encoding="utf-8")

    call_command("forms", "import", str(path), stdout=StringIO())

    form.refresh_from_db()
    assert form.current_version is not None
    assert form.current_version.number == 2
    assert form.current_version.definition == form_version.definition


def test_an_invalid_form_file_is_refused_listing_each_problem_with_where_it_is(
    department: Department, tmp_path: Path
) -> None:
    data = form_file(department)
    fields = data["schema"]["steps"][0]["fields"]
    fields.append({"key": "Age", "type": "number", "label": "年齢"})
    fields.append({"key": "age", "type": "number", "label": "年齢", "minimum": 0})
    path = write_yaml(tmp_path / "broken.yaml", data)

    with pytest.raises(CommandError) as error:
        call_command("forms", "import", str(path), stdout=StringIO())

    lines = str(error.value).splitlines()
    assert lines[0] == f"{path}:"
    assert any(
        line.startswith("steps.0.fields.3.number.key: String should match") for line in lines
    )
    assert "steps.0.fields.4.number.minimum: Extra inputs are not permitted" in lines
    assert not Form.objects.exists()


def test_a_form_file_with_an_inconsistent_schema_is_refused_saying_what_to_fix(
    department: Department, tmp_path: Path
) -> None:
    data = form_file(department)
    fields = data["schema"]["steps"][0]["fields"]
    fields.append(dict(fields[0]))
    path = write_yaml(tmp_path / "duplicate.yaml", data)

    with pytest.raises(CommandError, match="duplicate field key 'name'"):
        call_command("forms", "import", str(path), stdout=StringIO())


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("schema: [unclosed", "not valid YAML/JSON"),
        ("- a list\n", "expected a mapping"),
        ("slug: inu-toroku\n", "missing municipality, department, schema"),
    ],
)
def test_a_form_file_that_is_not_a_form_is_refused(
    tmp_path: Path, db: None, content: str, problem: str
) -> None:
    path = tmp_path / "not-a-form.yaml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=problem):
        call_command("forms", "import", str(path), stdout=StringIO())


def test_exporting_an_unknown_form_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="no such form: 172065/no-such-form"):
        call_command("forms", "export", "172065", "no-such-form", stdout=StringIO())
