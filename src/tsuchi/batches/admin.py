from django.contrib import admin

from tsuchi.batches.models import ApplicationRecord, Batch, Notice


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "state", "created_at"]
    list_filter = ["state", "department__municipality"]
    readonly_fields = ["state", "created_by", "submitted_by", "approved_by"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    # Personal data is shown to administrators only on the detail page, never in lists.
    list_display = ["batch", "sequence", "channel", "status", "reconciliation"]
    list_filter = ["status", "channel"]
    readonly_fields = ["status", "document_sha256", "signed_sha256"]


@admin.register(ApplicationRecord)
class ApplicationRecordAdmin(admin.ModelAdmin):
    list_display = ["batch", "row_number", "application_number"]
