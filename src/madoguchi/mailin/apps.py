from django.apps import AppConfig


class MailinConfig(AppConfig):
    name = "madoguchi.mailin"
    label = "mailin"

    def ready(self) -> None:
        from madoguchi.submissions import access_history, pending_links

        from . import history, selectors

        # The status link of a paper still on its way opens its mail-in page (「郵送待ち」).
        pending_links.register("mailin", selectors.pending_page)
        # Made for post and arrived show in the submission's access history.
        access_history.register_source("mailin", history.mail_events)
