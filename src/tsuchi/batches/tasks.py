"""Background work for batches. Tasks take IDs and call one service; their module paths are
a stable interface (queued work refers to them)."""

from django.tasks import task

from tsuchi.batches import preparation


@task()
def prepare_batch_task(batch_id: int) -> None:
    """Split, extract, cross-check and sort the uploaded batch."""
    preparation.batch_run_preparation(batch_id=batch_id)


@task()
def sign_batch_task(batch_id: int) -> None:
    """Sign, verify and attach the unsigned electronic notices with the server's key."""
    from tsuchi.batches import signing

    signing.batch_run_signing(batch_id=batch_id)
