"""Generated sample data: batch PDFs, application CSVs, their truth, and a throwaway test PKI.

Nothing here is real: 土見市 and its residents are invented, and the same seed always gives the
same bytes, so tests and benchmarks generate what they need instead of committing binaries.
"""

from __future__ import annotations

from tsuchi.core.samples.notices import LAYOUTS, SampleError, SampleSet, generate
from tsuchi.core.samples.people import CSV_HEADER, is_valid_my_number, my_number_check_digit

__all__ = [
    "CSV_HEADER",
    "LAYOUTS",
    "SampleError",
    "SampleSet",
    "generate",
    "is_valid_my_number",
    "my_number_check_digit",
]
