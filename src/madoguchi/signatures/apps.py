from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "madoguchi.signatures"
    label = "signatures"
