"""Diff engine: how an article changed between two versions.

Pure: no database, no network, no clock except the word-diff time budget.  The store, the
CLI, the viewer and the email report all call ``compare`` and render its ``ChangeRecord``.

Modules: ``records`` (value objects, JSON, ``rebuild``), ``anchors`` and ``align``
(paragraphs), ``words`` (diff-match-patch), ``significance`` (thresholds and labels),
``sentences``, ``notes`` (corrections), ``summary`` (figures and the stealth rule),
``flapping``, and ``engine`` (``compare`` itself).

>>> from archive.extract.article import Article
>>> record = compare(Article("Title", ("One.", "Two.")), Article("Title", ("One.", "2.", "Two.")))
>>> record.kinds()
{'paragraph_added': 1}
>>> rebuild(["One.", "Two."], record.edits)
['One.', '2.', 'Two.']
"""

from __future__ import annotations

from archive.diff.engine import compare
from archive.diff.flapping import is_flapping
from archive.diff.records import ChangeRecord, Edit, Summary, rebuild

__all__ = ["ChangeRecord", "Edit", "Summary", "compare", "is_flapping", "rebuild"]
