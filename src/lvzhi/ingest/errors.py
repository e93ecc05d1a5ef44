"""Errors raised while reading a list file: always in Chinese, always naming the file and the place."""
from __future__ import annotations

from ..errors import InvalidInput


class IngestError(InvalidInput):
    """A file could not be read as a duty list. The message is shown to users as is."""

    def __init__(self, source: str, problem: str, where: str | None = None):
        self.source = source
        self.problem = problem
        self.where = where
        super().__init__(self.message)

    @property
    def message(self) -> str:
        place = f"{self.source}（{self.where}）" if self.where else self.source
        return f"{place}：{self.problem}"

    def __str__(self) -> str:
        return self.message
