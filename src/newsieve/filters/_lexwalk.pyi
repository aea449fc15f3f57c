# Types of the C extension built from _lexwalk.c (see there, _tree._native_walk and
# extract.nesting_over).
def walk(
    root_id: int,
    kinds: bytes,
    hrefs: dict[int, str],
    line_edge: str,
    edge_space: str,
    join: frozenset[str],
    /,
) -> tuple[
    list[int],  # tag ids
    list[int],  # parents
    list[int],  # node ids
    list[int],  # ends
    list[tuple[int, str, int, int, list[str] | None]],  # units: owner, text, chars, link chars, links
    list[int],  # chars
    list[int],  # link chars
    list[int],  # links
]: ...
def layout() -> dict[str, int]: ...
def nesting_over(html: str, limit: int, no_depth: frozenset[str], raw: frozenset[str], /) -> int | None: ...
