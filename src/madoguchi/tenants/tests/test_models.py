"""Municipalities, departments and who may see which department's data."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from madoguchi.tenants.models import Department, Municipality, StaffRole
from madoguchi.tenants.selectors import visible_departments
from madoguchi.testing.factories import DepartmentFactory, MunicipalityFactory, StaffFactory

pytestmark = pytest.mark.django_db


def municipality(lg_code: str) -> Municipality:
    return Municipality(lg_code=lg_code, name="加賀市", name_en="Kaga City", prefecture="石川県")


@pytest.mark.parametrize(
    "lg_code", ["172065", "281000", "141003"], ids=["Kaga", "Kobe", "Yokohama"]
)
def test_a_local_government_code_with_the_right_check_digit_is_accepted(lg_code: str) -> None:
    municipality(lg_code).full_clean()


@pytest.mark.parametrize("lg_code", ["172066", "281001", "141004"])
def test_a_local_government_code_with_a_wrong_check_digit_is_refused_saying_the_right_one(
    lg_code: str,
) -> None:
    with pytest.raises(ValidationError) as error:
        municipality(lg_code).full_clean()

    (message,) = error.value.message_dict["lg_code"]
    assert lg_code[:5] in message
    assert error.value.error_dict["lg_code"][0].code == "lg_code_check_digit"


@pytest.mark.parametrize("lg_code", ["17206", "1720655", "17206a"])
def test_a_local_government_code_that_is_not_six_digits_is_refused(lg_code: str) -> None:
    with pytest.raises(ValidationError) as error:
        municipality(lg_code).full_clean()

    assert "lg_code" in error.value.message_dict


def test_names_are_shown_in_english_only_to_english_readers() -> None:
    kaga = municipality("172065")

    assert (kaga.localized_name("en"), kaga.localized_name("ja")) == ("Kaga City", "加賀市")


def test_a_department_without_an_english_name_is_shown_in_japanese() -> None:
    division = Department(name="環境課", name_en="")

    assert division.localized_name("en") == "環境課"


# --- visible departments ------------------------------------------------------------------


@pytest.fixture
def kaga() -> list[Department]:
    city = MunicipalityFactory(lg_code="172065", name="加賀市", name_en="Kaga City")
    return [
        DepartmentFactory(municipality=city, code=code) for code in ["kenko", "kankyo", "zeimu"]
    ]


@pytest.fixture
def kobe_department() -> Department:
    return DepartmentFactory(municipality=MunicipalityFactory(lg_code="281000"), code="kankyo")


def test_an_administrator_sees_every_department_of_the_municipality_and_no_other(
    kaga: list[Department], kobe_department: Department
) -> None:
    admin = StaffFactory(municipality=kaga[0].municipality, role=StaffRole.MUNICIPALITY_ADMIN)

    assert set(visible_departments(admin)) == set(kaga)


def test_department_staff_see_only_the_departments_they_belong_to(kaga: list[Department]) -> None:
    kenko, kankyo, _zeimu = kaga
    staff = StaffFactory(municipality=kenko.municipality, departments=[kenko, kankyo])

    assert set(visible_departments(staff)) == {kenko, kankyo}


def test_read_only_staff_see_their_departments_like_department_staff(
    kaga: list[Department],
) -> None:
    viewer = StaffFactory(
        municipality=kaga[0].municipality, role=StaffRole.READ_ONLY, departments=[kaga[2]]
    )

    assert list(visible_departments(viewer)) == [kaga[2]]
    assert not viewer.can_act


def test_staff_without_departments_see_none(kaga: list[Department]) -> None:
    staff = StaffFactory(municipality=kaga[0].municipality)

    assert not visible_departments(staff).exists()


def test_a_department_of_another_municipality_stays_hidden_even_if_assigned_by_mistake(
    kaga: list[Department], kobe_department: Department
) -> None:
    staff = StaffFactory(municipality=kaga[0].municipality, departments=[kaga[0], kobe_department])

    assert list(visible_departments(staff)) == [kaga[0]]
