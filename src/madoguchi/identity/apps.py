from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "madoguchi.identity"
    label = "identity"

    def ready(self) -> None:
        # The built-in backends, registered here rather than by importing their modules,
        # so the set of backends never depends on which module was imported first.
        from .contrib.digital_auth_app.backend import DigitalAuthenticationApp
        from .contrib.generic_oidc.backend import GenericOIDC
        from .registry import register

        register(DigitalAuthenticationApp())
        register(GenericOIDC())
