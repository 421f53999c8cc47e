// Where in the user's code a span came from: OTel `code.*` attributes first, then the
// `code.stacktrace` attribute, then stack traces in `exception` events. Stack traces from
// Python, Node/V8, Java, Go and .NET are parsed into frames ordered innermost first; library
// and runtime frames are skipped so the location points at the user's own code.
import type { Attributes, RawSpan, SourceLocation, StackFrame } from './model';
import { num, str } from './normalize/attrs';

export function sourceFromAttributes(attrs: Attributes): SourceLocation | null {
  const file = str(attrs, 'code.file.path', 'code.filepath');
  if (!file) return null;
  let fn = str(attrs, 'code.function.name', 'code.function');
  const ns = str(attrs, 'code.namespace');
  if (fn && ns && !fn.startsWith(ns)) fn = `${ns}.${fn}`;
  return {
    file,
    line: num(attrs, 'code.line.number', 'code.lineno'),
    column: num(attrs, 'code.column.number', 'code.column'),
    function: fn,
    how: 'attribute',
  };
}

const frame = (file: string, line: number | null, column: number | null, fn: string | null): StackFrame => ({ file, line, column, function: fn });
const int = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number.parseInt(s, 10));

// Every pattern below runs on untrusted span text, so each is linear (checked with `recheck` by
// test/unit/regexAudit.test.ts): lines are trimmed first so no pattern needs a `\s*$` tail, and
// each variable part is a character class that cannot overlap its neighbour. Lines longer than
// MAX_FRAME_LINE are skipped (no real frame is that long) so one huge line costs one scan.
export const MAX_FRAME_LINE = 4096;
// Node/V8: "at fn (file:1:2)", "at file:1:2", "at async fn (file:///x.mjs:1:2)"; the function
// ends at the first " (", as V8 prints it.
const V8_PAREN = /^at (?:async )?([^ ]*(?: +[^ (][^ ]*)*) \((.+?):(\d+)(?::(\d+))?\)$/;
const V8_BARE = /^at (?:async )?([^\s()]+?):(\d+)(?::(\d+))?$/;
// Python: File "x.py", line 12, in fn
const PY = /^File "([^"]+)", line (\d+)(?:, in (.+))?$/;
// Java: at com.x.Y.m(Y.java:42) / at java.base/java.lang.Thread.run(Thread.java:1)
const JAVA = /^at (?:[\w.$-]+\/)?([\w$.<>\-]+)\.([\w$<>\-]+)\(([^():]+?)(?::(\d+))?\)$/;
const JVM_FILE = /\.(java|kt|scala|groovy)$/;
const JAVA_FILE = /\.(java|kt|scala|groovy|clj)$|^(Native Method|Unknown Source)$/;
const JAVA_NO_FILE = /^(Native Method|Unknown Source)$/;
// .NET: at Ns.Type.Method(Args) in C:\x\File.cs:line 42
const DOTNET = /^at ([^\s(]+\([^)]*\))(?: in (.+):line (\d+))?$/;
const DOTNET_LINE = /:line \d+$/;
// Go: function line, then "\t/path/file.go:12 +0x1d" (indented)
const GO_FILE = /^(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/;
const GO_FUNC = /^(?:created by )?([\w./*()\-]+?)(?:\([^()]*\))?(?: in goroutine \d+)?$/;
const LEADING_SPACE = /^\s/;
const NEWLINE = /\r?\n/;

function frameOf(l: string, raw: string, prevLine: string | undefined, state: { python: boolean }): StackFrame | null {
  let m: RegExpExecArray | null;
  if ((m = PY.exec(l))) {
    state.python = true;
    return frame(m[1]!, int(m[2]), null, m[3]?.trim() ?? null);
  }
  if ((m = V8_PAREN.exec(l)) && !JVM_FILE.test(m[2]!) && !(l.includes(' in ') && DOTNET_LINE.test(l))) {
    return frame(fileFromUrl(m[2]!), int(m[3]), int(m[4]), m[1] || null);
  }
  if ((m = V8_BARE.exec(l))) return frame(fileFromUrl(m[1]!), int(m[2]), int(m[3]), null);
  if ((m = JAVA.exec(l)) && JAVA_FILE.test(m[3]!)) {
    const cls = m[1]!;
    const pkg = cls.includes('.') ? cls.slice(0, cls.lastIndexOf('.')).replaceAll('.', '/') + '/' : '';
    const file = JAVA_NO_FILE.test(m[3]!) ? cls : pkg + m[3]!;
    return frame(file, int(m[4]), null, `${cls}.${m[2]}`);
  }
  if ((m = DOTNET.exec(l))) {
    const fn = m[1]!.slice(0, m[1]!.indexOf('('));
    return frame(m[2] ?? fn, int(m[3]), null, fn);
  }
  if (LEADING_SPACE.test(raw) && (m = GO_FILE.exec(l))) {
    const prev = prevLine !== undefined && prevLine.length <= MAX_FRAME_LINE ? GO_FUNC.exec(prevLine.trim()) : null;
    return frame(m[1]!, int(m[2]), null, prev ? prev[1]! : null);
  }
  return null;
}

export function parseStackTrace(text: string): StackFrame[] {
  if (typeof text !== 'string' || !text) return [];
  const lines = text.split(NEWLINE);
  const frames: StackFrame[] = [];
  const state = { python: false };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.length > MAX_FRAME_LINE) continue;
    const f = frameOf(raw.trim(), raw, lines[i - 1], state);
    if (f) frames.push(f);
  }
  // Python prints the innermost frame last; everything else prints it first.
  return state.python ? frames.reverse() : frames;
}

/** Lines of a stack trace beyond this are kept as one plain tail (a runaway trace stays cheap to show). */
export const MAX_LINKED_STACK_LINES = 400;

export interface StackTraceLine {
  text: string;
  /** The frame this line names, or null for a message or unrecognised line. */
  frame: StackFrame | null;
  /** A runtime or library frame (node_modules, site-packages…), not the user's own code. */
  library: boolean;
}

/** A stack trace line by line, each frame line with its location, so a view can link it to source. */
export function stackTraceLines(text: string): StackTraceLine[] {
  if (typeof text !== 'string' || !text) return [];
  const lines = text.split(NEWLINE);
  const state = { python: false };
  const out: StackTraceLine[] = [];
  for (let i = 0; i < lines.length && i < MAX_LINKED_STACK_LINES; i++) {
    const raw = lines[i]!;
    const f = raw.length > MAX_FRAME_LINE ? null : frameOf(raw.trim(), raw, lines[i - 1], state);
    out.push({ text: raw, frame: f, library: f !== null && isLibraryFrame(f) });
  }
  if (lines.length > MAX_LINKED_STACK_LINES) out.push({ text: lines.slice(MAX_LINKED_STACK_LINES).join('\n'), frame: null, library: false });
  return out;
}

function fileFromUrl(f: string): string {
  if (f.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(f).pathname);
    } catch {
      return f.slice('file://'.length);
    }
  }
  return f;
}

const LIBRARY_FILE = [
  /[\\/]node_modules[\\/]/, /^node:/, /^internal[\\/]/, /[\\/](site|dist)-packages[\\/]/, /^<frozen /, /^<.*>$/,
  /[\\/]lib[\\/]python\d(\.\d+)?[\\/]/, /(^|[\\/])runtime[\\/]/, /[\\/]go[\\/]src[\\/]/, /[\\/]pkg[\\/]mod[\\/]/,
  /^(java|javax|jdk|sun|kotlin|scala)\//, /^native$/, /^\[native code\]$/,
];
const LIBRARY_FUNCTION = [/^(java|javax|jdk|sun|kotlin|scala|kotlinx)\./, /^(System|Microsoft)\./, /^runtime\./];

export function isLibraryFrame(f: StackFrame): boolean {
  if (LIBRARY_FILE.some((re) => re.test(f.file))) return true;
  return f.function !== null && LIBRARY_FUNCTION.some((re) => re.test(f.function as string));
}

function firstUserFrame(text: string): StackFrame | null {
  return parseStackTrace(text).find((f) => !isLibraryFrame(f)) ?? null;
}

export function sourceFromSpan(span: RawSpan): SourceLocation | null {
  const fromAttrs = sourceFromAttributes(span.attributes);
  if (fromAttrs) return fromAttrs;
  const st = str(span.attributes, 'code.stacktrace');
  if (st) {
    const f = firstUserFrame(st);
    if (f) return { ...f, how: 'stackframe' };
  }
  for (const ev of span.events) {
    if (ev.name !== 'exception') continue;
    const est = str(ev.attributes, 'exception.stacktrace');
    const f = est ? firstUserFrame(est) : null;
    if (f) return { ...f, how: 'exception' };
  }
  return null;
}
