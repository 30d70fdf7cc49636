from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "madoguchi.signatures"
    label = "signatures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The identity callback hands logins started for signing to this app; the
        # submission flow, which may not import it, hands it the signing step and runs its
        # integrity check (submissions.signing).
        from madoguchi.identity import services as identity_services
        from madoguchi.submissions import signing

        from . import checks, services, views  # noqa: F401 (checks registers itself)

        identity_services.on_login(services.PURPOSE)(views.sign_callback)
        identity_services.on_login(services.CORRECTION_PURPOSE)(views.sign_correction_callback)
        signing.register_signing_step(
            draft=views.begin_signing, correction=views.begin_correction_signing
        )
        signing.register_integrity_check(services.signature_problems)
