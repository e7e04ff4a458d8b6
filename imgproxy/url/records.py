"""`replace` for the URL's frozen records, without `dataclasses.replace`'s cost per field.

`dataclasses.replace` reads every field and calls the class's generated `__init__`: ~23 µs on
the 88 fields of `Options`, and a URL is read through several replaces. A record whose fields
are all set by `__init__`, with no `__post_init__`, is exactly its fields' values, so copying
its `__dict__` and updating the changed names gives the same record at a fraction of the cost.
Any other dataclass, or a record holding more than its fields (a cached property's value),
goes to `dataclasses.replace`. Type checkers see `dataclasses.replace` itself, so its checks of
field names and types still apply to every call.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["replace"]

T = TypeVar("T")

if TYPE_CHECKING:
    from dataclasses import replace
else:

    def replace(record: T, /, **changes: Any) -> T:
        kind = type(record)
        names = _copyable_fields(kind)
        if names is None or len(record.__dict__) != len(names):
            return dataclasses.replace(record, **changes)
        unknown = changes.keys() - names
        if unknown:
            raise TypeError(f"{kind.__name__} has no field {sorted(unknown)[0]!r}")
        copied = object.__new__(kind)
        values = copied.__dict__
        values.update(record.__dict__)
        values.update(changes)
        return copied


@cache
def _copyable_fields(kind: type) -> frozenset[str] | None:
    """The field names of a dataclass that is nothing but its fields; None for any other."""
    if not dataclasses.is_dataclass(kind) or hasattr(kind, "__post_init__"):
        return None
    if hasattr(kind, "__slots__"):
        return None
    fields = dataclasses.fields(kind)
    if not all(item.init for item in fields):
        return None
    return frozenset(item.name for item in fields)
