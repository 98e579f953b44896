"""Every kind of event, with the label staff see. A test checks that each kind used has one."""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "batch.created": _("Batch created"),
    "batch.updated": _("Batch settings changed"),
    "batch.preparation_started": _("Preparation started"),
    "batch.prepared": _("Preparation finished"),
    "batch.preparation_failed": _("Preparation failed"),
    "batch.signed": _("Notices signed"),
    "batch.signing_started": _("Server-side signing started"),
    "batch.signing_finished": _("Server-side signing finished"),
    "batch.signed_package_imported": _("Signed notices uploaded"),
    "batch.signed_package_refused": _("Upload of signed notices refused"),
    "batch.approved": _("Batch approved"),
    "batch.returned": _("Batch returned for correction"),
    "batch.sending_started": _("Sending started"),
    "batch.done": _("Batch completed"),
    "batch.cancelled": _("Batch cancelled"),
    "batch.signing_package_downloaded": _("Notices downloaded for signing on a terminal"),
    "batch.print_file_downloaded": _("Print file of the paper notices downloaded"),
    "notice.ready": _("Ready to send"),
    "notice.sending": _("Sending"),
    "notice.sent": _("Sent"),
    "notice.opened": _("Opened by the resident"),
    "notice.failed": _("Delivery failed"),
    "notice.moved_to_paper": _("Moved to paper"),
    "notice.withdrawn": _("Withdrawn"),
    "notice.expired": _("Retrieval deadline passed"),
    "notice.reviewed": _("Review decision"),
}
