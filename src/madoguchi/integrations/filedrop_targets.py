"""Where a file drop writes its batches: a local directory, or an S3 bucket and prefix.

A batch is built in a staging directory, then published whole: on a local file system it is
renamed into place (one ``rename``, atomic within the file system, so a reader never sees a
half-written batch directory), on S3 each object is uploaded under the batch's prefix. Either
way the ``.done`` marker is written last; readers take a batch only once it is there (on S3,
where there is no rename, the marker is the only signal).

A directory target must be one of ``MADOGUCHI_FILEDROP_ROOTS`` or inside one, after symbolic
links are resolved, and may not be written with ``..``: checked when a drop is saved and again
before every run (a link changed since is caught), and the run writes to the resolved
directory. With no roots (production's default) directory targets are refused; s3:// targets
are not affected.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

DONE = ".done"
STAGING_PREFIX = ".tmp-"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class TargetInvalid(ValueError):
    """The target cannot take batches; ``message`` says what to fix (translated)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class Target(Protocol):
    def check(self) -> None: ...
    def staging(self, batch: str) -> Path: ...
    def publish(self, staging: Path, batch: str) -> None: ...
    def mark_done(self, batch: str, content: bytes) -> None: ...
    def read(self, batch: str, name: str) -> bytes | None: ...
    def discard(self, batch: str) -> None: ...


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def allowed_roots() -> list[Path]:
    """``MADOGUCHI_FILEDROP_ROOTS``, each with its symbolic links resolved."""
    return [
        Path(os.path.realpath(root)) for root in getattr(settings, "MADOGUCHI_FILEDROP_ROOTS", [])
    ]


def within_roots(path: Path, roots: list[Path]) -> bool:
    """Is ``path`` (resolved by the caller) one of ``roots`` or inside one."""
    return any(path == root or path.is_relative_to(root) for root in roots)


def check_within_roots(path: Path) -> None:
    """TargetInvalid unless ``path``, its symbolic links resolved, is under an allowed root."""
    roots = allowed_roots()
    if not roots:
        raise TargetInvalid(
            gettext_lazy(
                "Writing to a directory is turned off on this server. Use an s3:// bucket, or "
                "ask the server's operator to list the directory in MADOGUCHI_FILEDROP_ROOTS."
            )
        )
    if not within_roots(Path(os.path.realpath(path)), roots):
        raise TargetInvalid(
            gettext(
                "File drops may write only inside %(roots)s. Choose a directory there, or "
                "ask the server's operator to add this one to MADOGUCHI_FILEDROP_ROOTS."
            )
            % {"roots": ", ".join(str(root) for root in roots)}
        )


@dataclass(frozen=True)
class LocalTarget:
    """A directory on this machine (often a share the legacy system or the 無害化 gateway reads).

    ``root`` is the resolved directory (target_for): every write goes there."""

    root: Path

    def check(self) -> None:
        if not self.root.is_absolute():
            raise TargetInvalid(gettext_lazy("Give an absolute path, starting with /."))
        check_within_roots(self.root)
        if not self.root.is_dir():
            raise TargetInvalid(gettext_lazy("This directory does not exist on the server."))
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise TargetInvalid(
                gettext_lazy("Madoguchi cannot write to this directory. Ask the server's operator.")
            )

    def staging(self, batch: str) -> Path:
        self.check()
        path = self.root / f"{STAGING_PREFIX}{batch}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(mode=0o750)
        return path

    def publish(self, staging: Path, batch: str) -> None:
        for item in staging.iterdir():
            _fsync(item)
        _fsync(staging)
        # rename(2): the batch appears whole or not at all.
        staging.rename(self.root / batch)
        _fsync(self.root)

    def mark_done(self, batch: str, content: bytes) -> None:
        directory = self.root / batch
        partial = directory / f"{DONE}.partial"
        partial.write_bytes(content)
        _fsync(partial)
        partial.rename(directory / DONE)
        _fsync(directory)

    def _allowed(self) -> bool:
        return within_roots(Path(os.path.realpath(self.root)), allowed_roots())

    def read(self, batch: str, name: str) -> bytes | None:
        if not self._allowed():
            return None
        try:
            return (self.root / batch / name).read_bytes()
        except OSError:
            return None

    def discard(self, batch: str) -> None:
        if not self._allowed():  # nothing was written outside the roots
            return
        for path in (self.root / f"{STAGING_PREFIX}{batch}", self.root / batch):
            shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class S3Target:
    """``s3://bucket/prefix`` through django-storages, with the endpoint of the default storage."""

    bucket: str
    prefix: str

    def _storage(self) -> Any:
        from storages.backends.s3 import S3Storage

        options: dict[str, Any] = {}
        default = settings.STORAGES.get("default", {})
        if default.get("BACKEND") == "storages.backends.s3.S3Storage":
            known = ("endpoint_url", "region_name", "addressing_style")
            options = {k: v for k, v in default.get("OPTIONS", {}).items() if k in known}
        options |= getattr(settings, "MADOGUCHI_FILEDROP_S3_OPTIONS", {})
        return S3Storage(
            bucket_name=self.bucket,
            location=self.prefix,
            default_acl=None,
            file_overwrite=True,
            **options,
        )

    def check(self) -> None:
        if importlib.util.find_spec("storages") is None:
            raise TargetInvalid(
                gettext_lazy("S3 targets need django-storages installed on the server.")
            )
        if not _BUCKET.match(self.bucket):
            raise TargetInvalid(gettext_lazy("Write the bucket as s3://bucket-name/prefix."))
        if ".." in self.prefix.split("/"):
            raise TargetInvalid(gettext_lazy("The prefix must not contain “..”."))

    def staging(self, batch: str) -> Path:
        self.check()
        return Path(tempfile.mkdtemp(prefix=f"madoguchi-drop-{batch}-"))

    def publish(self, staging: Path, batch: str) -> None:
        storage = self._storage()
        try:
            for item in sorted(staging.iterdir()):
                with open(item, "rb") as handle:
                    storage.save(f"{batch}/{item.name}", handle)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def mark_done(self, batch: str, content: bytes) -> None:
        from django.core.files.base import ContentFile

        self._storage().save(f"{batch}/{DONE}", ContentFile(content))

    def read(self, batch: str, name: str) -> bytes | None:
        storage = self._storage()
        try:
            with storage.open(f"{batch}/{name}", "rb") as handle:
                data: bytes = handle.read()
                return data
        except Exception:  # absent (boto3 reports it in several ways)
            return None

    def discard(self, batch: str) -> None:
        storage = self._storage()
        try:
            _, names = storage.listdir(batch)
        except Exception:  # nothing was uploaded, or the bucket is unreachable
            return
        for name in names:
            storage.delete(f"{batch}/{name}")


def target_for(value: str) -> Target:
    """The target a drop's ``target`` names (``/abs/dir`` or ``s3://bucket/prefix``)."""
    if value.startswith("s3://"):
        bucket, _, prefix = value.removeprefix("s3://").partition("/")
        return S3Target(bucket=bucket, prefix=prefix.strip("/"))
    # Resolved now, at every run: the run writes where the roots were checked.
    return LocalTarget(Path(os.path.realpath(value)) if value.startswith("/") else Path(value))


def check_target(value: str) -> str:
    """The target as stored, or TargetInvalid saying what to fix."""
    value = value.strip()
    if not value:
        raise TargetInvalid(gettext_lazy("Give the directory or s3:// bucket to write to."))
    if not value.startswith("s3://"):
        path = Path(value)
        if not path.is_absolute():
            raise TargetInvalid(gettext_lazy("Give an absolute path, starting with /."))
        if ".." in path.parts:
            raise TargetInvalid(
                gettext_lazy("Write the directory's path without “..”, e.g. /srv/drop/kosodate.")
            )
        value = os.path.normpath(value)
    target_for(value).check()
    return value
