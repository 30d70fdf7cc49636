"""``madoguchi identity add-provider|list|jwks``: configure OIDC providers per municipality."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.identity import client_keys, registry, services
from madoguchi.identity.models import Assurance, IdentityProvider
from madoguchi.tenants.models import Municipality


class Command(BaseCommand):
    help = "Configure identity providers (Digital Authentication App, generic OIDC)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add-provider", help="create or update a provider")
        add.add_argument("lg_code")
        add.add_argument("key", help="short name, e.g. digital-auth-app or xid")
        add.add_argument("--kind", choices=registry.names(), required=True)
        add.add_argument("--name", required=True, help="name shown to residents (Japanese)")
        add.add_argument("--name-en", default="")
        add.add_argument("--issuer", required=True)
        add.add_argument("--client-id", required=True)
        add.add_argument(
            "--assurance", choices=[a.value for a in Assurance], default=Assurance.MYNUMBER_CARD
        )
        add.add_argument("--scopes", help="default: the backend's scopes")
        add.add_argument("--acr-values", help="default: the backend's acr_values")
        add.add_argument(
            "--claim-mapping", default="{}", help='JSON, e.g. {"address": "address.formatted"}'
        )
        add.add_argument(
            "--private-jwk-file",
            help="the client's private JWK (JSON); without it a new RSA key is generated",
        )
        sub.add_parser("list", help="list providers")
        sub.add_parser("jwks", help="print the public keys to register with providers")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for p in IdentityProvider.objects.select_related("municipality").order_by("pk"):
                state = "enabled" if p.enabled else "disabled"
                self.stdout.write(f"{p} {p.kind} {p.issuer} client={p.client_id} {state}")
            return
        if action == "jwks":
            providers = list(IdentityProvider.objects.filter(enabled=True))
            self.stdout.write(json.dumps(services.public_jwks(providers), indent=2))
            return
        try:
            municipality = Municipality.objects.get(lg_code=options["lg_code"])
            mapping = json.loads(options["claim_mapping"])
        except Municipality.DoesNotExist as error:
            raise CommandError(f"no municipality {options['lg_code']}") from error
        except json.JSONDecodeError as error:
            raise CommandError(f"--claim-mapping is not JSON: {error}") from error
        backend = registry.backend(options["kind"])
        if options["private_jwk_file"]:
            try:
                with open(options["private_jwk_file"], encoding="utf-8") as handle:
                    private_jwk = json.load(handle)
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                raise CommandError(
                    f"--private-jwk-file must be a JWK in JSON ({error}); convert a PEM key "
                    "first, e.g. with joserfc's import_key(...).as_dict(private=True)"
                ) from error
        else:
            private_jwk = services.new_client_key(f"{options['client_id']}-1")
        try:
            client_keys.check(private_jwk, kind=options["kind"])
        except client_keys.ClientKeyRefused as refused:
            raise CommandError(f"client key refused, nothing saved: {refused}") from refused
        provider, created = services.save_provider(
            municipality=municipality,
            key=options["key"],
            values={
                "kind": options["kind"],
                "name": options["name"],
                "name_en": options["name_en"],
                "assurance": options["assurance"],
                "issuer": options["issuer"],
                "client_id": options["client_id"],
                "client_private_jwk": private_jwk,
                "scopes": options["scopes"] or backend.default_scopes,
                "acr_values": options["acr_values"]
                if options["acr_values"] is not None
                else backend.default_acr_values,
                "claim_mapping": mapping,
            },
        )
        self.stdout.write(f"{'created' if created else 'updated'} {provider}")
        self.stdout.write("register this public key with the provider:")
        self.stdout.write(json.dumps(services.public_jwks([provider]), indent=2))
