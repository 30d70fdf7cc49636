"""The LGWAN node's pull: applications from the internet node(s), through the relay.

Every connection opens from the LGWAN node (``madoguchi lgwan_sync``, on a timer): for each
source of ``MADOGUCHI_PULL_SOURCES`` it takes a token (OAuth 2.0 client credentials), reads
the change list after its cursor, and for each application new or changed fetches it,
decrypts the sealed payload with this node's keyring, downloads and decrypts its attachments
through their signed URLs, checks the document's and every file's SHA-256, stores the local
copy in one transaction (:mod:`.mirror`) and acknowledges it. A form version the application
names and this node lacks is fetched and installed first (:mod:`.version_sync`); every
correction the resident resent there and not applied here yet is opened and applied, oldest
first, in the same transaction (:func:`open_corrections`), also those resent before this node
first pulled the application.
Then it pushes the status changes staff made here (:mod:`.push`). The cursor moves only once
a batch is stored, so an error (network, a refused hash, a missing key) leaves it where it
was: the next run starts the batch again, and nothing is half-stored. Errors are recorded on
the pull source and logged with ids and codes only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import crypto, mirror, mirror_corrections, push, sealing, version_sync
from .keyring import Keyring, KeyringError
from .models import FeedKind, MirroredSubmission, PendingPush, PullSource
from .pulled import MirrorError, Pulled, PulledCorrection, PulledFile

logger = logging.getLogger("madoguchi.integrations.pull")

API_PREFIX = "/api/v1/system/"
BATCH = 100
# A run stops after this many pages; the next run goes on from the cursor.
MAX_PAGES = 50
TIMEOUT = 30


class PullError(Exception):
    """A call to the internet node failed. The message names the call and codes, no data."""


@dataclass
class SyncReport:
    source: str
    pulled: int = 0
    updated: int = 0
    pushed: int = 0
    error: str = ""


class SourceClient:
    """The system API of one internet node, seen through the relay at ``base_url``."""

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        secret: str,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._secret = secret
        self._session = session or requests.Session()
        self._token = ""

    def _fetch_token(self) -> str:
        try:
            response = self._session.post(
                self.base_url + API_PREFIX + "token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self._secret),
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            raise PullError(f"token: {type(error).__name__}") from None
        if response.status_code != 200:
            raise PullError(f"token: HTTP {response.status_code} {_code(response)}")
        token = response.json().get("access_token")
        if not isinstance(token, str) or not token:
            raise PullError("token: no access_token in the answer")
        return token

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> requests.Response:
        """``path`` under /api/v1/system/ or an absolute path; ``what`` names it in errors."""
        url = self.base_url + (path if path.startswith("/") else API_PREFIX + path)
        for attempt in (1, 2):
            if not self._token:
                self._token = self._fetch_token()
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    headers={"Authorization": f"Bearer {self._token}", "Accept-Language": "en"},
                    timeout=TIMEOUT,
                )
            except requests.RequestException as error:
                raise PullError(f"{what}: {type(error).__name__}") from None
            if response.status_code == 401 and attempt == 1:
                self._token = ""  # expired: one new token, once
                continue
            return response
        raise AssertionError("unreachable")

    def get_json(self, path: str, *, what: str, params: dict[str, Any] | None = None) -> Any:
        response = self.request("GET", path, what=what, params=params)
        if response.status_code != 200:
            raise PullError(f"{what}: HTTP {response.status_code} {_code(response)}")
        return response.json()

    def download(self, url: str, *, what: str) -> bytes:
        """A signed attachment URL. The internet node names itself in it; the LGWAN node
        reaches it only through the relay, so the path and query go to ``base_url``."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.request("GET", path, what=what)
        if response.status_code != 200:
            raise PullError(f"{what}: HTTP {response.status_code}")
        return response.content


def _code(response: requests.Response) -> str:
    try:
        answer = response.json()
    except ValueError:
        return ""
    if isinstance(answer, dict):
        return str(answer.get("code") or answer.get("error") or "")[:40]
    return ""


def source_rows() -> list[tuple[PullSource, dict[str, str]]]:
    """Each configured source with its row (made or brought up to date from the settings)."""
    rows = []
    for config in settings.MADOGUCHI_PULL_SOURCES:
        source, _created = PullSource.objects.update_or_create(
            name=config["name"],
            defaults={"base_url": config["base_url"], "client_id": config["client_id"]},
        )
        rows.append((source, config))
    return rows


def open_application(
    client: SourceClient, detail: dict[str, Any], keyring: Callable[[], Keyring]
) -> Pulled:
    """The application's answers, document and files in clear (decrypted when sealed)."""
    public_id = str(detail["id"])
    sealed = detail.get("sealed")
    contents: dict[int, bytes] = {}
    names: dict[int, str] = {}
    listed = _own_attachments(detail)
    for item in listed:
        contents[int(item["id"])] = client.download(
            str(item["url"]), what=f"attachment {item['id']} of {public_id}"
        )
    if sealed:
        opened = _open_sealed(public_id, sealed, listed, contents, keyring())
        answers, document = opened["answers"], opened["document"]
        applicant_name = str(opened.get("applicant_name") or "")
        contents = opened["attachments"]
        names = opened["names"]
    else:
        answers = detail.get("answers") or {}
        document = str(detail.get("document") or "")
        applicant_name = str(detail.get("applicant_name") or "")
    files = [
        PulledFile(
            remote_id=int(item["id"]),
            field=str(item["field"]),
            name=names.get(int(item["id"])) or str(item["name"]),
            size=int(item["size"]),
            content_type=str(item["content_type"]),
            sha256=str(item["sha256"]),
            content=contents[int(item["id"])],
        )
        for item in listed
    ]
    pulled = Pulled.from_api(
        detail, answers=answers, document=document, applicant_name=applicant_name, files=files
    )
    pulled.sealed = bool(sealed)
    pulled.corrections = open_corrections(client, detail, keyring)
    returns = detail.get("corrections") or []
    if returns and not returns[-1].get("resubmitted_at"):
        pulled.return_reason = str(returns[-1].get("reason") or "")
    return pulled


def open_corrections(
    client: SourceClient, detail: dict[str, Any], keyring: Callable[[], Keyring]
) -> list[PulledCorrection]:
    """Every correction the resident resent that is not applied here yet, oldest first,
    opened: sealed ones with this node's keyring (their files downloaded and decrypted),
    clear ones as given. Several can wait: resent before this node first pulled the
    application, or returned and resent again on the internet node between two runs."""
    applied = mirror_corrections.applied_corrections()
    return [
        _open_correction(client, str(detail["id"]), item, keyring)
        for item in detail.get("corrections") or []
        if item.get("resubmitted_at") and str(item["id"]) not in applied
    ]


def _open_correction(
    client: SourceClient, public_id: str, item: dict[str, Any], keyring: Callable[[], Keyring]
) -> PulledCorrection:
    remote_id = str(item["id"])
    listed = list(item.get("files") or [])
    contents = {
        int(f["id"]): client.download(
            str(f["url"]), what=f"file {f['id']} of correction {remote_id} of {public_id}"
        )
        for f in listed
    }
    names: dict[int, str] = {}
    if item.get("sealed"):
        opened = sealing.open_correction_payload(
            item,
            keyring(),
            public_id=public_id,
            files={str(f["id"]): contents[int(f["id"])] for f in listed if f.get("sealed", True)},
        )
        answers = dict(opened.get("answers") or {})
        contents |= {int(key): value for key, value in (opened.get("attachments") or {}).items()}
        names = {
            int(key): str(value.get("name") or "")
            for key, value in (opened.get("files") or {}).items()
            if isinstance(value, dict)
        }
    else:
        answers = dict(item.get("answers") or {})
    return PulledCorrection(
        remote_id=remote_id,
        answers=answers,
        fields=[str(key) for key in item.get("fields") or []],
        reason=str(item.get("reason") or ""),
        requested_at=parse_datetime(str(item.get("requested_at") or "")),
        resubmitted_at=parse_datetime(str(item.get("resubmitted_at") or "")),
        files=[
            PulledFile(
                remote_id=int(f["id"]),
                field=str(f["field"]),
                name=names.get(int(f["id"])) or str(f["name"]),
                size=int(f["size"]),
                content_type=str(f["content_type"]),
                sha256=str(f["sha256"]),
                content=contents[int(f["id"])],
            )
            for f in listed
        ],
    )


def _own_attachments(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """The files sealed with the application itself. A sealed application's files that a
    resent correction added are sealed with that correction (:func:`open_corrections`)."""
    attachments = list(detail.get("attachments") or [])
    sealed = detail.get("sealed")
    if not sealed:
        return attachments
    own = sealed.get("files") or {}
    return [item for item in attachments if str(item["id"]) in own]


def _open_sealed(
    public_id: str,
    sealed: dict[str, Any],
    listed: list[dict[str, Any]],
    contents: dict[int, bytes],
    keyring: Keyring,
) -> dict[str, Any]:
    """H3's :func:`.sealing.open_payload`, with the files' original names put back."""
    opened = sealing.open_payload(
        sealed,
        keyring,
        public_id=public_id,
        files={
            str(item["id"]): contents[int(item["id"])]
            for item in listed
            if item.get("sealed", True)
        },
    )
    clear = {int(key): value for key, value in opened["attachments"].items()}
    opened["attachments"] = contents | clear
    opened["names"] = {
        int(key): str(value.get("name") or "")
        for key, value in (opened.get("files") or {}).items()
        if isinstance(value, dict)
    }
    return opened


def _ack(client: SourceClient, public_id: str, cursor: int) -> None:
    response = client.request(
        "POST", f"applications/{public_id}/ack", what=f"ack {public_id}", body={"cursor": cursor}
    )
    if response.status_code not in (200, 204):
        raise PullError(f"ack {public_id}: HTTP {response.status_code} {_code(response)}")


def _only_our_pushes(known: MirroredSubmission, changes: list[dict[str, Any]]) -> bool:
    """The new changes are the statuses this node pushed, ending at its own: nothing to
    fetch (and no read to add to the resident's access history)."""
    new = [c for c in changes if int(c["cursor"]) > known.remote_cursor]
    pushed = set(
        PendingPush.objects.filter(
            submission=known.submission, pushed_at__isnull=False
        ).values_list("change__to_status", flat=True)
    )
    return (
        bool(new)
        and all(
            c.get("kind") == FeedKind.STATUS_CHANGED and c["application"].get("status") in pushed
            for c in new
        )
        and new[-1]["application"].get("status") == known.submission.status
    )


def pull_changes(
    source: PullSource,
    client: SourceClient,
    report: SyncReport,
    keyring: Callable[[], Keyring],
) -> None:
    for _page in range(MAX_PAGES):
        page = client.get_json(
            "changes", what="changes", params={"after": source.cursor, "limit": BATCH}
        )
        by_application: dict[str, list[dict[str, Any]]] = {}
        for change in page.get("changes") or []:
            application = change.get("application")
            if application:
                by_application.setdefault(str(application["id"]), []).append(change)
        for public_id, changes in by_application.items():
            cursor = int(changes[-1]["cursor"])
            known = (
                MirroredSubmission.objects.filter(remote_public_id=public_id)
                .select_related("submission")
                .first()
            )
            if known is not None and known.remote_cursor >= cursor:
                # Stored by a run that stopped before its ack or its cursor: ack again
                # (acks are idempotent), nothing to fetch.
                _ack(client, public_id, cursor)
                continue
            if known is not None and _only_our_pushes(known, changes):
                known.remote_cursor = cursor
                known.save(update_fields=["remote_cursor"])
                _ack(client, public_id, cursor)
                continue
            detail = client.get_json(f"applications/{public_id}", what=f"application {public_id}")
            version_sync.ensure_version(client, detail)
            pulled = open_application(client, detail, keyring)
            _submission, created = mirror.store(source=source, pulled=pulled, cursor=cursor)
            _ack(client, public_id, cursor)
            if created:
                report.pulled += 1
            else:
                report.updated += 1
            logger.info("pulled application %s from %s (cursor %s)", public_id, source.name, cursor)
        next_cursor = int(page.get("next") or source.cursor)
        if next_cursor > source.cursor:
            source.cursor = next_cursor
            source.save(update_fields=["cursor"])
        if not page.get("more"):
            return


def refresh(
    source: PullSource, client: SourceClient, public_id: str, keyring: Callable[[], Keyring]
) -> None:
    """Fetch one application again and take its state as the internet node has it."""
    known = MirroredSubmission.objects.get(remote_public_id=public_id)
    detail = client.get_json(f"applications/{public_id}", what=f"application {public_id}")
    version_sync.ensure_version(client, detail)
    pulled = open_application(client, detail, keyring)
    mirror.store(source=source, pulled=pulled, cursor=known.remote_cursor)


def sync_source(
    source: PullSource,
    config: dict[str, str],
    *,
    keyring: Callable[[], Keyring] = Keyring.from_settings,
    session: requests.Session | None = None,
) -> SyncReport:
    """One run for one source: pull, then push. Never raises for the source's own errors:
    they are recorded on it (``last_error``) and the next run tries again."""
    client = SourceClient(
        base_url=config["base_url"],
        client_id=config["client_id"],
        secret=config["secret"],
        session=session,
    )
    report = SyncReport(source=source.name)
    cached: list[Keyring] = []

    def keyring_once() -> Keyring:
        if not cached:
            cached.append(keyring())
        return cached[0]

    try:
        pull_changes(source, client, report, keyring_once)
        pushed = push.push_pending(source, client)
        report.pushed = pushed.sent
        for public_id in pushed.refused:
            refresh(source, client, public_id, keyring_once)
        if pushed.refused:
            report.error = (
                f"{len(pushed.refused)} status change(s) refused, the internet node's status "
                f"kept: {next(iter(pushed.refused.values()))}"
            )[:200]
    except (
        PullError,
        MirrorError,
        crypto.SealError,
        KeyringError,
        ImproperlyConfigured,
        push.PushError,
    ) as error:
        report.error = str(error)[:200]
        logger.warning("lgwan_sync %s stopped: %s", source.name, report.error)
    source.last_error = report.error
    source.last_pull_at = timezone.now()
    source.save(update_fields=["last_error", "last_pull_at"])
    return report


def sync_all(
    *, only: str | None = None, session: requests.Session | None = None
) -> list[SyncReport]:
    return [
        sync_source(source, config, session=session)
        for source, config in source_rows()
        if only is None or source.name == only
    ]
