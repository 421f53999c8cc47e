"""Agent Trace source locations for Python agents: an OpenTelemetry span processor.

Most GenAI SDKs and instrumentations record no source location. This processor stamps the
OpenTelemetry ``code.*`` attributes (``code.file.path``, ``code.line.number``,
``code.function.name``) on every span when it starts, from the first frame of the caller's
stack that is your own code, so Agent Trace can link each step to the line that produced it.
Spans that already carry a location are left alone.

Install: copy this file next to your agent (Agent Trace ships it as
``dist/sdk/agent_trace_source.py``). It needs only ``opentelemetry-sdk``.

Use::

    from opentelemetry.sdk.trace import TracerProvider
    from agent_trace_source import SourceLocationProcessor

    provider = TracerProvider()
    provider.add_span_processor(SourceLocationProcessor())   # before the exporter's processor

How it decides what is "your code": the standard library, every ``site-packages`` /
``dist-packages`` folder (including a virtualenv inside your project), ``<frozen ...>`` code and
this file are library frames; everything else is yours, narrowed by ``include`` / ``exclude``.
It walks frames with ``sys._getframe`` (no traceback objects, no source read), caches the
verdict per file and stops after ``max_depth`` frames, so a span costs a few microseconds.
In ``async`` code the awaiting coroutines are linked through ``f_back`` while they run.
"""
import os
import site
import sys
import sysconfig
from typing import Callable, Dict, Optional, Tuple

try:  # the SDK is the agent's own dependency; without it the helpers below still import
    from opentelemetry.sdk.trace import SpanProcessor as _SpanProcessorBase
except ImportError:  # pragma: no cover - exercised only where the SDK is missing
    _SpanProcessorBase = object  # type: ignore[assignment,misc]

__all__ = ["SourceLocationProcessor", "CODE_FILE_PATH", "CODE_LINE_NUMBER", "CODE_FUNCTION_NAME"]

CODE_FILE_PATH = "code.file.path"
CODE_LINE_NUMBER = "code.line.number"
CODE_FUNCTION_NAME = "code.function.name"
# The deprecated names: a span that has one already knows where it came from.
_EXISTING_KEYS = (CODE_FILE_PATH, "code.filepath")

_THIS_FILE = os.path.normcase(os.path.realpath(__file__))


def _library_prefixes() -> Tuple[str, ...]:
    paths = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            paths.add(p)
    try:
        paths.update(site.getsitepackages())
        paths.add(site.getusersitepackages())
    except AttributeError:  # some virtualenv builds lack these
        pass
    return tuple(os.path.normcase(os.path.realpath(p)) + os.sep for p in paths)


class SourceLocationProcessor(_SpanProcessorBase):  # type: ignore[misc,valid-type]
    """Records where in *your* code each span was started.

    root: when set, files under it are recorded relative to it with ``/`` separators (portable
        across machines and containers; Agent Trace resolves relative paths against the
        workspace folders). Unset: absolute paths.
    include / exclude: optional predicates on the absolute file path.
    max_depth: most frames walked per span.
    """

    def __init__(
        self,
        root: Optional[str] = None,
        include: Optional[Callable[[str], bool]] = None,
        exclude: Optional[Callable[[str], bool]] = None,
        max_depth: int = 64,
        library_prefixes: Optional[Tuple[str, ...]] = None,
    ) -> None:
        self._root = os.path.realpath(root) + os.sep if root else None
        self._include = include
        self._exclude = exclude
        self._max_depth = max_depth
        self._prefixes = _library_prefixes() if library_prefixes is None else library_prefixes
        self._verdicts: Dict[str, Tuple[bool, str]] = {}  # co_filename -> (is user code, absolute path)

    def is_user_file(self, filename: str) -> Tuple[bool, str]:
        """(is this file your code, its absolute path); cached per file name."""
        verdict = self._verdicts.get(filename)
        if verdict is None:
            if filename.startswith("<"):  # <frozen ...>, <string>, <stdin>
                verdict = (False, filename)
            else:
                path = os.path.realpath(filename)
                norm = os.path.normcase(path)
                library = (
                    norm == _THIS_FILE
                    or norm.startswith(self._prefixes)
                    or (os.sep + "site-packages" + os.sep) in norm
                    or (os.sep + "dist-packages" + os.sep) in norm
                )
                user = not library
                if user and self._include is not None and not self._include(path):
                    user = False
                if user and self._exclude is not None and self._exclude(path):
                    user = False
                verdict = (user, path)
            self._verdicts[filename] = verdict
        return verdict

    def location_of(self, frame) -> Optional[Dict[str, object]]:
        """The code.* attributes of the first user frame at or above ``frame``, or None."""
        depth = 0
        while frame is not None and depth < self._max_depth:
            code = frame.f_code
            user, path = self.is_user_file(code.co_filename)
            if user:
                if self._root and path.startswith(self._root):
                    path = path[len(self._root):].replace(os.sep, "/")
                return {
                    CODE_FILE_PATH: path,
                    CODE_LINE_NUMBER: frame.f_lineno,
                    CODE_FUNCTION_NAME: getattr(code, "co_qualname", code.co_name),
                }
            frame = frame.f_back
            depth += 1
        return None

    def on_start(self, span, parent_context=None) -> None:
        try:
            attrs = span.attributes or {}
            if any(k in attrs for k in _EXISTING_KEYS):
                return
            found = self.location_of(sys._getframe(1))
            if found:
                for key, value in found.items():
                    span.set_attribute(key, value)
        except Exception:  # a processor must never break the traced program
            pass

    def on_end(self, span) -> None:
        pass

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
