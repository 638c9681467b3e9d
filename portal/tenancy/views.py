from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal.audit.selectors import recent_events
from portal.errors import DomainError
from portal.formats import date_text
from portal.notifications.selectors import latest_and_unread
from portal.tenancy import selectors, services
from portal.tenancy.forms import DeactivateForm, InviteForm, PartnershipSettingsForm, RoleForm, member_links_form
from portal.tenancy.models import Invitation, Membership
from portal.tenancy.roles import ROLE_DESCRIPTIONS, Role
from portal.ui.confirm import Confirmation, confirm
from portal.ui.sections import sections_for
from portal.ui.views import capability_required, paginate


@require_http_methods(["GET", "HEAD"])
@capability_required("partnership.view")
def home(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    """Each role's home page inside the partnership."""
    membership = request.membership
    request.session["portal_partnership"] = membership.partnership.slug
    since = services.note_home_visit(membership=membership, session=request.session)
    recent, unread = latest_and_unread(partnership=request.partnership, user=request.user, shown=5)
    context = {
        "role_description": ROLE_DESCRIPTIONS[membership.role], "since": since, "recent_notifications": recent,
        "unread_count": unread,  # the layout's badge, read with the list (see portal.ui.context_processors)
    }
    context.update(sections_for("home", membership=membership, since=since))  # what each feature app lists for this member
    if membership.can("members.manage"):
        counts = Membership.objects.filter(partnership=request.partnership).aggregate(
            active=Count("pk", filter=Q(is_active=True)),
            inactive=Count("pk", filter=Q(is_active=False)),
            **{role.value: Count("pk", filter=Q(is_active=True, role=role)) for role in Role},
        )
        context["member_counts"] = [(role.label, counts[role.value]) for role in Role]
        context["active_members"] = counts["active"]
        context["waiting_invitations"] = Invitation.objects.filter(partnership=request.partnership).pending().count()
    return render(request, f"tenancy/home/{membership.role}.html", context)


@require_http_methods(["GET", "HEAD"])
@capability_required("partnership.view")
def ping(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    """"ok", for a signed-in member only: the floor every page is measured against (`manage.py bench`).

    It passes the whole middleware stack a real page passes (session, sign-in, two-factor check, membership,
    the partnership's scope in the database) and does nothing else, so a page's time divided by this one's is
    what the page itself costs. It is no public hole: an anonymous visitor is sent to sign in, a non-member
    gets the same 404 as an unknown partnership and staff without two-factor authentication in this session
    are sent to set it up, before the view runs; it tells a member nothing their home page does not.
    Monitoring can also use it to check the signed-in path end to end (`/healthz` answers before it)."""
    response = HttpResponse("ok", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD"])
@capability_required("members.manage")
def members(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    page = paginate(request, selectors.members(partnership=request.partnership), per_page=50)
    invitations = list(selectors.invitations(partnership=request.partnership).filter(revoked_at__isnull=True)[:50])
    return render(request, "tenancy/members.html", {"page": page, "invitations": invitations})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("members.manage")
def invite(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    """Invite someone with a role and, for a headteacher or an LA officer, the schools or LAs they will have."""
    form = InviteForm(request.POST or None)
    links_form = member_links_form(request.POST or None)
    if request.method == "POST" and all([form.is_valid(), links_form.is_valid()]):
        try:
            sent = services.invite_member(
                actor=request.membership, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                schools=links_form.cleaned_data["schools"],
                local_authorities=list(links_form.cleaned_data["local_authorities"]),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Invitation sent to {sent.invitation.email} as {sent.invitation.get_role_display()}. "
                f"The link works once and expires on {date_text(sent.invitation.expires_at)}.",
            )
            return redirect("tenant:members", partnership_slug=partnership_slug)
    return render(request, "tenancy/invite.html", {"form": form, "links_form": links_form})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("members.manage")
def member(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    membership = get_object_or_404(selectors.members(partnership=request.partnership), pk=pk)
    form = RoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_role(actor=request.membership, membership=membership, role=form.cleaned_data["role"])
        except DomainError as error:
            form.add_error("role", str(error))
        else:
            membership.refresh_from_db()
            messages.success(request, f"{membership.user.email} is now {membership.get_role_display()}.")
            return redirect("tenant:member", partnership_slug=partnership_slug, pk=pk)
    history = recent_events(partnership=request.partnership).filter(
        object_type__model="membership", object_id=str(membership.pk)
    )[:20]
    links_form = member_links_form(initial={"schools": list(membership.schools.order_by("name")),
                                          "local_authorities": list(membership.local_authorities.all())})
    return render(
        request,
        "tenancy/member.html",
        {"member": membership, "form": form, "history": history,
         "links_form": links_form},
    )


@require_http_methods(["POST"])
@capability_required("members.manage")
def member_links(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    membership = get_object_or_404(selectors.members(partnership=request.partnership), pk=pk)
    form = member_links_form(request.POST)
    if form.is_valid():
        services.set_member_links(actor=request.membership, membership=membership,
                                  schools=form.cleaned_data["schools"] or [],
                                  local_authorities=list(form.cleaned_data["local_authorities"]))
        messages.success(request, f"Saved the schools and local authorities for {membership.user.email}.")
        return redirect("tenant:member", partnership_slug=partnership_slug, pk=pk)
    history = recent_events(partnership=request.partnership).filter(
        object_type__model="membership", object_id=str(membership.pk))[:20]
    return render(request, "tenancy/member.html", {
        "member": membership, "form": RoleForm(initial={"role": membership.role}),
        "history": history, "links_form": form,
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("members.manage")
def member_deactivate(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Confirm, then remove a member's access to the partnership."""
    membership = get_object_or_404(selectors.members(partnership=request.partnership), pk=pk)
    back = reverse("tenant:member", kwargs={"partnership_slug": partnership_slug, "pk": pk})
    if not membership.is_active or membership.pk == request.membership.pk:
        messages.info(request, "This membership is already deactivated." if not membership.is_active
                      else "You cannot deactivate your own membership. Ask another admin.")
        return redirect(back)
    confirmation = Confirmation(
        title=f"Remove {membership.user.email} from {request.partnership.name}?",
        caption=f"{membership.user.get_full_name() or membership.user.email} · {membership.get_role_display()}",
        happens=[f"They can no longer open {request.partnership.name} or anything in it.",
                 "Their history stays: what they did is still shown, with their name.",
                 "You can reactivate the membership later, with the same role."],
        told=[f"{membership.user.email}, by email (the reason is not shown to them)."],
        button="Deactivate membership", cancel_url=back, form=DeactivateForm(request.POST or None), warning="")
    return confirm(request, confirmation, done_url=back,
                   done_message=f"{membership.user.email} can no longer open {request.partnership.name}.",
                   act=lambda data: services.deactivate_membership(actor=request.membership, membership=membership,
                                                                   reason=data["reason"]))


@require_POST
@capability_required("members.manage")
def member_reactivate(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    membership = get_object_or_404(selectors.members(partnership=request.partnership), pk=pk)
    try:
        services.reactivate_membership(actor=request.membership, membership=membership)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.email} can open {request.partnership.name} again.")
    return redirect("tenant:member", partnership_slug=partnership_slug, pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("members.manage")
def invitation_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Confirm, then withdraw a waiting invitation so its link stops working."""
    invitation = get_object_or_404(Invitation.objects.filter(partnership=request.partnership), pk=pk)
    back = reverse("tenant:members", kwargs={"partnership_slug": partnership_slug})
    if invitation.status_label != "Waiting":
        messages.info(request, f"The invitation to {invitation.email} is {invitation.status_label.lower()}, so it "
                               "cannot be withdrawn.")
        return redirect(back)
    confirmation = Confirmation(
        title=f"Withdraw the invitation to {invitation.email}?", caption=invitation.get_role_display(),
        happens=["The link in the invitation email stops working.",
                 "You can invite the same address again later."],
        told=[], button="Withdraw invitation", cancel_url=back, warning="")
    return confirm(request, confirmation, done_url=back,
                   done_message=f"The invitation to {invitation.email} was withdrawn. Its link no longer works.",
                   act=lambda data: services.revoke_invitation(actor=request.membership, invitation=invitation))


@require_http_methods(["GET", "HEAD"])
@capability_required("audit.view")
def activity(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    page = paginate(request, recent_events(partnership=request.partnership), per_page=50)
    return render(request, "tenancy/activity.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("settings.manage")
def partnership_settings(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    form = PartnershipSettingsForm(request.POST or None, instance=request.partnership)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        changes["designation_labels"] = form.designation_labels()
        services.update_partnership_settings(actor=request.membership, changes=changes)
        messages.success(request, "Settings saved.")
        return redirect("tenant:settings", partnership_slug=partnership_slug)
    return render(request, "tenancy/settings.html", {"form": form})
