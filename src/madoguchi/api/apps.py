from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "madoguchi.api"
    label = "api"
