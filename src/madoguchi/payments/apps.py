from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "madoguchi.payments"
    label = "payments"

    def ready(self) -> None:
        from . import registry

        registry.register_builtin_providers()

        # The resident's side (madoguchi.submissions' ports): the fee asked at submission
        # becomes a payment; the confirmation and status pages show it; so does the email.
        from madoguchi.submissions import after_submit, status_hooks, status_panels

        from . import resident_panel, services

        after_submit.register("payments", resident_panel.start_on_submission)
        status_panels.register("payments", resident_panel.panel)
        status_panels.register_form_action("payments", resident_panel.checkout_origins)
        status_panels.register_email_note("payments", resident_panel.email_note)
        # Rejected or withdrawn (取下げ): the fee still open can no longer be paid.
        status_hooks.register("payments", services.cancel_when_closed)
