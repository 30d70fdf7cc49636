"""The API keeps its OpenAPI contract for any request: a property test driven by the document.

Requests are generated from our own /api/v1/openapi.json (its operations, their path and
query parameters and their types), with the demo data loaded: real municipality codes,
form slugs and, for submissions, answers built from each demo form's real field keys and
types, mixed with hostile values (huge integers, lone surrogates, NUL and other control
characters, values of the wrong JSON type). Every answer must be documented for its
operation (status and body schema), be JSON, and never be a 5xx; every error answer carries
a ``code`` that docs/api.md lists ("Error codes").
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from madoguchi.forms.models import Form
from madoguchi.forms.schema import (
    ChoiceField,
    ConsentField,
    DateField,
    EmailField,
    FileField,
    FormField,
    KanaField,
    NumberField,
    PhoneField,
    PostalCodeField,
    TextField,
)

pytestmark = pytest.mark.django_db

# Every code point, surrogates and control characters included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None, exclude_categories=()), max_size=20)
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**15, max_value=10**40),
    st.floats(allow_nan=False),
    ANY_TEXT,
    st.sampled_from(["\x00", "\ud800", "a\x1bb", "\x85", "99999999999", "元", "1e999"]),
    st.lists(st.integers() | ANY_TEXT, max_size=3),
    st.dictionaries(ANY_TEXT, st.integers() | ANY_TEXT, max_size=3),
)
DATE_PART = st.one_of(
    st.sampled_from(["7", "元", "２０２５", "99999999999", "4", "1", "\x00", "\ud800"]),
    st.integers(min_value=-10, max_value=3000),
    st.integers(min_value=10**9, max_value=10**30),
    HOSTILE,
)
VALID_TEXT = st.sampled_from(
    ["加賀 太郎", "カガ タロウ", "taro@example.jp", "0761-72-1111", "922-8622", "テスト"]
)


def answer_values(form_field: FormField) -> st.SearchStrategy[Any]:
    """Values for one field: plausible ones for its type, and hostile ones."""
    if isinstance(form_field, ChoiceField):
        values = [option.value for option in form_field.options]
        plausible: st.SearchStrategy[Any] = (
            st.lists(st.sampled_from(values), max_size=len(values))
            if form_field.multiple
            else st.sampled_from(values)
        )
    elif isinstance(form_field, DateField):
        plausible = st.one_of(
            st.fixed_dictionaries(
                {"year": DATE_PART, "month": DATE_PART, "day": DATE_PART},
                optional={"era": st.sampled_from(["seireki", "reiwa", "heisei", "", "x"])},
            ),
            st.sampled_from(["R7.4.1", "2025-04-01", "令和7年4月1日", "平成31年5月1日"]),
        )
    elif isinstance(form_field, NumberField):
        plausible = st.integers(-5, 100) | st.from_regex(r"[0-9]{1,6}", fullmatch=True)
    elif isinstance(form_field, ConsentField):
        plausible = st.booleans()
    else:
        plausible = VALID_TEXT | ANY_TEXT
    return plausible | HOSTILE


def valid_values(form_field: FormField) -> st.SearchStrategy[Any]:
    """Values this field accepts, so that whole submissions get through (201) too."""
    if isinstance(form_field, ChoiceField):
        options = [option.value for option in form_field.options]
        if form_field.multiple:
            return st.just(options[: max(form_field.min_selected or 1, 1)])
        return st.sampled_from(options)
    if isinstance(form_field, DateField):
        today = timezone.localdate()
        low = _bound(form_field.min_date, form_field.min_days_from_today) or today
        high = _bound(form_field.max_date, form_field.max_days_from_today) or max(low, today)
        return st.dates(low, high).map(date.isoformat)
    if isinstance(form_field, NumberField):
        low = int(form_field.min) if form_field.min is not None else 0
        return st.just(low)
    if isinstance(form_field, ConsentField):
        return st.just(True)
    if isinstance(form_field, KanaField):
        return st.just("テスト" if form_field.script == "katakana" else "てすと")
    if isinstance(form_field, EmailField):
        return st.just("taro@example.jp")
    if isinstance(form_field, PhoneField):
        return st.just("0761-72-1111")
    if isinstance(form_field, PostalCodeField):
        return st.just("922-8622")
    if isinstance(form_field, TextField) and form_field.pattern:
        return st.from_regex(form_field.pattern, fullmatch=True)
    # Surrogates and control characters come in through the replaced answers.
    return st.sampled_from(["加賀 太郎", "𠮷野 家", "Ｔａｒｏ\u3000Ｋａｇａ", "行\u2028区切り"])


def _bound(absolute: str | None, days: int | None) -> date | None:
    if absolute:
        return date.fromisoformat(absolute)
    if days is not None:
        return timezone.localdate() + timedelta(days=days)
    return None


@st.composite
def answers_for(draw: st.DrawFn, form: Form) -> dict[str, Any]:
    """Valid answers to every question, a few of them replaced by anything at all."""
    assert form.current_version is not None
    fields = {
        f.key: f
        for f in form.current_version.schema.fields()
        if f.collects_input and not isinstance(f, FileField)
    }
    answers = {key: draw(valid_values(f)) for key, f in fields.items()}
    replaced = st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=4, unique=True)
    for key in draw(mostly(replaced, st.just([]))):
        answers[key] = draw(answer_values(fields[key]))
    if draw(st.integers(0, 19)) == 0:
        answers["no_such_key"] = draw(HOSTILE)
    return answers


def parameter_values(parameter: dict[str, Any], real: list[str]) -> st.SearchStrategy[Any]:
    types = {parameter["schema"].get("type")} | {
        option.get("type") for option in parameter["schema"].get("anyOf", [])
    }
    if "integer" in types:
        return st.integers(-3, 50) | st.integers(min_value=2**63) | HOSTILE.map(str)
    return st.sampled_from(real) | ANY_TEXT | st.sampled_from(["%00", "..", "a/b", " "])


def mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> Any:
    """``usual`` nine times in ten, so that most submissions reach the answers' validation."""
    return st.integers(0, 9).flatmap(lambda n: rare if n == 0 else usual)


@st.composite
def requests(draw: st.DrawFn, schema: dict[str, Any], real: dict[str, list[str]]) -> Any:
    """One request to one documented operation: (method, path template, url, body)."""
    operations = [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    # Half of the requests submit answers: that is where most of the input goes.
    submit = [op for op in operations if "requestBody" in op[2]]
    method, template, operation = draw(st.sampled_from(operations + submit * len(operations)))
    url = template
    query: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] == "path":
            value = draw(parameter_values(parameter, real.get(name, ["x"])))
            url = url.replace("{" + name + "}", quote(str(value).encode("utf-8", "surrogatepass")))
        elif parameter.get("required") or draw(st.booleans()):
            query[name] = draw(parameter_values(parameter, []))
    if query:
        pairs = {k: str(v).encode("utf-8", "surrogatepass") for k, v in query.items()}
        url += "?" + urlencode(pairs)
    body = None
    if "requestBody" in operation:
        form = draw(st.sampled_from(real["forms"]))
        body = draw(
            st.fixed_dictionaries(
                {
                    "municipality": mostly(st.just(form.municipality.lg_code), HOSTILE),
                    "form": mostly(st.just(form.slug), HOSTILE),
                    "answers": mostly(answers_for(form), st.dictionaries(ANY_TEXT, HOSTILE)),
                }
            )
        )
        if draw(st.integers(0, 9)) == 0:
            del body[draw(st.sampled_from(sorted(body)))]
    return method, template, url, body


def examples_of(requests: Any) -> Any:
    """Hypothesis ``@example`` for each request (the ones reported before this test existed)."""

    def decorate(test: Any) -> Any:
        for request in requests:
            test = example(request)(test)
        return test

    return decorate


def documented_error_codes() -> set[str]:
    """The codes of docs/api.md's "Error codes" table, the one clients branch on."""
    text = (Path(__file__).resolve().parents[4] / "docs" / "api.md").read_text(encoding="utf-8")
    table = text[text.index("| code | status | when |") :].split("\n\n", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", table, re.MULTILINE))


def validator_for(schema: dict[str, Any], response_schema: dict[str, Any]) -> Draft202012Validator:
    # The document's components travel along, so "#/components/schemas/..." resolves.
    return Draft202012Validator({**response_schema, "components": schema["components"]})


def test_every_answer_of_the_api_is_documented_json_and_never_a_server_error(
    demo_data: None,
) -> None:
    client = Client(headers={"accept-language": "ja"})
    schema = client.get("/api/v1/openapi.json").json()
    forms = list(Form.objects.filter(current_version__isnull=False).select_related("municipality"))
    real = {
        "lg_code": [*sorted({form.municipality.lg_code for form in forms}), "999999"],
        "slug": sorted({form.slug for form in forms}),
        "code": ["922-8622", "6500001", "0000000"],
        "forms": forms,
    }
    assert real["lg_code"] == ["172065", "281000", "999999"]
    assert sorted(f"{form.municipality.lg_code}-{form.slug}" for form in forms) == [
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
    unlimited = {scope: 10**9 for scope in django_settings.MADOGUCHI_RATE_LIMITS}
    statuses: set[int] = set()
    codes = documented_error_codes()

    sodaigomi = "/api/v1/submissions/"
    reported = [
        {"preferred_date": {"year": "99999999999", "month": "1", "day": "1"}},
        {"preferred_date": {"era": "seireki", "year": "2025", "month": "99999999999", "day": "1"}},
        {"items": True},
        {"items": 1.5},
        {"items": {"sofa": 1}},
        {"name": "加賀\ud800"},
        {"item_details": "a\x00b"},
    ]

    @settings(
        max_examples=400,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests(schema, real))
    @examples_of(
        (
            "post",
            sodaigomi,
            sodaigomi,
            {"municipality": "281000", "form": "sodaigomi", "answers": a},
        )
        for a in reported
    )
    def check(request: Any) -> None:
        method, template, url, body = request
        if body is None:
            response = client.generic(method.upper(), url)
        else:
            response = client.generic(
                method.upper(),
                url,
                json.dumps(body),  # ensure_ascii: lone surrogates travel as \\ud800
                content_type="application/json",
            )
        status = response.status_code
        statuses.add(status)

        assert status < 500, (url, body, response.content[:500])
        assert response["Content-Type"].startswith("application/json"), (url, status)
        documented = schema["paths"][template][method]["responses"]
        assert str(status) in documented, (method, url, status, response.content[:300])
        content = documented[str(status)]["content"]["application/json"]["schema"]
        errors = list(validator_for(schema, content).iter_errors(response.json()))
        assert not errors, (url, status, [e.message for e in errors])
        if status >= 400:
            assert response.json()["code"] in codes, (url, status, response.json())

    with override_settings(MADOGUCHI_RATE_LIMITS=unlimited):
        check()

    # The run reached the interesting answers, not only refusals.
    assert {200, 201, 404, 422} <= statuses, statuses
