"""Demo partnerships and one user per role, for the embedded default (`make run`). Safe to run twice."""

from __future__ import annotations

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scope

from alliances import demo
from alliances.models import ClusterSchool, Specialism, SystemLeader
from deployments.brokerage import offers
from deployments.demo import build_history, fund_history
from deployments.models import Offer, SupportRequest
from deployments.requests import services as requests
from portal.accounts.models import User
from portal.audit.services import record_event
from portal.demo import build_registered_demos
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.roles import Role
from programmes.demo import CURRENT_YEAR, build_catalogues
from programmes.demo_orders import build_orders

DEMO_PASSWORD = "demo-portal-2026"

# From the source documents: Cambridgeshire's four teaching school alliances run one steering group
# (seed 002); the Ealing Learning Partnership is the second tenant (seed 003).
PARTNERSHIPS = [
    {
        "slug": "cambridgeshire",
        "name": "Cambridgeshire Teaching School Network",
        "alliance_label": "Teaching school alliance",
        "contact_email": f"steering-group@{settings.DEMO_EMAIL_DOMAIN}",
    },
    {
        "slug": "ealing",
        "name": "Ealing Learning Partnership",
        "alliance_label": "Cluster partnership",
        "contact_email": f"elp@{settings.DEMO_EMAIL_DOMAIN}",
    },
]

USERS = [
    # email local part, name, [(partnership slug, role)]
    ("headteacher", "Hana Headteacher", [("cambridgeshire", Role.HEADTEACHER)]),
    ("system-leader", "Sam Systemleader", [("cambridgeshire", Role.SYSTEM_LEADER)]),
    ("broker", "Bea Broker", [("cambridgeshire", Role.BROKER), ("ealing", Role.BROKER)]),
    ("approver", "Alex Approver", [("cambridgeshire", Role.APPROVER)]),
    ("la-officer", "Lee Laofficer", [("cambridgeshire", Role.LA_OFFICER)]),
    ("admin", "Ada Admin", [("cambridgeshire", Role.ADMIN)]),
    ("ealing-admin", "Eli Ealing", [("ealing", Role.ADMIN)]),
    # The executive headteacher of Ealing's first pilot triad (seed 003's cluster model): orders for its schools.
    ("ealing-headteacher", "Esme Ealinghead", [("ealing", Role.HEADTEACHER)]),
]


class Command(BaseCommand):
    help = "Create the demo partnerships and a demo user for every role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-sign-ins", action="store_true", help="Do not print the sign-ins.")

    def handle(self, *args, **options):

        self.stdout.write("Importing public school data (a second run changes nothing):")
        demo.import_reference_data(self.stdout)
        with transaction.atomic():
            partnerships, rows, created = self._people()
            leader_user = User.objects.get(email=f"system-leader@{settings.DEMO_EMAIL_DOMAIN}")
            demo.build_cambridgeshire(partnerships["cambridgeshire"], system_leader_user=leader_user)
            demo.build_ealing(partnerships["ealing"])
            officer = User.objects.get(email=f"la-officer@{settings.DEMO_EMAIL_DOMAIN}")
            with scope(partnership=partnerships["cambridgeshire"]):
                membership = Membership.objects.get(partnership=partnerships["cambridgeshire"], user=officer)
                membership.local_authorities.add("873", "935")  # Cambridgeshire and Suffolk (CASSA spans both)
                head = Membership.objects.get(partnership=partnerships["cambridgeshire"],
                                              user__email=f"headteacher@{settings.DEMO_EMAIL_DOMAIN}")
                head.schools.add("110746")  # Bewick Bridge Community Primary School, Cambridge
                self._demo_request(head)
                broker = Membership.objects.get(partnership=partnerships["cambridgeshire"],
                                                user__email=f"broker@{settings.DEMO_EMAIL_DOMAIN}")
                self._demo_offer(head, broker, leader_user)

                build_history(partnerships["cambridgeshire"], author=broker.user)
            with scope(partnership=partnerships["ealing"]):
                ealing_broker = Membership.objects.get(partnership=partnerships["ealing"], user=broker.user)
            catalogues = build_catalogues(cambridgeshire=broker, ealing=ealing_broker)
            self._orders_and_drawdown(partnerships, catalogues, broker)
            # Higher apps' demo data (leadership's QA groups and designation reviews), through portal.demo's hook.
            build_registered_demos(partnerships=partnerships, broker=broker, system_leader_user=leader_user)
            rows += self._sign_ins_added_by_apps(partnerships, rows)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new users)."))
        if not options["quiet_sign_ins"]:
            self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})\n")
            for email, role, where in rows:
                self.stdout.write(f"  {email:<40} {role:<20} {where}")
            self.stdout.write("")

    @staticmethod
    def _orders_and_drawdown(partnerships, catalogues, broker) -> None:
        """This year's orders (the demo head's school in Cambridgeshire; the three schools of Ealing's first pilot
        triad, one still waiting for the broker), and the carried-over visits drawn from core entitlements."""
        ealing = partnerships["ealing"]
        with scope(partnership=ealing):
            head = Membership.objects.get(partnership=ealing,
                                          user__email=f"ealing-headteacher@{settings.DEMO_EMAIL_DOMAIN}")
            head.schools.add(*ClusterSchool.objects.filter(partnership=ealing, cluster__name="Pilot triad 1")
                             .values_list("school_id", flat=True))
            build_orders(catalogues["ealing"][CURRENT_YEAR].catalogue, schools=3)
        cambridgeshire = partnerships["cambridgeshire"]
        with scope(partnership=cambridgeshire):
            build_orders(catalogues["cambridgeshire"][CURRENT_YEAR].catalogue, schools=1)
            fund_history(cambridgeshire, author=broker.user)

    def _people(self):
        partnerships = {}
        for data in PARTNERSHIPS:
            partnership, _ = Partnership.objects.update_or_create(slug=data["slug"], defaults=data)
            partnerships[data["slug"]] = partnership
        created = 0
        rows = []
        for local, name, memberships in USERS:
            email = f"{local}@{settings.DEMO_EMAIL_DOMAIN}"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
                created += 1
            self._verify_email(user)
            for slug, role in memberships:
                partnership = partnerships[slug]
                with scope(partnership=partnership):
                    membership, was_created = Membership.objects.get_or_create(
                        partnership=partnership, user=user, defaults={"role": role}
                    )
                    if was_created:
                        record_event(partnership=partnership, action="membership.created", obj=membership,
                                     new={"role": role.value}, note="Demo data")
                rows.append((email, role.label, partnership.name))
        operator_email = f"operator@{settings.DEMO_EMAIL_DOMAIN}"
        if not User.objects.filter(email=operator_email).exists():
            User.objects.create_superuser(email=operator_email, password=DEMO_PASSWORD, name="Olu Operator")
            created += 1
        self._verify_email(User.objects.get(email=operator_email))
        rows.append((operator_email, "Platform operator", "/admin/ and /platform/imports/"))
        return partnerships, rows, created

    def _sign_ins_added_by_apps(self, partnerships, rows) -> list[tuple]:
        """The people higher apps' demos add (the candidate, the programme participant): their addresses verified as
        everyone else's are, so they can sign in without a confirmation email, and listed with the others."""
        listed, added = {email for email, _, _ in rows}, []
        for partnership in partnerships.values():
            with scope(partnership=partnership):
                for membership in (Membership.objects.filter(
                        partnership=partnership, user__email__endswith=f"@{settings.DEMO_EMAIL_DOMAIN}")
                        .exclude(user__email__in=listed).select_related("user").order_by("user__email")):
                    self._verify_email(membership.user)
                    added.append((membership.user.email, membership.get_role_display(), partnership.name))
        return added

    @staticmethod
    def _verify_email(user: User) -> None:
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )

    @staticmethod
    def _demo_offer(head, broker, leader_user) -> None:
        """A second request, taken on and offered to the demo system leader, so every role has a next step."""
        if Offer.objects.filter(partnership=head.partnership).exists():
            return
        draft = requests.start_request(actor=head, school=head.schools.get(urn="110746"))
        requests.update_draft(
            actor=head, request=draft,
            needs=list(Specialism.objects.filter(partnership=head.partnership, name__in=["Phonics and early reading"])),
            context="Year 1 phonics screening results dropped after a change of scheme; staff want coaching on the new one.",
            success="Every Year 1 teacher delivers the scheme with fidelity and the screening pass rate recovers.",
            urgency="routine", days_wanted=Decimal("3"), funding_route="school", consent_to_share=True,
        )
        requests.submit_request(actor=head, request=draft)
        requests.triage_request(actor=broker, request=draft, eligible=True, support_level="targeted",
                                note="A good fit for a specialist leader in early reading.")
        leader = SystemLeader.objects.get(partnership=head.partnership, user=leader_user)
        offers.make_offers(actor=broker, request=draft, leaders=[leader],
                           override_reason="Demo: offered to the demo system leader whatever their match.")

    @staticmethod
    def _demo_request(head) -> None:
        """One sent request from the demo headteacher, so brokers have something in their queue."""
        if SupportRequest.objects.filter(partnership=head.partnership).exists():
            return
        draft = requests.start_request(actor=head, school=head.schools.get(urn="110746"))
        needs = list(Specialism.objects.filter(partnership=head.partnership, name__in=["Mathematics", "Assessment and moderation"]))
        requests.update_draft(
            actor=head, request=draft, needs=needs,
            context="Key stage 2 maths outcomes have fallen two years running and two new teachers joined in September.",
            success="Teachers plan and assess maths confidently; pupils' progress is back in line with similar schools.",
            urgency="soon", days_wanted=Decimal("4"), funding_route="school", consent_to_share=True,
        )
        requests.submit_request(actor=head, request=draft)
