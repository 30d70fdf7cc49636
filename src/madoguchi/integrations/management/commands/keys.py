"""``madoguchi keys generate|register|escrow|rewrap|recover|export|list``: keys of end-to-end
encryption.

- ``generate --department <code>`` (LGWAN node): a department key pair; the private key goes
  into ``MADOGUCHI_KEYRING_DIR`` (protected by ``MADOGUCHI_KEYRING_PASSPHRASE``), the public
  key and its fingerprint are printed, to register on the internet node.
- ``register --department <code> <public key>`` (internet node; or the admin page): register
  it; the department's previous key is retired for new applications.
- ``escrow --municipality <lg_code>``: the city's recovery key pair. The private key is printed
  ONCE as a PEM encrypted with a passphrase (asked twice, or ``MADOGUCHI_ESCROW_PASSPHRASE``),
  with its fingerprint, for the DX office to keep offline; the public half is registered.
- ``rewrap --department <code>``: wrap old applications' content keys again, to the current
  keys, with the private keys of the keyring (after a rotation).
- ``recover --escrow <file> --department <code>``: the same with the escrow key, after a
  department's private key or device was lost (register the new department key first).
- ``export --fingerprint <F> --out key.json [--pem <file>]``: a private key of the keyring (or
  of an encrypted PEM, such as the escrow sheet) as a key file for one staff member's device,
  protected by a NEW passphrase (asked twice): the back office opens sealed applications with it
  in the browser (:mod:`madoguchi.integrations.keyfile`, docs/integration.md).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.integrations import crypto, key_selectors, key_services, keyfile
from madoguchi.integrations.keyring import Keyring, KeyringError, load_private_pem, private_pem
from madoguchi.integrations.models import EncryptionKey, KeyPurpose
from madoguchi.tenants.models import Department, Municipality

# The name of the environment variable that may carry the passphrase (never the value).
ESCROW_PASSPHRASE = "MADOGUCHI_ESCROW_PASSPHRASE"  # noqa: S105


def _department(code: str, lg_code: str | None) -> Department:
    found = Department.objects.filter(code=code).select_related("municipality")
    if lg_code:
        found = found.filter(municipality__lg_code=lg_code)
    departments = list(found[:2])
    if not departments:
        raise CommandError(f"no department with the code {code!r}")
    if len(departments) > 1:
        raise CommandError(f"several cities have a department {code!r}: add --municipality")
    return departments[0]


def _municipality(lg_code: str | None) -> Municipality:
    found = Municipality.objects.filter(lg_code=lg_code) if lg_code else Municipality.objects
    cities = list(found.all()[:2])
    if len(cities) != 1:
        raise CommandError("name the city with --municipality <local government code>")
    return cities[0]


def _passphrase(*, confirm: bool) -> bytes:
    given = os.environ.get(ESCROW_PASSPHRASE, "")
    if given:
        return given.encode("utf-8")
    first = getpass.getpass("Escrow key passphrase: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise CommandError("the passphrases differ")
    if len(first) < 12:
        raise CommandError("use a passphrase of at least 12 characters")
    return first.encode("utf-8")


def _pem_passphrase() -> bytes:
    """The passphrase of a PEM to export: the escrow's (``MADOGUCHI_ESCROW_PASSPHRASE``) or
    the keyring's (a department key's file), else asked."""
    for name in (ESCROW_PASSPHRASE, "MADOGUCHI_KEYRING_PASSPHRASE"):
        if os.environ.get(name, ""):
            return os.environ[name].encode("utf-8")
    return getpass.getpass("Passphrase of the PEM file: ").encode("utf-8")


def _new_key_file_passphrase(variable: str | None) -> str:
    if variable:
        given = os.environ.get(variable, "")
        if not given:
            raise CommandError(f"the environment variable {variable} is empty or not set")
        return given
    first = getpass.getpass("New passphrase of the key file: ")
    if getpass.getpass("Again: ") != first:
        raise CommandError("the passphrases differ")
    return first


class Command(BaseCommand):
    help = (
        "Keys of end-to-end encryption: generate, register, escrow, rewrap, recover, export, list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="a department key pair into the keyring")
        generate.add_argument("--department", required=True)
        register = sub.add_parser("register", help="register a department's public key")
        register.add_argument("--department", required=True)
        register.add_argument("--municipality")
        register.add_argument("public_key")
        escrow = sub.add_parser("escrow", help="make and register the city's recovery key")
        escrow.add_argument("--municipality")
        escrow.add_argument("--out", help="also write the encrypted PEM to this file")
        rewrap = sub.add_parser("rewrap", help="move old applications to the current keys")
        rewrap.add_argument("--department", required=True)
        rewrap.add_argument("--municipality")
        recover = sub.add_parser("recover", help="re-wrap with the escrow key after a loss")
        recover.add_argument("--escrow", required=True, help="the escrow key's PEM file")
        recover.add_argument("--department", required=True)
        recover.add_argument("--municipality")
        export = sub.add_parser("export", help="a private key as a key file for the browser")
        export.add_argument("--fingerprint", required=True, help="the key to export")
        export.add_argument("--out", required=True, help="the key file to write (new)")
        export.add_argument(
            "--pem", help="an encrypted PEM holding the key (else the LGWAN node's keyring)"
        )
        export.add_argument(
            "--passphrase-env",
            help="the environment variable holding the key file's new passphrase (tests, "
            "automation); without it the passphrase is asked twice",
        )
        listing = sub.add_parser("list", help="the city's public keys and fingerprints")
        listing.add_argument("--municipality")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except (key_services.KeyProblem, KeyringError, keyfile.KeyFileError) as error:
            raise CommandError(str(error)) from error

    def _generate(self, options: dict[str, Any]) -> None:
        keyring = Keyring.from_settings()
        private, public = crypto.generate_keypair()
        found = keyring.add(private)
        self.stdout.write(f"department {options['department']}")
        self.stdout.write(f"public key  {crypto.PUBLIC_PREFIX}{crypto.b64encode(public)}")
        self.stdout.write(f"fingerprint {found}")
        self.stdout.write(f"private key {keyring.directory / (found + '.pem')}")
        self.stdout.write(
            "Register the public key on the internet node (/staff/integrations/keys/ or "
            "'madoguchi keys register') and compare the fingerprint it shows."
        )

    def _register(self, options: dict[str, Any]) -> None:
        department = _department(options["department"], options["municipality"])
        key = key_services.register_key(
            municipality=department.municipality,
            department=department,
            purpose=KeyPurpose.DEPARTMENT,
            public_key=options["public_key"],
        )
        self.stdout.write(f"registered {key.fingerprint} for {department.code}")

    def _escrow(self, options: dict[str, Any]) -> None:
        municipality = _municipality(options["municipality"])
        passphrase = _passphrase(confirm=True)
        private, public = crypto.generate_keypair()
        pem = private_pem(private, passphrase)
        key = key_services.register_key(
            municipality=municipality,
            purpose=KeyPurpose.ESCROW,
            public_key=crypto.b64encode(public),
        )
        if options["out"]:
            path = Path(options["out"])
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
        self.stdout.write(
            "The city's recovery (escrow) private key. It is shown ONCE: print it or copy it "
            "to offline media, keep it with the passphrase apart, and never on a server."
        )
        self.stdout.write(pem.decode("ascii"), ending="")
        self.stdout.write(f"fingerprint {key.fingerprint}")

    def _rewrap(self, options: dict[str, Any]) -> None:
        department = _department(options["department"], options["municipality"])
        keyring = Keyring.from_settings()
        result = key_services.rewrap(department=department, private_keys=keyring.private_keys)
        self._report(result)

    def _recover(self, options: dict[str, Any]) -> None:
        department = _department(options["department"], options["municipality"])
        pem = Path(options["escrow"]).read_bytes()
        private = load_private_pem(pem, _passphrase(confirm=False))
        found = crypto.fingerprint(crypto.public_from_private(private))
        result = key_services.rewrap(department=department, private_keys={found: private})
        self._report(result)

    def _export(self, options: dict[str, Any]) -> None:
        wanted = options["fingerprint"].strip().lower()
        if options["pem"]:
            pem = Path(options["pem"]).read_bytes()
            private = load_private_pem(pem, _pem_passphrase())
            found = crypto.fingerprint(crypto.public_from_private(private))
            if found != wanted:
                raise CommandError(f"the PEM holds the key {found}, not {wanted}")
        else:
            keyring = Keyring.from_settings()
            held = keyring.private_keys
            if wanted not in held:
                raise CommandError(
                    f"the keyring {keyring.directory} holds no key {wanted}; it holds: "
                    + (", ".join(sorted(held)) or "none")
                )
            private = held[wanted]
        passphrase = _new_key_file_passphrase(options["passphrase_env"])
        key = EncryptionKey.objects.filter(fingerprint=wanted).first()
        text = keyfile.dumps(private, passphrase, purpose=key.purpose if key else "")
        path = Path(options["out"])
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as error:
            raise CommandError(f"{path} exists: name a new file") from error
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        self.stdout.write(f"key file {path} (fingerprint {wanted})")
        self.stdout.write(
            "Keep it on the staff member's own device only, and give the passphrase apart: "
            "whoever has both reads every application sealed to this key."
        )

    def _report(self, result: key_services.RewrapResult) -> None:
        self.stdout.write(f"re-wrapped {result.rewrapped} application(s)")
        if result.skipped:
            self.stdout.write("not opened with these keys: " + ", ".join(result.skipped))

    def _list(self, options: dict[str, Any]) -> None:
        municipality = _municipality(options["municipality"])
        for key in key_selectors.keys_of(municipality):
            state = f"retired {key.retired_at:%Y-%m-%d}" if key.retired_at else "current"
            owner = key.department.code if key.department else "-"
            self.stdout.write(f"{key.purpose:10} {owner:12} {state:18} {key.fingerprint}")
