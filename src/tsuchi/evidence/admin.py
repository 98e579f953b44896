from django.contrib import admin

from tsuchi.evidence.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Events are evidence: readable, never editable or deletable through the admin."""

    list_display = ["chain", "sequence", "kind", "occurred_at", "actor_kind"]
    list_filter = ["kind", "actor_kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
