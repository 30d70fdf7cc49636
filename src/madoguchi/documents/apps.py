from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "madoguchi.documents"
    label = "documents"
