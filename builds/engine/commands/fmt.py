"""``imagehub fmt``: rewrite template files in the canonical format, as ``packer fmt`` does.

Behaviour follows Packer 1.6.6 byte for byte where it has the feature: a
directory means its ``*.pkr.hcl`` files, then its ``*.pkrvars.hcl`` files, each
group sorted by name (JSON and other files are left alone); a file must have
one of those two suffixes; each changed file's name is printed as given (or
joined to its directory) and, with ``-diff``, followed by ``diff -u`` output
labelled ``old/NAME`` and ``new/NAME``; ``-check`` writes nothing and exits 3
when a file would change; problems are reported at the end and exit 1.

From later Packer releases: ``-`` filters standard input to standard output
(printing the input unchanged when it is already canonical), ``-recursive``
descends into subdirectories, and a file that does not parse is reported with
every syntax error's position (``FILE:LINE,COL-COL: summary; detail``).

Deliberate differences: several paths may be given; a file that is not valid
UTF-8 is refused (Packer accepts invalid bytes inside comments); files are
replaced atomically (written to a temporary file beside them, then renamed;
mode and owner kept, symlinks followed).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import stat
import sys
from typing import TextIO

from builds.engine.commands.flags import FlagError, FlagSet
from builds.engine.hcl.diagnostics import Diagnostic, Diagnostics, Range
from builds.engine.hcl.fmt import format_source
from builds.engine.hcl.lexer import scan_spans
from builds.engine.hcl.syntaxcheck import well_formed

SYNOPSIS = "rewrite template files in the canonical format"

USAGE = """\
Usage: imagehub fmt [options] TEMPLATE...

  Rewrites Packer HCL2 files in their canonical layout: template files
  (.pkr.hcl) and variable files (.pkrvars.hcl). JSON templates (.json) are
  never changed.

  Each TEMPLATE is a file or a directory ("." is the current directory); "-"
  reads a template from standard input and writes the result to standard
  output. Only Packer's HCL2 language is accepted, not JSON.

Options:
  -check        Write nothing; exit with status 0 when every file is already
                 in canonical form and 3 when some file would change.

  -diff         Show each change as a unified diff

  -write=false  Leave the files as they are
                (implied by -check)

  -recursive    Also format the files in subdirectories (hidden ones are
                 skipped); by default only the given directory is read.
"""

EXIT_NOT_FORMATTED = 3
HCL_SUFFIX = ".pkr.hcl"
VARS_SUFFIX = ".pkrvars.hcl"
STDIN = "-"
PARALLEL_MIN_FILES = 16  # from this many files in a directory, a second process shares the work

_ENCODING_SUMMARY = "Invalid character encoding"
_ENCODING_DETAIL = (
    "All input files must be UTF-8 encoded. Ensure that UTF-8 encoding is selected in your editor."
)


def run(args: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """Format the files named in ``args``; return 0, 3 (``-check`` found changes) or 1 (problems)."""
    flags = FlagSet("fmt", USAGE)
    flags.bool("check", False, "exit 3 when a file is not canonical; write nothing")
    flags.bool("diff", False, "show a unified diff of each change")
    flags.bool("write", True, "write the changes back to the files")
    flags.bool("recursive", False, "also format files in subdirectories")
    try:
        values, paths = flags.parse(args)
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    if not paths:
        return flags.usage_error(stdout)
    formatter = Formatter(
        stdout,
        write=values["write"] and not values["check"],
        diff=values["diff"],
        recursive=values["recursive"],
    )
    changed = False
    for path in paths:
        changed = formatter.format_path(path) or changed
    if formatter.problems:
        stderr.write(render_problems(formatter.problems))
        return 1
    return EXIT_NOT_FORMATTED if values["check"] and changed else 0


def render_problems(problems: Diagnostics) -> str:
    """Return the problems as Packer prints diagnostics without a source position."""
    parts = []
    for diag in problems:
        parts.append(f"Error: {diag.summary}\n\n")
        if diag.detail:
            parts.append(f"{diag.detail}\n\n")
    parts.append("\n")
    return "".join(parts)


class Formatter:
    """Formats paths one after another, printing to ``out`` and collecting ``problems``."""

    def __init__(
        self,
        out: TextIO,
        *,
        write: bool = True,
        diff: bool = False,
        recursive: bool = False,
    ) -> None:
        self.out = out
        self.write = write
        self.diff = diff
        self.recursive = recursive
        self.problems = Diagnostics()

    def format_path(self, path: str) -> bool:
        """Format a file, a directory's files or standard input (``-``); return whether any changed."""
        if path == STDIN:
            return self.format_file(STDIN)
        files = self._files(path)
        if files is None:
            return False
        if not files:
            self.problems.error(f"Cannot tell whether {path} contains HCL2 configuration data")
            return False
        if len(files) >= PARALLEL_MIN_FILES and _can_fork():
            return self._format_in_two_processes(files)
        changed = False
        for name in files:
            changed = self.format_file(name) or changed
        return changed

    def _format_in_two_processes(self, files: list[str]) -> bool:
        """Format ``files`` with a forked helper taking every other one; output keeps the files' order."""
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper: format the odd-numbered files, send the results, exit
            os.close(read_fd)
            status = 0
            try:
                payload = pickle.dumps([self._captured(name) for name in files[1::2]])
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(payload)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        mine = [self._captured(name) for name in files[0::2]]
        with os.fdopen(read_fd, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        try:
            theirs = pickle.loads(payload) if status == 0 else None
        except (pickle.UnpicklingError, EOFError):
            theirs = None
        if theirs is None or len(theirs) != len(files[1::2]):  # the helper failed: do its share here
            theirs = [self._captured(name) for name in files[1::2]]
        changed = False
        for index in range(len(files)):
            file_changed, output, problems = (mine if index % 2 == 0 else theirs)[index // 2]
            if output:
                _write_bytes(self.out, output)
            self.problems.extend(problems)
            changed = changed or file_changed
        return changed

    def _captured(self, path: str) -> tuple[bool, bytes, list[Diagnostic]]:
        """Format one file with its output and problems captured instead of printed."""
        out, problems = self.out, self.problems
        buffer = io.BytesIO()
        self.out = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
        self.problems = Diagnostics()
        try:
            changed = self.format_file(path)
            self.out.flush()
            return changed, buffer.getvalue(), list(self.problems)
        finally:
            self.out, self.problems = out, problems

    def format_file(self, path: str) -> bool:
        """Format one file (or ``-``); return whether its text changed (and was written if asked)."""
        summary = f"encountered an error while formatting {path}"
        try:
            source = self._read(path)
        except OSError as err:
            self.problems.error(summary, f"failed to open {path}: {_go_error('open', path, err)}")
            return False
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as err:
            self.problems.error(summary, _error_list([_encoding_error(path, source, err.start)]))
            return False
        spans = scan_spans(text)
        if not well_formed(text, spans):
            errors = _syntax_errors(text, path, spans)
            if errors:
                self.problems.error(summary, _error_list([_hcl_error(d) for d in errors]))
                return False
        formatted = format_source(text, spans)
        if formatted == text:
            if path == STDIN:
                _write_bytes(self.out, source)
            return False
        result = formatted.encode("utf-8")
        if path != STDIN:
            self.out.write(f"{path}\n")
        if self.write:
            if path == STDIN:
                _write_bytes(self.out, result)
            else:
                try:
                    replace_file(path, result)
                except OSError as err:
                    self.problems.error(summary, _go_error("open", path, err))
                    return False
        if self.diff and path != STDIN:
            _write_bytes(self.out, unified_diff(source, result, path))
        return True

    def _read(self, path: str) -> bytes:
        if path != STDIN:
            with open(path, "rb") as handle:
                return handle.read()
        return sys.stdin.buffer.read()

    def _files(self, path: str) -> list[str] | None:
        """Return the files ``path`` stands for, or None after recording why it cannot be read."""
        try:
            is_dir = stat.S_ISDIR(os.stat(path).st_mode)
        except OSError as err:
            # Packer's wording, its misspelling included, so output stays byte-identical.
            self.problems.error(
                f"Cannot tell wether {path} is a directory", _go_error("stat", path, err)
            )
            return None
        if not is_dir:
            return [path] if path.endswith((HCL_SUFFIX, VARS_SUFFIX)) else []
        try:
            return self._directory_files(path)
        except OSError as err:
            self.problems.error("Cannot read hcl directory", _go_error("open", path, err))
            return None

    def _directory_files(self, directory: str) -> list[str]:
        with os.scandir(directory) as entries:
            listing = sorted((entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries)
        files = [name for name, is_dir in listing if not is_dir]
        found = [_go_join(directory, name) for name in files if name.endswith(HCL_SUFFIX)]
        found += [_go_join(directory, name) for name in files if name.endswith(VARS_SUFFIX)]
        if self.recursive:
            for name, is_dir in listing:
                if not is_dir or name.startswith("."):
                    continue
                subdirectory = _go_join(directory, name)
                try:
                    found += self._directory_files(subdirectory)
                except OSError as err:
                    self.problems.error(
                        "Cannot read hcl directory", _go_error("open", subdirectory, err)
                    )
        return found


def replace_file(path: str, data: bytes) -> None:
    """Replace the content of ``path`` (following symlinks) atomically, keeping its mode and owner.

    Raises ``OSError`` when the file cannot be written. When its directory is
    not writable the file is rewritten in place, as Packer does.
    """
    import tempfile

    target = os.path.realpath(path)
    info = os.stat(target)
    try:
        fd, temp = tempfile.mkstemp(
            prefix=f".{os.path.basename(target)}.", dir=os.path.dirname(target)
        )
    except PermissionError:
        with open(target, "r+b") as handle:
            handle.write(data)
            handle.truncate()
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(PermissionError):  # unprivileged: the writer owns the file
                os.chown(temp, info.st_uid, info.st_gid)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):  # already renamed into place
            os.unlink(temp)
        raise


def unified_diff(old: bytes, new: bytes, path: str) -> bytes:
    """Return ``diff -u`` of two texts labelled ``old/PATH`` and ``new/PATH``, as Packer prints it.

    Runs the system's ``diff`` as Packer does, so hunks are chosen identically.
    Without one, the same format is computed in Python; it describes the same
    change, though ``diff`` may group the lines of a large change differently.
    """
    import shutil

    program = shutil.which("diff")
    if program is None:
        return _python_unified_diff(old, new, path)
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="imagehub-fmt-") as scratch:
        before, after = os.path.join(scratch, "old"), os.path.join(scratch, "new")
        with open(before, "wb") as handle:
            handle.write(old)
        with open(after, "wb") as handle:
            handle.write(new)
        labels = [f"--label=old/{path}", f"--label=new/{path}"]
        done = subprocess.run(
            [program, *labels, "-u", before, after], capture_output=True, check=False
        )
    return done.stdout + done.stderr


def _python_unified_diff(old: bytes, new: bytes, path: str) -> bytes:
    import difflib

    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out = [f"--- old/{path}\n".encode(), f"+++ new/{path}\n".encode()]
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        out.append(
            f"@@ -{_hunk_range(first[1], last[2])} +{_hunk_range(first[3], last[4])} @@\n".encode()
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_diff_lines(b" ", a[i1:i2]))
                continue
            out.extend(_diff_lines(b"-", a[i1:i2]))
            out.extend(_diff_lines(b"+", b[j1:j2]))
    return b"".join(out)


def _hunk_range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _diff_lines(mark: bytes, lines: list[bytes]) -> list[bytes]:
    out = []
    for line in lines:
        out.append(mark + line)
        if not line.endswith(b"\n"):
            out.append(b"\n\\ No newline at end of file\n")
    return out


def _can_fork() -> bool:
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1


def _write_bytes(out: TextIO, data: bytes) -> None:
    """Write raw bytes to a text stream, through its binary buffer when it has one."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(data.decode("utf-8", errors="replace"))
        return
    out.flush()
    buffer.write(data)
    buffer.flush()


def _syntax_errors(text: str, path: str, spans: list[tuple[str, int, int]]) -> list[Diagnostic]:
    """Return the parser's errors for a file the quick syntax check did not accept."""
    from builds.engine.hcl.lexer import tokens_from_spans
    from builds.engine.hcl.parser import parse

    _, diags = parse(text, path, tokens_from_spans(text, path, spans))
    return diags.errors


def _error_list(errors: list[str]) -> str:
    """Format several errors as Packer's wrapped error list does."""
    count = "1 error" if len(errors) == 1 else f"{len(errors)} errors"
    return f"{count} occurred:\n" + "\n".join(f"\t* {item}" for item in errors)


def _hcl_error(diag: Diagnostic) -> str:
    """Return a diagnostic in HCL's one-line form: ``FILE:L,C-C: summary; detail``."""
    if diag.subject is None:
        return f"{diag.summary}; {diag.detail}"
    return f"{_hcl_range(diag.subject)}: {diag.summary}; {diag.detail}"


def _hcl_range(subject: Range) -> str:
    start, end = subject.start, subject.end
    if start.line == end.line:
        return f"{subject.filename}:{start.line},{start.column}-{end.column}"
    return f"{subject.filename}:{start.line},{start.column}-{end.line},{end.column}"


def _encoding_error(path: str, source: bytes, offset: int) -> str:
    before = source[:offset].decode("utf-8")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return f"{path}:{line},{column}-{column + 1}: {_ENCODING_SUMMARY}; {_ENCODING_DETAIL}"


def _go_error(op: str, path: str, err: OSError) -> str:
    """Return an OS error the way Go words it: ``open PATH: permission denied``."""
    reason = os.strerror(err.errno) if err.errno else str(err)
    return f"{op} {path}: {reason[:1].lower()}{reason[1:]}"


def _go_join(directory: str, name: str) -> str:
    """Join and clean a path as Go's ``filepath.Join`` does (``./d/`` + ``a`` is ``d/a``)."""
    joined = os.path.normpath(os.path.join(directory, name))
    return "/" + joined.lstrip("/") if joined.startswith("//") else joined
