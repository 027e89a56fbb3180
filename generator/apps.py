from django.apps import AppConfig


class GeneratorConfig(AppConfig):
    name = "generator"
    verbose_name = "Book generation"
