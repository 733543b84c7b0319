"""Writing a file so that its name never points at half of it: PATH.part, flushed to disk, renamed."""

from __future__ import annotations

import os
from pathlib import Path

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _


def write_whole(path: Path, data: bytes, *, field: str = "out") -> None:
    if not path.parent.is_dir():
        raise ValidationError(
            _("{path} cannot be written: the folder {folder} does not exist.").format(
                path=path, folder=path.parent
            ),
            field=field,
        )
    part = path.with_name(path.name + ".part")
    try:
        with part.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        part.replace(path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ValidationError(
            _("{path} cannot be written: {reason}.").format(path=path, reason=exc.strerror or exc),
            field=field,
        ) from exc
