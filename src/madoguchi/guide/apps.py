from django.apps import AppConfig


class GuideConfig(AppConfig):
    """The procedure guide (手続きガイド): a few questions for a life event, and the
    procedures that apply with a way to do each. See docs/guide.md."""

    name = "madoguchi.guide"
    label = "guide"
