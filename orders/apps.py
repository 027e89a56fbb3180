from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # The shop hears from the book factory through generator.signals.
        from orders import receivers  # noqa: F401
