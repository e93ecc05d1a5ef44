"""Writing a file whole or not at all: into a temporary file beside the target, then renamed over it."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from ..errors import InvalidInput


def atomic_write(path: Path, data: bytes | Iterable[bytes] | Callable[[BinaryIO], None]) -> None:
    """Replaces `path` with `data` only once every byte is on disk: a crash leaves the old file or none. `data` is
    the bytes, pieces of them (written as they come), or a function that writes into the open file."""
    folder = path.resolve().parent
    if not folder.is_dir():
        raise InvalidInput(f"输出目录不存在：{folder}")
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=path.suffix, prefix=".lvzhi-")
    try:
        with os.fdopen(handle, "wb") as out:
            if isinstance(data, (bytes, bytearray)):
                out.write(data)
            elif callable(data):
                data(out)
            else:
                for piece in data:
                    out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        raise InvalidInput(f"无法写入 {path}：{exc.strerror or exc}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
