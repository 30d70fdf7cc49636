from django.apps import AppConfig


class GuideConfig(AppConfig):
    """The procedure guide (手続きガイド): a few questions for a life event, and the
    procedures that apply with a way to do each. See docs/guide.md."""

    name = "madoguchi.guide"
    label = "guide"

    def ready(self) -> None:
        from madoguchi.core import municipality_links
        from madoguchi.forms import guide_counts

        from . import selectors
        from .links import guide_links

        municipality_links.register("guide", guide_links)
        # The improvement analytics (catalog): how often a result listed a form.
        guide_counts.register("guide", selectors.times_form_listed)
