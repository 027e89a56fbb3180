from django.urls import path, register_converter

from bookshop.tokens import TokenConverter
from orders import views

app_name = "orders"

# Tokens are checked by their alphabet before any view sees them (bookshop/tokens.py).
register_converter(TokenConverter, "token")

urlpatterns = [
    path("", views.storefront, name="storefront"),
    path("order/", views.order_create, name="create"),
    path("preview/", views.preview_create, name="preview_create"),
    path("previews/<token:token>/", views.preview_page, name="preview"),
    path("previews/<token:token>/status.json", views.preview_status_json, name="preview_status_json"),
    path("previews/<token:token>/images/<str:which>-<int:scene>.jpg", views.preview_image, name="preview_image"),
    path("previews/<token:token>/redraw/", views.preview_redraw, name="preview_redraw"),
    path("orders/<token:token>/", views.order_status_page, name="status"),
    path("orders/<token:token>/delete/", views.order_data_delete, name="data_delete"),
    path("orders/<token:token>/status.json", views.order_status_json, name="status_json"),
    path("orders/<token:token>/pages/<int:number>.jpg", views.order_page_image, name="page_image"),
    path("orders/<token:token>/demo-checkout/", views.demo_checkout, name="demo_checkout"),
    path("orders/<token:token>/download/<str:signature>/", views.order_download, name="download"),
    path("contact/", views.info_page, {"page": "contact"}, name="contact"),
    path("faq/", views.info_page, {"page": "faq"}, name="faq"),
    path("refunds/", views.info_page, {"page": "refunds"}, name="refunds"),
    path("privacy/", views.info_page, {"page": "privacy"}, name="privacy"),
    path("terms/", views.info_page, {"page": "terms"}, name="terms"),
    path("api/webhook", views.stripe_webhook, name="webhook"),
    path("healthz", views.healthz, name="healthz"),
]
