"""Catalogue, orders and finance pages inside a partnership (/p/<slug>/...), one list per sub-package."""

from programmes.catalogue.urls import urlpatterns as catalogue
from programmes.courses.urls import urlpatterns as courses
from programmes.delivery.urls import urlpatterns as delivery
from programmes.finance.urls import urlpatterns as finance
from programmes.funding.urls import urlpatterns as funding
from programmes.orders.urls import urlpatterns as orders
from programmes.places.urls import urlpatterns as places

app_name = "programmes"

urlpatterns = [*catalogue, *orders, *funding, *finance, *courses, *places, *delivery]
