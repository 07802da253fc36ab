"""Pieces of the docker exec session that need no daemon: splitting output into lines."""

from builds.engine.communicators.docker_exec import LineSplitter


def split(*chunks: bytes) -> list[str]:
    lines: list[str] = []
    splitter = LineSplitter(lines.append)
    for chunk in chunks:
        splitter.feed(chunk)
    splitter.close()
    return lines


def test_lines_are_joined_across_chunks_and_the_last_partial_line_is_delivered():
    assert split(b"one\ntw", b"o\nthr", b"ee") == ["one", "two", "three"]


def test_terminal_line_ends_lose_their_carriage_return():
    assert split(b"a\r\nb\r\n") == ["a", "b"]


def test_a_multibyte_character_split_between_chunks_survives():
    assert split("café\n".encode()[:4], "café\n".encode()[4:]) == ["café"]


def test_invalid_utf8_is_replaced_and_empty_lines_are_kept():
    assert split(b"\xff\n\n") == ["\ufffd", ""]


def test_no_output_gives_no_lines():
    assert split() == []
