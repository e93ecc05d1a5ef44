"""Putting a town's files together: which files are one town's (by the place their titles name, or
--town), one list of each kind, and the Dataset they make."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...model import LIST_KINDS, LIST_TITLES, Dataset, Town
from ..departments import DepartmentSplitter, place_prefixes
from ..errors import IngestError
from .fields import RowReader
from .layout import ListFile, ListPart


@dataclass
class TownFiles:
    """The files of one town, or the error that stops the town (an unreadable file, a conflict)."""

    town: Town | None
    files: list[ListFile] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    error: IngestError | None = None

    @property
    def name(self) -> str:
        return self.town.name if self.town else "（未知镇街）"


def _merge_place(town: Town, place: Town | None) -> None:
    if place is not None:
        town.district = town.district or place.district
        town.city = town.city or place.city


def group_files(read: list[tuple[str, ListFile | IngestError]], given: Town | None) -> list[TownFiles]:
    """Groups the files by the town their titles name. With `given` (--town) every file is that town's,
    and a file naming another town is an error. A file that names no town goes with the others when they
    all name one town; else its town must be given."""
    groups: dict[str, TownFiles] = {}
    unnamed: list[tuple[str, ListFile | IngestError]] = []
    failed: list[tuple[str, IngestError]] = []
    for source, result in read:
        if isinstance(result, IngestError):
            failed.append((source, result))
            continue
        place = result.place
        if given is not None:
            if place is not None and place.name != given.name:
                raise IngestError(source, f"标题中的镇街是“{place.name}”，与指定的镇街“{given.name}”不符",
                                  result.place_where)
            key = given.name
        elif place is None:
            unnamed.append((source, result))
            continue
        else:
            key = place.name
        group = groups.setdefault(key, TownFiles(Town(given.name, given.district, given.city) if given
                                                 else Town(place.name, place.district, place.city)))
        _merge_place(group.town, place)
        group.files.append(result)
        group.sources.append(source)
    if unnamed:
        if len(groups) == 1 or (not groups and given is not None):
            group = next(iter(groups.values()))
            for source, result in unnamed:
                group.files.append(result)  # type: ignore[arg-type]
                group.sources.append(source)
        else:
            names = "、".join(source for source, _ in unnamed)
            known = "、".join(groups) or "无"
            problem = (f"标题中没有镇街名称，无法判定属于哪个镇街（读到的镇街：{known}）：请指定镇街（命令行用 --town，网页导入时填写“镇街”），"
                       "或在标题中写明，如“重庆市江津区白沙镇基本履职事项清单”")
            groups.setdefault("", TownFiles(None, sources=[s for s, _ in unnamed], error=IngestError(names, problem)))
    # A file that could not be read stops the town it belongs to; its town is unknown, so it stands alone.
    result = list(groups.values())
    for source, error in failed:
        owner = given.name if given is not None else None
        if owner and owner in groups:
            groups[owner].error = groups[owner].error or error
            groups[owner].sources.append(source)
        else:
            result.append(TownFiles(Town(given.name, given.district, given.city) if given else None,
                                    sources=[source], error=error))
    return result


def town_dataset(group: TownFiles, version: str = "") -> Dataset:
    """One version of the town's lists from its files (any order; each list once)."""
    if group.error is not None:
        raise group.error
    assert group.town is not None
    parts: dict[str, ListPart] = {}
    for file in group.files:
        for part in file.parts:
            if part.kind in parts:
                other = parts[part.kind]
                raise IngestError(part.source, f"{group.town.name}有两张{LIST_TITLES[part.kind]}："
                                               f"{other.source}（{other.where}）和 {part.source}（{part.where}）")
            parts[part.kind] = part
    town = group.town
    places = place_prefixes(town.name, town.district, town.city)
    splitter = DepartmentSplitter(_known_names(parts.values()), places)
    reader = RowReader(splitter)
    items = []
    for kind in LIST_KINDS:
        if kind in parts:
            part = parts[kind]
            items.extend(reader.item(kind, row, part.source) for row in part.rows)
    return Dataset(town=town, version=version, items=items, unsure=reader.unsure)


def _known_names(parts) -> set[str]:
    """Department names the documents label as such: "承接部门：…" texts, and the department registry's."""
    from ...registry import registry
    from ..rows import HANDLER, METHOD

    known: set[str] = set()
    for entry in registry().values():
        known.update(name for name in entry.names() if "（" not in name)
        known.add(entry.name)
    for part in parts:
        for row in part.rows:
            lines = [line.strip() for line in (row.cells.get("handlers") or "").split("\n")]
            for line, after in zip(lines, lines[1:]):
                match = HANDLER.match(line)
                if match and METHOD.match(after):  # a label whose names end on its own line
                    known.update(n.strip() for n in match.group(1).split("、") if n.strip())
    return known
