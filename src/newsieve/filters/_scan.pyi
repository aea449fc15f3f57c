# Types of the C extension built from _scan.c (see there and _match.LiteralScanner).
from collections.abc import Iterable

class Scanner:
    words: tuple[str, ...]
    def __init__(self, words: Iterable[str]) -> None: ...
    def scan(self, text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, str]]: ...
