from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "madoguchi.catalog"
    label = "catalog"

    def ready(self) -> None:
        from madoguchi.backoffice import statistics_panels
        from madoguchi.core import municipality_links
        from madoguchi.forms import submission_facts
        from madoguchi.submissions import (
            after_submit,
            status_hooks,
            status_panels,
            validation_hooks,
        )

        from . import analytics, deadlines
        from .links import coverage_links

        # 標準処理期間 (deadlines.py): the due date at receipt, its pause while returned, the
        # expected decision date on the resident's pages.
        after_submit.register_prepared("catalog_deadlines", deadlines.set_due_date_on_submission)
        submission_facts.register(deadlines.PROCESSING_DAYS_FACT, deadlines.processing_days_of_form)
        status_hooks.register("catalog_deadlines", deadlines.pause_while_returned)
        status_panels.register("catalog_deadlines", deadlines.resident_panel)
        # … and the share decided on time on the back office's statistics page.
        statistics_panels.register("catalog_deadlines", deadlines.statistics_section)
        # The public coverage page on the city's procedure list (catalog sits above it).
        municipality_links.register("catalog", coverage_links)
        # Improvement analytics: each validation failure of a step page, counted anonymously.
        validation_hooks.register("catalog_analytics", analytics.record_failure)
