import csv
import io
import json

import pytest

from tsuchi.cli.main import main


def test_samples_command_writes_the_three_files(tmp_path, capsys):
    out = tmp_path / "samples"
    assert main(["samples", "--count", "25", "--out", str(out), "--seed", "4"]) == 0
    assert (out / "batch.pdf").read_bytes().startswith(b"%PDF")
    rows = list(csv.reader(io.StringIO((out / "applications.csv").read_bytes().decode("cp932"))))
    assert rows[0][0] == "申請番号"
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["count"] == 25
    assert truth["seed"] == 4
    assert str(out) in capsys.readouterr().out


def test_samples_command_refuses_an_unknown_layout(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["samples", "--count", "5", "--out", str(tmp_path), "--layout", "tax"])
    assert exit_.value.code == 2
    assert "nursery" in capsys.readouterr().err
