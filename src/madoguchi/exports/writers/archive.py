"""ZIP of attachments with manifests and SHA-256 sums, streamed as it is built.

An attachment of an application sealed by end-to-end encryption (``ZipItem.encrypted``) is
stored here only as ciphertext, which is not the file: it is left out of the archive, and
its manifest line says so (``path`` empty, ``intact`` empty, ``note`` saying where to open
it), with the SHA-256 and size recorded at upload, which the opened file will match.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext_lazy

from madoguchi.core.spreadsheet import CsvWriter

from .cells import FILE_CHUNK_SIZE, file_chunks


@dataclass(frozen=True)
class ZipItem:
    """One attachment to bundle; ``open`` is called only when its turn comes."""

    receipt_number: str
    field: str
    name: str
    recorded_sha256: str
    open: Callable[[], IO[bytes]]
    # Sealed (end-to-end encryption): listed in the manifest, never copied.
    encrypted: bool = False
    recorded_size: int | None = None


# The manifest's ``note`` of a file left out because it is encrypted, in the export's
# language (Japanese for back-office systems).
ENCRYPTED_NOTE = gettext_lazy(
    "Encrypted, so not included: open it on the LGWAN-side node (or with the department's key)."
)


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_name(name: str, *, limit: int = 120) -> str:
    """A file name that is one path component on every OS and in SHA256SUMS."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip().lstrip(".")
    return cleaned[:limit] or "file"


class _Sink(io.RawIOBase):
    """A write-only stream that zipfile fills and the generator drains (no seek)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self.parts.append(chunk)
        return len(chunk)

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


MANIFEST_FIELDS = ["receipt_number", "field", "path", "name", "size", "sha256", "intact", "note"]


def zip_chunks(items: Iterable[ZipItem]) -> Iterator[bytes]:
    """A ZIP streamed as it is built: the attachments, manifest.json, manifest.csv, SHA256SUMS.

    Each file is copied in 1 MiB pieces and hashed on the way, so the sums describe the
    bytes in the archive; ``intact`` says whether they match the SHA-256 recorded at
    upload. ``sha256sum -c SHA256SUMS`` checks the unpacked files on the other side of
    a separated network (LGWAN / 三層分離). Manifest lines wait in temporary files,
    so memory does not grow with the number of attachments.
    """
    sink = _Sink()
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as manifest_json,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as manifest_csv,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as sums,
        zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive,
    ):
        manifest_writer = CsvWriter(manifest_csv)
        manifest_writer.writerow(MANIFEST_FIELDS)
        manifest_json.write("[")
        # Paths start with the receipt number and items come submission by submission,
        # so only the current submission's paths need remembering.
        seen: set[str] = set()
        receipt = None
        first = True
        for item in items:
            if item.receipt_number != receipt:
                receipt = item.receipt_number
                seen.clear()
            if item.encrypted:
                entry = _encrypted_entry(item)
                manifest_json.write(
                    ("\n" if first else ",\n") + json.dumps(entry, ensure_ascii=False)
                )
                manifest_writer.writerow(
                    ["" if entry[k] is None else entry[k] for k in MANIFEST_FIELDS]
                )
                first = False
                continue
            path = _unique_path(item, seen)
            digest = hashlib.sha256()
            size = 0
            # Attachments are PDF/JPEG/PNG, already compressed: stored, not deflated.
            with item.open() as source, archive.open(path, mode="w") as target:
                for piece in file_chunks(source):
                    digest.update(piece)
                    size += len(piece)
                    target.write(piece)
                    yield sink.drain()
            sha = digest.hexdigest()
            entry = {
                "receipt_number": item.receipt_number,
                "field": item.field,
                "path": path,
                "name": item.name,
                "size": size,
                "sha256": sha,
                "intact": sha == item.recorded_sha256,
                "note": "",
            }
            manifest_json.write(("\n" if first else ",\n") + json.dumps(entry, ensure_ascii=False))
            manifest_writer.writerow([entry[k] for k in MANIFEST_FIELDS])
            sums.write(f"{sha}  {path}\n")
            first = False
            yield sink.drain()
        manifest_json.write("\n]\n")
        for name, handle in (("manifest.json", manifest_json), ("manifest.csv", manifest_csv)):
            handle.seek(0)
            digest = hashlib.sha256()
            with archive.open(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), mode="w"
            ) as target:
                while text := handle.read(FILE_CHUNK_SIZE):
                    data = text.encode("utf-8")
                    digest.update(data)
                    target.write(data)
                    yield sink.drain()
            sums.write(f"{digest.hexdigest()}  {name}\n")
        sums.seek(0)
        with archive.open("SHA256SUMS", mode="w") as target:
            while text := sums.read(FILE_CHUNK_SIZE):
                target.write(text.encode("utf-8"))
    yield sink.drain()


def _encrypted_entry(item: ZipItem) -> dict[str, object]:
    """A sealed file's manifest line: not in the archive, so no path and no check."""
    return {
        "receipt_number": item.receipt_number,
        "field": item.field,
        "path": None,
        "name": item.name,
        "size": item.recorded_size,
        "sha256": item.recorded_sha256,
        "intact": None,
        "note": str(ENCRYPTED_NOTE),
    }


def _unique_path(item: ZipItem, seen: set[str]) -> str:
    base = f"{safe_name(item.receipt_number)}/{safe_name(item.field)}/{safe_name(item.name)}"
    path = base
    counter = 2
    while path in seen:
        stem, dot, suffix = base.rpartition(".")
        path = f"{stem}-{counter}.{suffix}" if dot and "/" not in suffix else f"{base}-{counter}"
        counter += 1
    seen.add(path)
    return path
