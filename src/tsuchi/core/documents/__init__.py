"""Batch PDFs: open and check, split into notices, read fields, render pages, assemble print."""
