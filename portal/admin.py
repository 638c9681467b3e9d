from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from portal.accounts.models import User
from portal.accounts.services import deactivate_user
from portal.errors import DomainError
from portal.notifications.models import Notification
from portal.notifications.operations import global_retry_failed
from portal.tenancy.models import Partnership, default_designation_labels
from portal.tenancy.rls import cross_partnership
from portal.tenancy.services import global_invite_first_admin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]
    actions = ["deactivate_and_sign_out"]

    @admin.action(description="Deactivate and end all their sessions")
    def deactivate_and_sign_out(self, request, queryset):
        for user in queryset:
            deactivate_user(user=user, actor=request.user, note="Deactivated in platform admin")
        messages.success(request, f"Deactivated {queryset.count()} user(s); their sessions have ended.")

    def save_model(self, request, obj, form, change):
        # Unticking "active" must also end the user's sessions, so it goes through the service.
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if deactivating:
            deactivate_user(user=obj, actor=request.user, note="Deactivated in platform admin")


class PartnershipAdminForm(forms.ModelForm):
    designation_labels = forms.JSONField(
        max_length=2000, initial=default_designation_labels,
        help_text="Designation type code to the label this partnership uses.",
    )
    first_admin_email = forms.EmailField(
        required=False,
        help_text="Sends this person an invitation to be the partnership's admin. They invite everyone else.",
    )

    class Meta:
        model = Partnership
        fields = [
            "name", "slug", "designation_labels", "alliance_label", "four_eyes_approval", "offer_expiry_days",
            "review_due_school_days", "contact_email", "is_active",
        ]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    form = PartnershipAdminForm
    list_display = ["name", "slug", "is_active", "four_eyes_approval", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        email = form.cleaned_data.get("first_admin_email")
        if email:
            try:
                sent = global_invite_first_admin(partnership=obj, email=email, operator=request.user)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"Invitation sent to {sent.invitation.email} as partnership admin.")

    def changeform_view(self, request, *args, **kwargs):
        with cross_partnership(f"Django admin: {request.user} opens a partnership's form"):
            return super().changeform_view(request, *args, **kwargs)


class OutboxStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("waiting", "Waiting to be sent"), ("sent", "Sent"), ("failed", "Failed")]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=False)
        return queryset


@admin.register(Notification)
class OutboxAdmin(admin.ModelAdmin):
    """The notification outbox, read-only: what waits, what was sent, what failed and why. A failed email can be
    retried (audited in its partnership)."""

    list_display = ["id", "partnership", "event_type", "email", "channel", "delivery", "created_at", "sent_at",
                    "attempts", "failed_at"]
    list_filter = [OutboxStateFilter, "channel", "delivery", "event_type"]
    search_fields = ["email", "event_type", "dedupe_key"]
    list_select_related = ["partnership"]
    ordering = ["-created_at", "-id"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    actions = ["retry_failed"]
    show_full_result_count = False

    def get_queryset(self, request):
        return Notification.objects.all()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry the selected failed emails", permissions=["view"])
    def retry_failed(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        retried = global_retry_failed(notification_ids=ids, operator=request.user)
        skipped = len(ids) - retried
        if retried:
            messages.success(request, f"Queued {retried} failed email(s) to be sent again.")
        if skipped:
            messages.warning(request, f"Left {skipped} row(s) alone: only failed, unsent immediate emails are retried.")

    def changelist_view(self, request, *args, **kwargs):
        with cross_partnership(f"Django admin: {request.user} lists the outbox"):
            return super().changelist_view(request, *args, **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        with cross_partnership(f"Django admin: {request.user} opens an outbox row"):
            return super().changeform_view(request, *args, **kwargs)

    def history_view(self, request, *args, **kwargs):
        with cross_partnership(f"Django admin: {request.user} reads an outbox row's history"):
            return super().history_view(request, *args, **kwargs)
