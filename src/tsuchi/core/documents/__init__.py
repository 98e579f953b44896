"""Batch PDFs: open and check, split into notices, read fields, render pages, assemble print."""

from tsuchi.core.documents.assemble import assemble_print
from tsuchi.core.documents.extract import Extraction, PageContent, check_page_text, extract_fields
from tsuchi.core.documents.pdf import BatchInfo, open_batch
from tsuchi.core.documents.render import TextBox, page_text_boxes, render_page_png
from tsuchi.core.documents.split import (
    NoticeDocument,
    SplitNotice,
    notice_filename,
    split_batch,
    split_to_files,
    write_notice,
)

__all__ = [
    "BatchInfo",
    "Extraction",
    "NoticeDocument",
    "PageContent",
    "SplitNotice",
    "TextBox",
    "assemble_print",
    "check_page_text",
    "extract_fields",
    "notice_filename",
    "open_batch",
    "page_text_boxes",
    "render_page_png",
    "split_batch",
    "split_to_files",
    "write_notice",
]
