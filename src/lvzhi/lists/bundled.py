"""The lists shipped inside the package: 珞璜镇's (lvzhi/data/towns/luohuang/), parsed from its official document."""
from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

from ..yamltext import load_yaml

from ..ingest.jsonfile import read_json_file
from ..model import Dataset
from ..store import Store
from ..search.documents import make_documents
from ..store.repository import save_dataset

BUNDLED_FOLDER = "towns/luohuang"  # under lvzhi/data: the lists, their source text and the town's knowledge
BUNDLED_JSON = f"{BUNDLED_FOLDER}/lists.json"
BUNDLED_SOURCE = f"{BUNDLED_FOLDER}/source.txt"


def data_path(name: str) -> Path:
    return Path(str(resources.files("lvzhi") / "data" / name))


def bundled_dataset() -> Dataset:
    return read_json_file(data_path(BUNDLED_JSON))


def ensure_bundled(store: Store) -> bool:
    """Loads the bundled lists into an empty database; returns whether it did.

    The rows the source text leaves open (see Dataset.unsure) are recorded as still to check against the
    official PDF: the JSON does not carry them, so they come from parsing the source (about 0.1 s)."""
    if not store.is_empty():
        return False
    dataset = bundled_dataset()
    dataset.unsure = regenerate().unsure
    with store.transaction() as session:
        save_dataset(session, dataset, source_name=BUNDLED_SOURCE, effective_date=bundled_effective_date(),
                     documents=make_documents)
    return True


def bundled_effective_date() -> date | None:
    """The date the town's record (town.yaml) gives the official lists; None while the document states none."""
    meta = load_yaml(data_path(f"{BUNDLED_FOLDER}/town.yaml").read_text(encoding="utf-8")) or {}
    given = meta.get("effective_date")
    return given if isinstance(given, date) or given is None else date.fromisoformat(str(given))

BUNDLED_VERSION = "官方公布版"


def regenerate() -> Dataset:
    """Parses the bundled source text again (used to build and to check lists.json)."""
    from ..ingest import DEFAULT_TOWN
    from ..ingest.document import parse_document_file

    return parse_document_file(data_path(BUNDLED_SOURCE), DEFAULT_TOWN, version=BUNDLED_VERSION)


if __name__ == "__main__":
    from ..formats.lists import write_json

    write_json(regenerate(), data_path(BUNDLED_JSON))
    print(f"已重新生成 {data_path(BUNDLED_JSON)}")
