"""Load the demo: a municipality, a department, a preparer and an approver with generated
passwords (printed, and kept in var/demo-logins.txt), and one batch built from sample data.
Idempotent: a second run prints the same logins and creates nothing new."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand
from django.db import transaction

from tsuchi.accounts.models import Department, Membership, Municipality, Role
from tsuchi.batches import services
from tsuchi.batches.preparation import batch_upload_and_prepare
from tsuchi.batches.signing import ensure_demo_signing_key
from tsuchi.evidence.services import Actor

DEMO_USERS = [
    ("demo-preparer", "作成", "花子", Role.PREPARER),
    ("demo-approver", "決裁", "太郎", Role.APPROVER),
    ("demo-admin", "管理", "一郎", Role.ADMIN),
]
SAMPLE_COUNT = 40


class Command(BaseCommand):
    help = "Load the demo municipality, staff and one sample batch."

    def handle(self, *args, **options):
        logins_file = Path(settings.VAR_DIR) / "demo-logins.txt"
        with transaction.atomic():
            department = self._department()
            logins = self._users(department, logins_file)
        self._batch(department)
        # Server-side signing in the demo uses a generated, throwaway certificate chain.
        ensure_demo_signing_key(Path(settings.VAR_DIR))
        self.stdout.write(f"\nDemo logins (also in {logins_file}):")
        for username, password, role in logins:
            self.stdout.write(f"  {role:<9} {username:<15} {password}")

    def _department(self) -> Department:
        municipality, _ = Municipality.objects.get_or_create(
            code="999999", defaults={"name": "土見市（デモ）"}
        )
        department, _ = Department.objects.get_or_create(
            municipality=municipality,
            name="保育課",
            defaults={"office_name": "土見市 子ども家庭部 保育課"},
        )
        return department

    def _users(self, department: Department, logins_file: Path) -> list[tuple[str, str, str]]:
        known = {}
        if logins_file.exists():
            for line in logins_file.read_text(encoding="utf-8").splitlines():
                role, username, password = line.split("\t")
                known[username] = password
        user_model = get_user_model()
        logins = []
        for username, last, first, role in DEMO_USERS:
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"last_name": last, "first_name": first}
            )
            password = known.get(username)
            if created or password is None or not user.check_password(password):
                password = secrets.token_urlsafe(12)
                user.set_password(password)
                user.is_staff = role == Role.ADMIN
                user.is_superuser = role == Role.ADMIN
                user.save()
            Membership.objects.update_or_create(
                user=user, department=department, defaults={"role": role}
            )
            logins.append((username, password, str(role)))
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        logins_file.write_text(
            "".join(f"{role}\t{user}\t{pw}\n" for user, pw, role in logins), encoding="utf-8"
        )
        logins_file.chmod(0o600)
        return logins

    def _batch(self, department: Department) -> None:
        if department.batches.exists():
            return
        from tsuchi.core.samples import generate

        preparer = get_user_model().objects.get(username="demo-preparer")
        with tempfile.TemporaryDirectory() as tmp:
            sample = generate(Path(tmp), count=SAMPLE_COUNT, seed=1)
            batch = services.batch_create(
                department=department,
                title="令和8年度 保育所入所決定通知（4月一次）",
                notice_type="保育所入所通知",
                profile_name="nursery",
                sender_name="土見市 保育課",
                email_subject="【土見市】保育所入所に関する通知が届いています",
                email_body=(
                    "{name} 様\n\n{office}から通知が届いています。\n"
                    "次のリンクから {deadline} までに受け取ってください。\n{url}\n"
                ),
                sms_body="【土見市】保育所入所に関する通知が届いています。{url}",
                actor=Actor.staff(preparer),
            )
            with open(sample.batch_pdf, "rb") as pdf, open(sample.applications_csv, "rb") as csv:
                # Queued like an upload from the page: the worker started by `make run`
                # prepares it, so the demo shows the progress and then the review.
                batch_upload_and_prepare(
                    batch=batch,
                    pdf=File(pdf, name="batch.pdf"),
                    csv=File(csv, name="applications.csv"),
                    profile_key="nursery",
                    actor=Actor.staff(preparer),
                )
        self.stdout.write(f"Demo batch {batch.pk} created with {SAMPLE_COUNT} sample notices.")
