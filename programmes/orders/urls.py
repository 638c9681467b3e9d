from django.urls import path

from programmes.orders import views

urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<int:pk>/", views.order, name="order"),
    path("orders/<int:pk>/services/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/check/", views.order_check, name="order_check"),
    path("orders/<int:pk>/confirm/", views.order_confirm, name="order_confirm"),
    path("orders/<int:pk>/decline/", views.order_decline, name="order_decline"),
    path("orders/<int:pk>/withdraw/", views.order_withdraw, name="order_withdraw"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("order-lines/<int:pk>/cancel/", views.order_line_cancel, name="order_line_cancel"),
]
