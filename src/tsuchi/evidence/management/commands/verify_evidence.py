"""Check the hash chains of every batch (or one) and name the first broken event."""

from django.core.management.base import BaseCommand, CommandError

from tsuchi.evidence.models import EvidenceChain
from tsuchi.evidence.services import chain_key_for_batch, chain_verify


class Command(BaseCommand):
    help = "Verify the evidence chains; exits non-zero if any is broken."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, help="only this batch")

    def handle(self, *args, batch=None, **options):
        keys = (
            [chain_key_for_batch(batch)]
            if batch is not None
            else list(EvidenceChain.objects.order_by("key").values_list("key", flat=True))
        )
        broken = 0
        for key in keys:
            verdict = chain_verify(key)
            if verdict.ok:
                self.stdout.write(f"{key}: ok ({verdict.checked} events)")
            else:
                broken += 1
                where = f"event {verdict.broken_link}" if verdict.broken_link else "chain head"
                self.stdout.write(f"{key}: BROKEN at {where}: {verdict.reason}")
        if broken:
            raise CommandError(f"{broken} chain(s) broken")
