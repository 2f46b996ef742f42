"""docs/catalog.md is generated from the data; it must never disagree with it."""

from __future__ import annotations

from chanlint.catalog import available_versions
from chanlint.report.catalog_view import markdown_all_versions
from tests.helpers import REPO


def test_catalog_page_is_current() -> None:
    page = (REPO / "docs" / "catalog.md").read_text(encoding="utf-8")
    assert page == markdown_all_versions(available_versions()), (
        "docs/catalog.md is stale: run `chanlint catalog --all-versions --format markdown > docs/catalog.md`"
    )
