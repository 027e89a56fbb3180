from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.storefront, name="storefront"),
    path("order/", views.order_create, name="create"),
    path("preview/", views.preview_create, name="preview_create"),
    path("previews/<str:token>/", views.preview_page, name="preview"),
    path("previews/<str:token>/status.json", views.preview_status_json, name="preview_status_json"),
    path("previews/<str:token>/images/<str:which>-<int:scene>.jpg", views.preview_image, name="preview_image"),
    path("previews/<str:token>/redraw/", views.preview_redraw, name="preview_redraw"),
    path("orders/<str:token>/", views.order_status_page, name="status"),
    path("orders/<str:token>/delete/", views.order_data_delete, name="data_delete"),
    path("orders/<str:token>/status.json", views.order_status_json, name="status_json"),
    path("orders/<str:token>/pages/<int:number>.jpg", views.order_page_image, name="page_image"),
    path("orders/<str:token>/demo-checkout/", views.demo_checkout, name="demo_checkout"),
    path("orders/<str:token>/download/<str:signature>/", views.order_download, name="download"),
    path("contact/", views.info_page, {"page": "contact"}, name="contact"),
    path("faq/", views.info_page, {"page": "faq"}, name="faq"),
    path("refunds/", views.info_page, {"page": "refunds"}, name="refunds"),
    path("privacy/", views.info_page, {"page": "privacy"}, name="privacy"),
    path("terms/", views.info_page, {"page": "terms"}, name="terms"),
    path("api/webhook", views.stripe_webhook, name="webhook"),
    path("healthz", views.healthz, name="healthz"),
]
