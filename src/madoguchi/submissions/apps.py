from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "madoguchi.submissions"
    label = "submissions"
