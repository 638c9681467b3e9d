"""What every tenant-row factory shares.

* Rows are written with scopes disabled, so a factory works inside a test's `with scope(...)` block too.
* The direct `partnership` key comes from the parent row: pass `deployment=d` and the row is in
  d's partnership; pass `partnership=p` (or nothing: a new partnership) and the parents a factory
  makes for itself are made in that same partnership.
"""

from __future__ import annotations

import factory
from django_scopes import scopes_disabled


class TenantFactory(factory.django.DjangoModelFactory):
    # The keyword arguments, in order, whose object lends the row its partnership when none is given.
    _parents: tuple[str, ...] = ()

    class Meta:
        abstract = True
        skip_postgeneration_save = True  # post-generation hooks write their own rows; no second save

    @classmethod
    def _generate(cls, strategy, params):
        if "partnership" not in params:
            parent = next((params[name] for name in cls._parents if params.get(name) is not None), None)
            if parent is not None:
                params = {**params, "partnership": parent.partnership}
        return super()._generate(strategy, params)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


def in_parent_partnership(factory_class, **extra) -> factory.SubFactory:
    """A parent row made for a child, in the child's partnership."""
    return factory.SubFactory(factory_class, partnership=factory.SelfAttribute("..partnership"), **extra)


def set_m2m(obj, name: str, values) -> None:
    """Set a many-to-many whose through table is tenant-owned (its rows need the partnership too)."""
    if values is None:
        return
    with scopes_disabled():
        getattr(obj, name).set(list(values), through_defaults={"partnership": obj.partnership})


def bulk(factory_class, n: int, **fields) -> list:
    """`n` rows built by the factory and written in one INSERT, for growing data in query-count tests.
    Pass saved objects for every foreign key: a bulk insert writes no related rows."""
    with scopes_disabled():
        return factory_class._meta.model.objects.bulk_create(factory_class.build_batch(n, **fields))
