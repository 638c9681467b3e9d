"""Which price a school pays for a service, and why: the one rule every page and order line uses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from alliances.models import School
from portal.formats import money_text
from programmes.models import PriceBasis, Service

# GIAS establishment type groups for academies and free schools (gias_establishment_types_2025.csv), and the
# words older files use for them.
ACADEMY_GROUP_CODES = frozenset({"10", "11"})
ACADEMY_WORDS = ("academ", "free school")


def is_academy(school: School) -> bool:
    if school.type_group_code in ACADEMY_GROUP_CODES:
        return True
    text = f"{school.type_group_name} {school.type_name}".lower()
    return any(word in text for word in ACADEMY_WORDS)


@dataclass(frozen=True)
class Price:
    amount: Decimal
    basis: str
    reason: str

    @property
    def basis_label(self) -> str:
        return PriceBasis(self.basis).label


class NotForSale(Exception):
    """The school may not buy the service; the message says why, for the head."""


def eligibility_problem(service: Service, school: School, *, is_member: bool) -> str:
    """Why `school` may not buy `service`, or "" when it may (the order window is checked by the order)."""
    if is_member and not service.for_members:
        return "This service is only for schools outside the partnership."
    if not is_member and not service.for_non_members:
        return "This service is only for member schools of the partnership."
    if service.phases and school.phase not in service.phases:
        return "This service is not sold to schools of your school's phase."
    if service.school_type_groups and school.type_group_name not in service.school_type_groups:
        return "This service is not sold to your type of school."
    return ""


def price_for(service: Service, school: School, *, is_member: bool) -> Price:
    """The price `school` pays for one unit of `service`, with the reason shown to the head and frozen on the
    order line. Member academies pay the member price unless the partnership sets an academy price (seed 003:
    "Academies who are members … can purchase support packages at the same rate as maintained schools");
    schools outside the partnership pay the non-member price, which carries the surcharge."""
    problem = eligibility_problem(service, school, is_member=is_member)
    if problem:
        raise NotForSale(problem)
    if not is_member:
        surcharge = service.non_member_price - service.member_price
        extra = f", {money_text(surcharge)} more than members pay" if surcharge > 0 else ""
        return Price(service.non_member_price, PriceBasis.NON_MEMBER,
                     f"Your school is not a member of the partnership, so the non-member price applies{extra}.")
    if service.academy_price is not None and is_academy(school):
        return Price(service.academy_price, PriceBasis.ACADEMY,
                     "Your school is a member academy: the partnership sets a separate price for academies.")
    return Price(service.member_price, PriceBasis.MEMBER, "Your school is a member of the partnership.")
