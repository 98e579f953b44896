"""Application records: CSV in/out, normalization, reconciliation (突合照合) and sorting.

Pure Python over strings and rows; nothing here knows about PDFs.
"""

from tsuchi.core.records.csvio import (
    ApplicationRow,
    RecordTable,
    UnencodableCharactersError,
    read_records,
    write_csv,
)
from tsuchi.core.records.reconcile import (
    FieldDifference,
    NoticeFields,
    Outcome,
    Pair,
    ReconcileSpec,
    Reconciliation,
    Suggestion,
    reconcile,
)
from tsuchi.core.records.sort import (
    Channel,
    ChannelDecision,
    PaperReason,
    decide_channel,
    order_for_print,
    postal_code_ranges,
)

__all__ = [
    "ApplicationRow",
    "Channel",
    "ChannelDecision",
    "FieldDifference",
    "NoticeFields",
    "Outcome",
    "Pair",
    "PaperReason",
    "ReconcileSpec",
    "Reconciliation",
    "RecordTable",
    "Suggestion",
    "UnencodableCharactersError",
    "decide_channel",
    "order_for_print",
    "postal_code_ranges",
    "read_records",
    "reconcile",
    "write_csv",
]
