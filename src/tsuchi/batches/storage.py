"""Stored files as local paths: the PDF libraries need a file, not a stream."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files.storage import Storage
from django.http import Http404


@contextlib.contextmanager
def local_path(storage: Storage, name: str) -> Iterator[Path]:
    """A local path of a stored file for as long as the block runs (404 if it is gone).

    Local storage gives its own path; object storage is copied to a temporary file that is
    removed afterwards.
    """
    try:
        local = storage.path(name)
    except NotImplementedError:
        local = None
    if local is not None:
        if not Path(local).exists():
            raise Http404
        yield Path(local)
        return
    with tempfile.TemporaryDirectory(prefix="tsuchi-file-") as tmp:
        path = Path(tmp) / Path(name).name
        with storage.open(name, "rb") as source, path.open("wb") as target:
            shutil.copyfileobj(source, target)
        yield path
