import csv
import io

import pypdfium2 as pdfium
import pytest
from django.urls import reverse

from tests.api.helpers import prepared_pdf_notices
from tests.builders import batch_in_review, make_staff
from tsuchi.accounts.models import Role
from tsuchi.evidence.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(department, preparer, tmp_path):
    notices = prepared_pdf_notices(tmp_path, count=7)
    return batch_in_review(department, preparer, notices=notices)


def test_print_file_holds_the_paper_notices_in_postal_code_order(client, batch, preparer):
    postal = {3: "9800001", 6: "1000001"}  # the paper notices of prepared_pdf_notices(7)
    for sequence, code in postal.items():
        batch.notices.filter(sequence=sequence).update(postal_code=code)
    client.force_login(preparer)
    response = client.get(reverse("batches:print_file", args=[batch.pk]))
    assert response["Content-Type"] == "application/pdf"
    pdf = pdfium.PdfDocument(b"".join(response.streaming_content))
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    assert len(texts) == 1 + len(postal)  # the cover, then one page per paper notice
    assert "通数: 2" in texts[0]
    assert "〒100-0001" in texts[0]
    # 〒100 before 〒980: notice 6 first, then notice 3.
    assert "第6号" in texts[1]
    assert "第3号" in texts[2]
    assert Event.objects.filter(kind="batch.print_file_downloaded").count() == 1


def test_viewer_cannot_take_the_print_file(client, batch, department):
    client.force_login(make_staff(department, Role.VIEWER))
    response = client.get(reverse("batches:print_file", args=[batch.pk]))
    assert response.status_code == 302
    assert not Event.objects.filter(kind="batch.print_file_downloaded").exists()


def test_cross_check_csv_opens_in_excel_and_has_no_contact_data(client, batch, preparer):
    client.force_login(preparer)
    body = client.get(reverse("batches:review_csv", args=[batch.pk])).content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "sequence"
    assert len(rows) == 1 + batch.notices.count()
    assert b"@example.jp" not in body
