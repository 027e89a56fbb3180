from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # POST /i18n/setlang/: the language switcher (a cookie, LANGUAGE_COOKIE_NAME).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("orders.urls")),
]
