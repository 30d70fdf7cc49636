"""File drops write only inside MADOGUCHI_FILEDROP_ROOTS: checked when a drop is saved and
before every run, with symbolic links resolved and ``..`` refused; none set: no directories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from madoguchi.forms.models import FormVersion
from madoguchi.integrations import filedrop
from madoguchi.integrations.filedrop_targets import TargetInvalid, check_target
from madoguchi.integrations.models import FileDrop, FileDropRun
from madoguchi.testing.factories import submit_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(tmp_path: Path, settings: Any) -> Path:
    """The only directory drops may write under; ``outside`` sits beside it."""
    (tmp_path / "root").mkdir()
    (tmp_path / "outside").mkdir()
    settings.MADOGUCHI_FILEDROP_ROOTS = [str(tmp_path / "root")]
    return tmp_path / "root"


def refusal(value: str, language: str = "en") -> str:
    with translation.override(language):
        with pytest.raises(TargetInvalid) as refused:
            check_target(value)
        return str(refused.value.message)


def test_the_root_itself_and_directories_inside_it_are_accepted(root: Path) -> None:
    (root / "kosodate").mkdir()

    assert check_target(str(root)) == str(root)
    assert check_target(f"{root}/kosodate/") == str(root / "kosodate")


def test_a_directory_outside_the_roots_is_refused_in_both_languages(root: Path) -> None:
    outside = root.parent / "outside"

    assert "File drops may write only inside" in refusal(str(outside))
    assert str(root) in refusal(str(outside))
    assert "MADOGUCHI_FILEDROP_ROOTS" in refusal(str(outside), "ja")
    assert "の中だけ" in refusal(str(outside), "ja")


def test_a_sibling_whose_name_starts_like_the_root_is_outside(root: Path) -> None:
    sibling = root.parent / f"{root.name}-other"
    sibling.mkdir()

    assert "File drops may write only inside" in refusal(str(sibling))


def test_dot_dot_is_refused_even_when_it_ends_inside_the_root(root: Path) -> None:
    (root / "a").mkdir()

    assert "“..”" in refusal(f"{root}/a/../a")
    assert "“..”" in refusal(f"{root}/../outside")


def test_a_link_inside_the_root_that_leads_outside_is_refused(root: Path) -> None:
    (root / "link").symlink_to(root.parent / "outside", target_is_directory=True)
    (root / "inner").mkdir()
    (root / "good-link").symlink_to(root / "inner", target_is_directory=True)

    assert "File drops may write only inside" in refusal(str(root / "link"))
    assert check_target(str(root / "good-link")) == str(root / "good-link")


def test_with_no_roots_directories_are_refused_and_buckets_are_not(
    tmp_path: Path, settings: Any
) -> None:
    settings.MADOGUCHI_FILEDROP_ROOTS = []

    assert "turned off on this server" in refusal(str(tmp_path))
    assert "s3://" in refusal(str(tmp_path), "ja")
    # A bucket is refused for its own reasons only, never for the roots.
    assert "bucket-name" in refusal("s3://B/prefix")


def make_drop(form_version: FormVersion, target: Path) -> FileDrop:
    form = form_version.form
    return FileDrop.objects.create(
        municipality=form.municipality, department=form.department, form=form, target=str(target)
    )


def test_a_run_refuses_a_target_whose_link_was_turned_outside_and_writes_nothing_there(
    root: Path, form_version: FormVersion
) -> None:
    outside = root.parent / "outside"
    (root / "inner").mkdir()
    link = root / "drop"
    link.symlink_to(root / "inner", target_is_directory=True)
    drop = make_drop(form_version, Path(check_target(str(link))))
    link.unlink()
    link.symlink_to(outside, target_is_directory=True)  # changed after it was saved
    submit_application(form_version)

    [result] = filedrop.run_drops(drop_id=drop.pk)

    assert result.count == 0
    assert FileDropRun.objects.get().error == "TargetInvalid"
    assert list(outside.iterdir()) == []


def test_a_run_refuses_a_target_the_operator_no_longer_allows(
    root: Path, form_version: FormVersion, settings: Any
) -> None:
    drop = make_drop(form_version, Path(check_target(str(root))))
    settings.MADOGUCHI_FILEDROP_ROOTS = [str(root.parent / "outside")]
    submit_application(form_version)

    filedrop.run_drops(drop_id=drop.pk)

    assert FileDropRun.objects.get().error == "TargetInvalid"
    assert list(root.iterdir()) == []


def test_a_run_writes_through_a_link_that_stays_inside(
    root: Path, form_version: FormVersion
) -> None:
    (root / "inner").mkdir()
    (root / "drop").symlink_to(root / "inner", target_is_directory=True)
    drop = make_drop(form_version, Path(check_target(str(root / "drop"))))
    submit_application(form_version)

    [result] = filedrop.run_drops(drop_id=drop.pk)

    assert (result.count, result.error) == (1, "")
    assert [p.name for p in (root / "inner").iterdir() if p.is_dir()] != []
