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

// Node/V8: "at fn (file:1:2)", "at file:1:2", "at async fn (file:///x.mjs:1:2)"
const V8_PAREN = /^\s*at (?:async )?(.*?) \((.+?):(\d+)(?::(\d+))?\)\s*$/;
const V8_BARE = /^\s*at (?:async )?([^\s()]+?):(\d+)(?::(\d+))?\s*$/;
// Python: File "x.py", line 12, in fn
const PY = /^\s*File "(.+)", line (\d+)(?:, in (.+))?\s*$/;
// Java: at com.x.Y.m(Y.java:42) / at java.base/java.lang.Thread.run(Thread.java:1)
const JAVA = /^\s*at (?:[\w.$-]+\/)?([\w$.<>\-]+)\.([\w$<>\-]+)\(([^():]+?)(?::(\d+))?\)\s*$/;
// .NET: at Ns.Type.Method(Args) in C:\x\File.cs:line 42
const DOTNET = /^\s*at ([^\s(]+\(.*?\))(?: in (.+):line (\d+))?\s*$/;
// Go: function line, then "\t/path/file.go:12 +0x1d"
const GO_FILE = /^\s+(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$/;
const GO_FUNC = /^(?:created by )?([\w./*()\-]+?)(?:\(.*\))?(?: in goroutine \d+)?\s*$/;

export function parseStackTrace(text: string): StackFrame[] {
  if (typeof text !== 'string' || !text) return [];
  const lines = text.split(/\r?\n/);
  const frames: StackFrame[] = [];
  let python = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let m: RegExpExecArray | null;
    if ((m = PY.exec(l))) {
      python = true;
      frames.push(frame(m[1], int(m[2]), null, m[3]?.trim() ?? null));
    } else if ((m = V8_PAREN.exec(l)) && !/\.(java|kt|scala|groovy)$/.test(m[2]) && /:\d+/.test(`${m[2]}:${m[3]}`) && !/ in .+:line \d+/.test(l)) {
      frames.push(frame(fileFromUrl(m[2]), int(m[3]), int(m[4]), m[1] || null));
    } else if ((m = V8_BARE.exec(l))) {
      frames.push(frame(fileFromUrl(m[1]), int(m[2]), int(m[3]), null));
    } else if ((m = JAVA.exec(l)) && /\.(java|kt|scala|groovy|clj)$|^(Native Method|Unknown Source)$/.test(m[3])) {
      const cls = m[1];
      const pkg = cls.includes('.') ? cls.slice(0, cls.lastIndexOf('.')).replace(/\./g, '/') + '/' : '';
      const file = /^(Native Method|Unknown Source)$/.test(m[3]) ? cls : pkg + m[3];
      frames.push(frame(file, int(m[4]), null, `${cls}.${m[2]}`));
    } else if ((m = DOTNET.exec(l))) {
      const fn = m[1].replace(/\(.*\)$/, '');
      frames.push(frame(m[2] ?? fn, int(m[3]), null, fn));
    } else if ((m = GO_FILE.exec(l))) {
      const prev = i > 0 ? GO_FUNC.exec(lines[i - 1].trim()) : null;
      frames.push(frame(m[1], int(m[2]), null, prev ? prev[1] : null));
    }
  }
  // Python prints the innermost frame last; everything else prints it first.
  return python ? frames.reverse() : frames;
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
