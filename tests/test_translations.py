"""`makemessages` leaves no empty entry: every user-facing string has its English.

The source tree is copied, `makemessages -l en` runs for each catalogue (each app's own `locale/`, and
the project's), and any entry left without a translation (or fuzzy) is reported by catalogue and
message. Engineers add strings on every branch; this is what tells them which one lacks its English.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(path.parent.name for path in ROOT.glob("*/locale") if path.parent != ROOT and path.parent.name != "locale")
NOT_SOURCE = (".venv", ".git", "var", "staticfiles", "__pycache__", "*.sqlite3", "node_modules", "tests", "bench")


def empty_entries(po_file: Path) -> list[str]:
    return [entry.msgid for entry in polib.pofile(str(po_file))
            if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)]


def make_messages(copy: Path, catalogue: str) -> Path:
    """Run makemessages for one catalogue ("." is the project's) and return its .po file."""
    others = [f"--ignore={app}" for app in APPS if app != catalogue]
    if catalogue != ".":
        others.append("--ignore=project")  # the project's templates belong to the project's catalogue
    ignores = [f"--ignore={pattern}" for pattern in NOT_SOURCE] + others
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings", "DEBUG": "1"}
    result = subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "en", "--no-location", "-v0", *ignores],
                            cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return copy / catalogue / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed (Debian package gettext)")
def test_makemessages_leaves_no_empty_entry(tmp_path):
    assert APPS, "no app catalogue found"
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    empty = {}
    for catalogue in [*APPS, "."]:
        missing = empty_entries(make_messages(copy, catalogue))
        if missing:
            empty[catalogue if catalogue != "." else "locale (project)"] = missing
    assert empty == {}, "entries without English, by catalogue:\n" + "\n".join(
        f"  {name}: {msgid!r}" for name, msgids in empty.items() for msgid in msgids)


def test_the_check_reports_an_untranslated_entry(tmp_path):
    """The check above can fail: an entry without msgstr is reported."""
    po = polib.POFile()
    po.append(polib.POEntry(msgid="已翻译", msgstr="Translated"))
    po.append(polib.POEntry(msgid="未翻译", msgstr=""))
    po.append(polib.POEntry(msgid="待确认", msgstr="Unsure", flags=["fuzzy"]))
    path = tmp_path / "django.po"
    po.save(str(path))
    assert empty_entries(path) == ["未翻译", "待确认"]
