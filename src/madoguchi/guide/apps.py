from django.apps import AppConfig


class GuideConfig(AppConfig):
    """The procedure guide (手続きガイド): a few questions for a life event, and the
    procedures that apply with a way to do each. See docs/guide.md."""

    name = "madoguchi.guide"
    label = "guide"

    def ready(self) -> None:
        from madoguchi.core import municipality_links

        from .links import guide_links

        municipality_links.register("guide", guide_links)
