"""The ``file`` builder: writes a file from inline content or a copy of another file."""
