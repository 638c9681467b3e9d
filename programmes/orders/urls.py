"""Pages of the orders, inside a partnership."""

urlpatterns: list = []
