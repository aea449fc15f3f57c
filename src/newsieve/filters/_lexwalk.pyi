# Types of the C extension built from _lexwalk.c (see there, _tree._native_walk and
# extract.markup_over).
from collections.abc import Callable
from typing import Any

def walk(
    root_id: int,
    kinds: bytes,
    tag_names: list[str | None],
    unit_type: type[tuple[Any, ...]],
    by_class: bool,
    unlikely_cache: dict[str, bool],
    unlikely: Callable[[str], bool],
    hides: Callable[[str | None, str | None], bool],
    href_of: Callable[[str], str] | None,
    line_edge: str,
    edge_space: str,
    join: frozenset[str],
    scoring: tuple[int, float, float, float, str],  # _tree._SCORING
    /,
) -> tuple[
    list[str | None],  # tag names (the root's: None when it is not a block tag)
    list[int],  # parents
    list[int],  # node ids: none
    list[int],  # ends
    list[Any],  # units: instances of unit_type (owner, text, chars, link chars, links)
    list[int],  # chars
    list[int],  # link chars
    list[int],  # links
    list[str | None],  # names: each block's "class id", stripped
    list[float],  # scores (_tree._scores)
]: ...
def heads(
    root_id: int,
    kinds: bytes,
    title_id: int,
    meta_id: int,
    time_id: int,
    by_class: bool,
    unlikely_cache: dict[str, bool],
    unlikely: Callable[[str], bool],
    hides: Callable[[str | None, str | None], bool],
    /,
) -> tuple[
    list[str],  # titles
    list[tuple[str, str, str, str]],  # metas: property, name, itemprop, content
    list[str],  # times
    list[str],  # h1s
]: ...
def bind(first_attribute: int, next_attribute: int, attr_local_name: int, attr_value: int, /) -> None: ...
def layout() -> dict[str, int]: ...
def markup_over(
    html: str, depth_limit: int, attribute_limit: int, no_depth: frozenset[str], raw: frozenset[str], /
) -> tuple[str, int] | None: ...
