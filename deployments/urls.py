"""Brokerage pages inside a partnership (/p/<slug>/...), one list per sub-package, in one namespace."""

from deployments.brokerage.urls import urlpatterns as brokerage
from deployments.delivery.urls import urlpatterns as delivery
from deployments.requests.urls import urlpatterns as requests
from deployments.reviews.urls import urlpatterns as reviews
from deployments.variations.urls import urlpatterns as variations

app_name = "deployments"

urlpatterns = [*requests, *brokerage, *delivery, *variations, *reviews]
