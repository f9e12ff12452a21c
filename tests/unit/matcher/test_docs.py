"""docs/MATCHER.md names only modules and files that exist (its module map follows the tree)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import peerlearn_matcher

PACKAGE = Path(peerlearn_matcher.__file__).parent
REPO = PACKAGE.parents[2]
DOC = REPO / "docs" / "MATCHER.md"


def _exists(dotted: str) -> bool:
    """A module, or an attribute of one (``peerlearn_matcher.domain.learning.held_out_auc``)."""
    module, _, attribute = dotted.rpartition(".")
    try:
        importlib.import_module(dotted)
        return True
    except ModuleNotFoundError:
        pass
    try:
        return hasattr(importlib.import_module(module), attribute)
    except ModuleNotFoundError:
        return False


def test_every_path_and_module_the_matcher_doc_names_exists() -> None:
    text = DOC.read_text()
    paths = set(re.findall(r"`([\w/]+\.py)[`:]", text)) | set(re.findall(r"`(\w+/)`", text))
    missing = [p for p in sorted(paths) if not any((root / p).exists() for root in (PACKAGE, REPO))]
    modules = set(re.findall(r"`(peerlearn_matcher(?:\.\w+)+)", text))
    missing += [m for m in sorted(modules) if not _exists(m)]
    assert len(paths) > 30 and modules, (paths, modules)
    assert not missing, missing
