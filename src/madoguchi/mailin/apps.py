from django.apps import AppConfig


class MailinConfig(AppConfig):
    name = "madoguchi.mailin"
    label = "mailin"
