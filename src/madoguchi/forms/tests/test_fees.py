"""Fee rules (手数料): the quote a form's fee items give for any answers.

Property tests: whatever a resident (or a hand-made request) stored as answers, the quote
never crashes, never charges a negative or fractional amount, and each mode does what
docs/forms.md says: a fixed fee ignores the answers, a per-quantity fee is the unit times
the quantity, a computed fee is its JSON Logic rule's whole-yen result, and a rule that
cannot give one flags its line as a problem instead of guessing.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from madoguchi.forms.conditions import RuleFailed, evaluate, holds
from madoguchi.forms.fees import Quote, included_tax, quote
from madoguchi.forms.schema import FEE_MAX_AMOUNT, FormSchema

OPTIONS = ["sofa", "bed", "fridge", "bike"]

FIELDS: list[dict[str, Any]] = [
    {"key": "name", "type": "text", "label": "氏名"},
    {"key": "copies", "type": "number", "label": "通数"},
    {
        "key": "items",
        "type": "choice",
        "widget": "checkbox",
        "label": "品目",
        "options": [{"value": v, "label": v} for v in OPTIONS],
    },
    {
        "key": "kind",
        "type": "choice",
        "label": "区分",
        "options": [
            {"value": "resident", "label": "個人"},
            {"value": "business", "label": "事業者"},
        ],
    },
]
KEYS = [f["key"] for f in FIELDS]


def fee_schema(*items: dict[str, Any], **fees: Any) -> FormSchema:
    return FormSchema.model_validate(
        {
            "title": "粗大ごみ収集の申込み",
            "steps": [{"key": "main", "title": "申込み", "fields": FIELDS}],
            "fees": {"items": list(items)} | fees,
        }
    )


def quoted(schema: FormSchema, answers: dict[str, Any]) -> Quote:
    result = quote(schema, answers)
    assert result is not None
    return result


# Any JSON value, including what Python's json module reads (NaN, Infinity, huge numbers).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["", "3", "-1", "1.5", "2.0", "1e400", "NaN", *OPTIONS]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
answers_of_any_shape = st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=5), json_values, max_size=6
)

# Rules staff might write, including ones that go wrong for some answers: negative,
# fractional, too large, an index past a list's end, a string where a list is expected.
RULES: list[dict[str, Any]] = [
    {"if": [{"==": [{"var": "kind"}, "business"]}, 2000, 500]},
    {"*": [{"var": "copies"}, 300]},
    {"-": [100, {"var": "copies"}]},
    {"/": [{"var": "copies"}, 3]},
    {"*": [{"var": "copies"}, 1.5]},
    {"+": [{"var": "copies"}, {"var": "name"}]},
    {"*": [{"var": "copies"}, FEE_MAX_AMOUNT]},
    {"var": "copies.0"},
    {"var": "items.2"},
    {"substr": [{"var": "items"}, 1]},
    {"cat": ["1", {"var": "copies"}]},
    {"max": [{"var": "copies"}, 0]},
    {"var": "items"},
]
CONDITIONS: list[dict[str, Any] | None] = [
    None,
    {"==": [{"var": "kind"}, "business"]},
    {">": [{"var": "copies"}, 2]},
    {">": [{"/": [{"var": "copies"}, 2]}, 3]},
    {"in": ["sofa", {"var": "items"}]},
    {"==": [{"var": "items.3"}, "bike"]},
    {"in": [{"var": "name"}, 3]},
]


@st.composite
def fee_items(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=1, max_value=5))
    items = []
    for number in range(count):
        item: dict[str, Any] = {
            "key": f"fee_{number}",
            "label": f"手数料{number}",
            "unit_amount": draw(st.integers(min_value=0, max_value=FEE_MAX_AMOUNT)),
            "taxable": draw(st.booleans()),
            "tax_rate": draw(st.sampled_from([8, 10])),
        }
        quantity_field = draw(st.sampled_from([None, "copies", "items", "kind"]))
        if quantity_field:
            item["quantity_field"] = quantity_field
        if draw(st.booleans()):
            item["amount"] = draw(st.sampled_from(RULES))
        condition = draw(st.sampled_from(CONDITIONS))
        if condition:
            item["applies_if"] = condition
        items.append(item)
    return items


# --- every quote ------------------------------------------------------------------------------


@given(items=fee_items(), answers=answers_of_any_shape)
def test_any_answers_give_whole_non_negative_lines_that_add_up_or_a_problem(
    items: list[dict[str, Any]], answers: dict[str, Any]
) -> None:
    schema = fee_schema(*items)

    result = quoted(schema, answers)

    assert result.total == sum(line.amount for line in result.lines)
    assert result.tax_total == sum(line.tax for line in result.lines)
    keys = [item["key"] for item in items]
    line_keys = [line.key for line in result.lines]
    assert set(line_keys).isdisjoint(result.problems)
    assert set(line_keys) | set(result.problems) <= set(keys)
    assert line_keys == [k for k in keys if k in line_keys]  # in the form's order
    for line in result.lines:
        for number in (line.amount, line.unit_amount, line.quantity, line.tax):
            assert type(number) is int
            assert number >= 0
        assert line.amount <= FEE_MAX_AMOUNT
        assert line.amount == line.unit_amount * line.quantity
        assert line.amount > 0 or line.quantity > 0
        assert 0 <= line.tax <= line.amount
        if not line.taxable:
            assert line.tax == 0
    assert result.payable == (
        result.total > 0 and not result.problems and result.total <= FEE_MAX_AMOUNT
    )


@given(items=fee_items(), answers=answers_of_any_shape)
def test_the_stored_lines_are_plain_json(
    items: list[dict[str, Any]], answers: dict[str, Any]
) -> None:
    result = quoted(fee_schema(*items), answers)

    for stored in result.lines_json():
        assert set(stored) == {
            "key",
            "label",
            "unit_amount",
            "quantity",
            "amount",
            "taxable",
            "tax_rate",
            "tax",
        }
        assert stored["tax_rate"] in ((8, 10) if stored["taxable"] else (0,))


def test_a_form_without_fees_has_no_quote() -> None:
    schema = FormSchema.model_validate(
        {"title": "無料", "steps": [{"key": "main", "title": "申込み", "fields": FIELDS}]}
    )

    assert quote(schema, {"copies": 3}) is None


# --- fixed fees -------------------------------------------------------------------------------


@given(
    unit=st.integers(min_value=1, max_value=FEE_MAX_AMOUNT),
    answers=answers_of_any_shape,
)
def test_a_fixed_fee_is_the_same_whatever_the_answers(unit: int, answers: dict[str, Any]) -> None:
    schema = fee_schema({"key": "fee", "label": "手数料", "unit_amount": unit})

    result = quoted(schema, answers)

    assert [(line.key, line.quantity, line.amount) for line in result.lines] == [("fee", 1, unit)]
    assert result.problems == ()
    assert result.payable


# --- per quantity -----------------------------------------------------------------------------


@given(
    unit=st.integers(min_value=0, max_value=10_000),
    copies=st.integers(min_value=1, max_value=100),
    written=st.sampled_from([int, float, str]),
)
def test_a_per_quantity_fee_is_the_unit_times_the_number_answered(
    unit: int, copies: int, written: type
) -> None:
    schema = fee_schema(
        {"key": "copy", "label": "写しの交付", "unit_amount": unit, "quantity_field": "copies"}
    )

    result = quoted(schema, {"copies": written(copies)})

    assert [(line.unit_amount, line.quantity, line.amount) for line in result.lines] == [
        (unit, copies, unit * copies)
    ]


@given(unit=st.integers(min_value=1, max_value=10_000), a=st.integers(0, 50), b=st.integers(0, 50))
def test_a_per_quantity_fee_is_linear_in_the_quantity(unit: int, a: int, b: int) -> None:
    schema = fee_schema(
        {"key": "copy", "label": "写しの交付", "unit_amount": unit, "quantity_field": "copies"}
    )

    def total(copies: int) -> int:
        return quoted(schema, {"copies": copies}).total

    assert total(a + b) == total(a) + total(b)


@pytest.mark.parametrize("missing", [{}, {"copies": None}, {"copies": ""}, {"copies": 0}])
def test_a_per_quantity_fee_without_a_quantity_charges_nothing(missing: dict[str, Any]) -> None:
    schema = fee_schema(
        {"key": "copy", "label": "写しの交付", "unit_amount": 300, "quantity_field": "copies"}
    )

    result = quoted(schema, missing)

    assert (result.lines, result.problems, result.total, result.payable) == ((), (), 0, False)


@pytest.mark.parametrize("wrong", [-1, 1.5, "three", True, [1], {"n": 1}, float("nan"), 10**400])
def test_a_quantity_that_is_not_a_whole_count_is_a_problem(wrong: Any) -> None:
    schema = fee_schema(
        {"key": "copy", "label": "写しの交付", "unit_amount": 300, "quantity_field": "copies"}
    )

    result = quoted(schema, {"copies": wrong})

    assert (result.lines, result.problems, result.payable) == ((), ("copy",), False)


def test_a_quantity_times_unit_above_the_limit_is_a_problem() -> None:
    schema = fee_schema(
        {"key": "copy", "label": "写しの交付", "unit_amount": 300, "quantity_field": "copies"}
    )

    result = quoted(schema, {"copies": FEE_MAX_AMOUNT // 300 + 1})

    assert result.problems == ("copy",)


@given(ticked=st.lists(st.sampled_from(OPTIONS), unique=True), unit=st.integers(1, 5000))
def test_a_fee_per_ticked_option_counts_the_ticked_options(ticked: list[str], unit: int) -> None:
    schema = fee_schema(
        {"key": "pickup", "label": "粗大ごみ処理", "unit_amount": unit, "quantity_field": "items"}
    )

    result = quoted(schema, {"items": ticked})

    assert result.total == unit * len(ticked)
    assert [line.quantity for line in result.lines] == ([len(ticked)] if ticked else [])


def test_an_option_ticked_twice_or_an_unknown_value_is_not_counted_again() -> None:
    schema = fee_schema(
        {"key": "pickup", "label": "粗大ごみ処理", "unit_amount": 400, "quantity_field": "items"}
    )

    result = quoted(schema, {"items": ["sofa", "sofa", "piano", 3, ["bed"]]})

    assert [(line.quantity, line.amount) for line in result.lines] == [(1, 400)]


@pytest.mark.parametrize(("answer", "count"), [("business", 1), ("", 0), ("nothing", 0)])
def test_a_fee_counting_a_single_choice_counts_one_when_an_option_is_chosen(
    answer: str, count: int
) -> None:
    schema = fee_schema(
        {"key": "visit", "label": "訪問", "unit_amount": 1000, "quantity_field": "kind"}
    )

    assert quoted(schema, {"kind": answer}).total == 1000 * count


# --- computed (JSON Logic) --------------------------------------------------------------------


@given(kind=st.sampled_from(["resident", "business"]), copies=st.integers(0, 3000))
def test_a_computed_fee_is_what_its_rule_gives(kind: str, copies: int) -> None:
    schema = fee_schema(
        {
            "key": "base",
            "label": "基本料金",
            "amount": {"if": [{"==": [{"var": "kind"}, "business"]}, 2000, 500]},
        },
        {"key": "per_copy", "label": "通数分", "amount": {"*": [{"var": "copies"}, 300]}},
    )

    result = quoted(schema, {"kind": kind, "copies": copies})

    base = 2000 if kind == "business" else 500
    assert {line.key: line.amount for line in result.lines} == {"base": base} | (
        {"per_copy": 300 * copies} if copies else {}
    )
    assert result.total == base + 300 * copies


@pytest.mark.parametrize(
    ("rule", "answers"),
    [
        ({"-": [100, {"var": "copies"}]}, {"copies": 101}),  # negative
        ({"/": [{"var": "copies"}, 3]}, {"copies": 2}),  # fractional
        ({"*": [{"var": "copies"}, FEE_MAX_AMOUNT]}, {"copies": 2}),  # too large
        ({"var": "kind"}, {"kind": "business"}),  # not a number
        ({"==": [1, 1]}, {}),  # a truth value is not an amount
        ({"var": "items.3"}, {"items": ["sofa"]}),  # past the list's end
        ({"substr": [{"var": "name"}, 1]}, {"name": ["加賀"]}),  # wrong type
        ({"/": [{"var": "copies"}, 2]}, {"copies": 10**400}),  # beyond a float
    ],
)
def test_a_rule_that_gives_no_whole_amount_is_a_problem_not_a_charge(
    rule: dict[str, Any], answers: dict[str, Any]
) -> None:
    schema = fee_schema({"key": "computed", "label": "手数料", "amount": rule})

    result = quoted(schema, answers)

    assert (result.lines, result.problems, result.payable) == ((), ("computed",), False)


def test_a_computed_fee_with_a_quantity_field_shows_the_unit_when_it_divides() -> None:
    schema = fee_schema(
        {
            "key": "copy",
            "label": "写し",
            "quantity_field": "copies",
            "amount": {"*": [{"var": "copies"}, 350]},
        }
    )

    [line] = quoted(schema, {"copies": 4}).lines

    assert (line.unit_amount, line.quantity, line.amount) == (350, 4, 1400)


# --- applies_if -------------------------------------------------------------------------------


@given(kind=st.sampled_from(["resident", "business", "", None]), copies=st.integers(0, 10))
def test_a_line_is_charged_only_when_its_condition_holds(kind: Any, copies: int) -> None:
    schema = fee_schema(
        {"key": "base", "label": "基本料金", "unit_amount": 500},
        {
            "key": "business",
            "label": "事業者加算",
            "unit_amount": 1000,
            "applies_if": {"==": [{"var": "kind"}, "business"]},
        },
    )

    result = quoted(schema, {"kind": kind, "copies": copies})

    assert [line.key for line in result.lines] == (
        ["base", "business"] if kind == "business" else ["base"]
    )


@given(answers=answers_of_any_shape)
def test_a_condition_that_cannot_be_evaluated_never_crashes_the_quote(
    answers: dict[str, Any],
) -> None:
    schema = fee_schema(
        *(
            {"key": f"fee_{n}", "label": "手数料", "unit_amount": 100, "applies_if": condition}
            for n, condition in enumerate(CONDITIONS)
            if condition
        )
    )

    result = quoted(schema, answers)

    assert result.total == 100 * len(result.lines)


# --- tax --------------------------------------------------------------------------------------


@given(amount=st.integers(min_value=0, max_value=FEE_MAX_AMOUNT), rate=st.sampled_from([8, 10]))
def test_the_included_tax_is_rounded_down_and_never_more_than_the_amount(
    amount: int, rate: int
) -> None:
    tax = included_tax(amount, rate)

    assert tax == int(Fraction(amount * rate, 100 + rate))  # floor, exactly
    assert 0 <= tax <= amount
    assert amount - tax >= tax * 100 // rate  # what remains is at least the price before tax


@given(unit=st.integers(1, 100_000), rate=st.sampled_from([8, 10]), taxable=st.booleans())
def test_a_taxable_line_carries_its_included_tax_and_an_untaxed_one_none(
    unit: int, rate: int, taxable: bool
) -> None:
    schema = fee_schema(
        {
            "key": "sticker",
            "label": "処理券",
            "unit_amount": unit,
            "taxable": taxable,
            "tax_rate": rate,
        }
    )

    [line] = quoted(schema, {}).lines

    assert line.tax == (unit * rate // (100 + rate) if taxable else 0)
    assert line.as_json()["tax_rate"] == (rate if taxable else 0)


def test_a_sticker_of_330_yen_at_10_percent_includes_30_yen_of_tax() -> None:
    schema = fee_schema(
        {"key": "sticker", "label": "処理券", "unit_amount": 330, "taxable": True, "tax_rate": 10}
    )

    assert quoted(schema, {}).tax_total == 30


# --- the schema refuses fee blocks that cannot work -------------------------------------------


@pytest.mark.parametrize(
    ("fees", "message"),
    [
        (
            {"items": [{"key": "a", "label": "x"}, {"key": "a", "label": "y"}]},
            "fee item keys must be unique",
        ),
        (
            {"items": [{"key": "a", "label": "x", "quantity_field": "pages"}]},
            "fee 'a' counts unknown field 'pages'",
        ),
        (
            {"items": [{"key": "a", "label": "x", "quantity_field": "name"}]},
            "which is neither a number nor a choice",
        ),
        (
            {"items": [{"key": "a", "label": "x", "amount": {"var": "pages"}}]},
            "fee 'a' amount refers to unknown field 'pages'",
        ),
        (
            {"items": [{"key": "a", "label": "x", "applies_if": {"var": "pages"}}]},
            "fee 'a' applies_if refers to unknown field 'pages'",
        ),
        ({"timing": "on_submission", "items": []}, "needs at least one item"),
        ({"items": [{"key": "a", "label": "x", "unit_amount": -1}]}, "greater than or equal"),
        (
            {"items": [{"key": "a", "label": "x", "unit_amount": FEE_MAX_AMOUNT + 1}]},
            "less than or equal",
        ),
        ({"items": [{"key": "a", "label": "x", "tax_rate": 5}]}, "tax_rate"),
        ({"items": [{"key": "a", "label": "x"}], "methods": []}, "methods"),
        ({"items": [{"key": "a", "label": "x"}], "methods": ["cash"]}, "methods"),
        ({"items": [{"key": "a", "label": "x", "price": 3}]}, "price"),
    ],
)
def test_the_schema_refuses_a_fee_block_that_cannot_work(
    fees: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        fee_schema(**fees)


def test_a_fee_set_after_review_may_have_no_items_yet() -> None:
    schema = fee_schema(timing="after_review", methods=["card", "konbini", "paypay"])

    assert schema.fees is not None
    assert quoted(schema, {"copies": 2}).lines == ()


@given(answers=answers_of_any_shape)
def test_a_quote_never_depends_on_answers_the_rules_do_not_read(answers: dict[str, Any]) -> None:
    schema = fee_schema(
        {"key": "copy", "label": "写し", "unit_amount": 300, "quantity_field": "copies"}
    )
    assume("copies" not in answers)

    assert quoted(schema, answers).lines == ()


def test_a_condition_that_fails_for_these_answers_flags_its_line() -> None:
    schema = fee_schema(
        {
            "key": "bike",
            "label": "自転車",
            "unit_amount": 500,
            "applies_if": {"==": [{"var": "items.3"}, "bike"]},
        }
    )

    result = quoted(schema, {"items": ["sofa"]})

    assert (result.lines, result.problems) == ((), ("bike",))


@pytest.mark.parametrize(
    "rule",
    [
        # JSON Logic's "method" calls any Python method: from a string, through __class__,
        # __mro__ and __subclasses__, a form definition file could run code on the server.
        {"method": [{"method": ["", "__class__"]}, "__subclasses__"]},
        {"method": [{"var": "name"}, "upper"]},
        {"log": {"var": "name"}},  # would write an answer to the log
        {"+": [1, {"method": [{"var": "name"}, "count", ["a"]]}]},
    ],
)
def test_rules_may_not_call_methods_or_log(rule: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="which forms may not use"):
        fee_schema({"key": "computed", "label": "手数料", "amount": rule})
    with pytest.raises(ValidationError, match="which forms may not use"):
        fee_schema({"key": "fixed", "label": "手数料", "unit_amount": 100, "applies_if": rule})


def test_a_refused_operator_is_refused_at_evaluation_too() -> None:
    """A schema stored before the check (or built without validation) never evaluates it."""
    rule = {"method": [{"method": ["", "__class__"]}, "__subclasses__"]}
    with pytest.raises(RuleFailed):
        evaluate(rule, {})
    assert holds(rule, {}) is False
