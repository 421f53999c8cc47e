// An OpenTelemetry JS SpanProcessor that records where in the user's code each span was
// started. Most GenAI SDKs record no source location; this stamps the OTel `code.*`
// attributes from the first stack frame that is not library code, so Agent Trace can link
// a step to the line that produced it.
//
// Shipped to users as a single file: it depends only on `@opentelemetry/api` types and
// `node:url`, and is typed structurally so it plugs into `@opentelemetry/sdk-trace` 3.x
// (`new TracerProvider({ spanProcessors: [...] })`) and `@opentelemetry/sdk-trace-base` /
// `sdk-trace-node` 2.x alike.
//
// Cost: one bounded stack capture per started span, read as V8 CallSites (Node's own stack
// text formatting is the expensive part, so it is skipped); only candidate frames of files
// with a source map (tsx, --enable-source-maps, bundles) are mapped back to the original
// line. Measure with `node --import tsx scripts/benchSourceLocation.ts`. When another library
// installed Error.prepareStackTrace (source-map-support), the stack text is parsed instead so
// that its mapping applies.
import type { Context } from '@opentelemetry/api';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

/** Current OTel semantic convention names (code.* attributes, semconv 1.33+). */
export const CODE_FILE_PATH = 'code.file.path';
export const CODE_LINE_NUMBER = 'code.line.number';
export const CODE_COLUMN_NUMBER = 'code.column.number';
export const CODE_FUNCTION_NAME = 'code.function.name';
/** Deprecated names: a span that already has one of these keeps its own location. */
const LEGACY_FILE_KEYS = ['code.filepath'];

export type PathPredicate = RegExp | ((file: string) => boolean);

export interface SourceLocationOptions {
  /** Only frames whose file matches are eligible (after the library-frame filter). */
  include?: PathPredicate;
  /** Frames whose file matches are skipped, in addition to the library frames. */
  exclude?: PathPredicate;
  /**
   * When set, files under this folder are recorded relative to it with `/` separators (portable
   * across machines and containers; Agent Trace resolves them against the workspace folders).
   * Unset (the default): absolute paths.
   */
  root?: string;
  /**
   * Most frames ever captured; bounds the cost of deep stacks. Default 32. The processor first
   * captures 10 frames (enough for the SDK plus a wrapper or two) and only when none of them is
   * user code captures up to this many: stack capture costs roughly linear in frames.
   */
  stackTraceLimit?: number;
}

export interface CallerFrame {
  file: string;
  line: number;
  column: number;
  function: string | null;
}

/** The slice of an SDK span that onStart needs; both SDK 2.x and 3.x spans have it. */
interface StartedSpan {
  readonly attributes: Readonly<Record<string, unknown>>;
  setAttribute(key: string, value: string | number): unknown;
}

// "    at fn (file:line:col)" | "    at file:line:col" | "    at async fn (file:line:col)"
const FRAME_RE = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?\s*$/;

const FIRST_PASS_FRAMES = 10;

const LIBRARY_PATH_RE = /[\\/](?:node_modules|@opentelemetry)[\\/]/;

function normalizeFile(location: string): string | null {
  if (location.startsWith('file://')) {
    try {
      return fileURLToPath(location);
    } catch {
      return null;
    }
  }
  return location;
}

function cleanFunctionName(raw: string | undefined): string | null {
  if (!raw) return null;
  let name = raw.replace(/^async /, '').replace(/ \[as [^\]]+\]$/, '');
  if (name === '<anonymous>' || name === 'Object.<anonymous>') return null;
  if (name.startsWith('Object.')) name = name.slice('Object.'.length);
  return name || null;
}

/** Parses V8 stack text into frames, dropping frames without a file position (native, eval). */
export function parseStackFrames(stack: string): CallerFrame[] {
  const frames: CallerFrame[] = [];
  for (const text of stack.split('\n')) {
    const m = FRAME_RE.exec(text);
    if (!m) continue;
    const location = m[2];
    if (location.includes('eval at') || location.startsWith('<')) continue;
    const file = normalizeFile(location);
    if (!file) continue;
    frames.push({ file, line: Number(m[3]), column: Number(m[4]), function: cleanFunctionName(m[1]) });
  }
  return frames;
}

function matches(predicate: PathPredicate, file: string): boolean {
  return typeof predicate === 'function' ? predicate(file) : predicate.test(file);
}

/** Library code: node_modules, Node internals, the OTel SDK, anything without a real path. */
export function isLibraryFrame(file: string): boolean {
  if (file.startsWith('node:') || file.startsWith('internal/')) return true;
  if (!file.includes('/') && !file.includes('\\')) return true;
  return LIBRARY_PATH_RE.test(file);
}

/** The first frame that is user code under the options, or null. */
export function pickCallerFrame(frames: CallerFrame[], options: SourceLocationOptions = {}): CallerFrame | null {
  for (const frame of frames) {
    if (isLibraryFrame(frame.file)) continue;
    if (options.include && !matches(options.include, frame.file)) continue;
    if (options.exclude && matches(options.exclude, frame.file)) continue;
    return frame;
  }
  return null;
}

/** Path as recorded: relative to `root` when inside it, else unchanged. */
export function relativeToRoot(file: string, root: string | undefined): string {
  if (!root) return file;
  const base = root.replace(/[\\/]+$/, '');
  if (file.length > base.length && file.startsWith(base) && (file[base.length] === '/' || file[base.length] === '\\')) {
    return file.slice(base.length + 1).replace(/\\/g, '/');
  }
  return file;
}

export class SourceLocationSpanProcessor {
  private readonly options: SourceLocationOptions;
  private readonly limit: number;

  constructor(options: SourceLocationOptions = {}) {
    this.options = options;
    this.limit = Math.max(1, Math.floor(options.stackTraceLimit ?? 32));
  }

  onStart(span: StartedSpan, _parentContext?: Context): void {
    try {
      const attrs = span.attributes;
      if (attrs[CODE_FILE_PATH] !== undefined || LEGACY_FILE_KEYS.some((k) => attrs[k] !== undefined)) return;
      const frame = this.capture();
      if (!frame) return;
      span.setAttribute(CODE_FILE_PATH, relativeToRoot(frame.file, this.options.root));
      span.setAttribute(CODE_LINE_NUMBER, frame.line);
      span.setAttribute(CODE_COLUMN_NUMBER, frame.column);
      if (frame.function && attrs[CODE_FUNCTION_NAME] === undefined) span.setAttribute(CODE_FUNCTION_NAME, frame.function);
    } catch {
      // A processor must never break the traced program.
    }
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private capture(): CallerFrame | null {
    const first = Math.min(FIRST_PASS_FRAMES, this.limit);
    const pass = this.pass(first);
    // A stack shorter than the limit was complete: a deeper capture would find nothing more.
    if (pass.found || pass.depth < first || first === this.limit) return pass.found;
    return this.pass(this.limit).found;
  }

  private pass(limit: number): { found: CallerFrame | null; depth: number } {
    // Node's own default formatter is named ErrorPrepareStackTrace; any other was installed by a library.
    const current = Error.prepareStackTrace;
    const foreignFormatter = current !== undefined && current.name !== 'ErrorPrepareStackTrace';
    const holder: { stack?: unknown } = {};
    const previousLimit = Error.stackTraceLimit;
    const previousPrepare = Error.prepareStackTrace;
    Error.stackTraceLimit = limit;
    if (!foreignFormatter) Error.prepareStackTrace = structuredStack;
    try {
      // Cuts this processor's frames (onStart and above) even when it is bundled.
      Error.captureStackTrace(holder, this.onStart);
      // The stack is formatted lazily, on first read: read it while our formatter is set.
      void holder.stack;
    } finally {
      Error.stackTraceLimit = previousLimit;
      if (!foreignFormatter) Error.prepareStackTrace = previousPrepare;
    }
    if (Array.isArray(holder.stack)) {
      const sites = holder.stack as NodeJS.CallSite[];
      return { found: pickCallSite(sites, this.options), depth: sites.length };
    }
    const text = typeof holder.stack === 'string' ? holder.stack : '';
    return { found: pickCallerFrame(parseStackFrames(text), this.options), depth: text.split('\n    at ').length - 1 };
  }
}

const structuredStack = (_error: Error, sites: NodeJS.CallSite[]): NodeJS.CallSite[] => sites;

interface MappedPosition {
  file: string;
  line: number;
  column: number;
}

type SourceMapLike = {
  findOrigin?: (line: number, column: number) => { fileName?: string; lineNumber?: number; columnNumber?: number };
  findEntry: (line: number, column: number) => { originalSource?: string; originalLine?: number; originalColumn?: number };
};

/** The original position of a generated one, when Node knows a source map for the file. */
function mapPosition(file: string, line: number, column: number): MappedPosition | null {
  const find = (nodeModule as { findSourceMap?: (path: string) => SourceMapLike | undefined }).findSourceMap;
  if (!find) return null;
  const map = find(file);
  if (!map) return null;
  if (map.findOrigin) {
    const o = map.findOrigin(line, column);
    if (o.fileName && o.lineNumber) return { file: normalizeFile(o.fileName) ?? o.fileName, line: o.lineNumber, column: o.columnNumber ?? column };
    return null;
  }
  const e = map.findEntry(line - 1, column - 1);
  if (e.originalSource && e.originalLine !== undefined) {
    return { file: normalizeFile(e.originalSource) ?? e.originalSource, line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
  }
  return null;
}

function pickCallSite(sites: NodeJS.CallSite[], options: SourceLocationOptions): CallerFrame | null {
  for (const site of sites) {
    const raw = site.getFileName();
    const line = site.getLineNumber();
    if (!raw || !line || site.isEval() || site.isNative()) continue;
    const generated = normalizeFile(raw);
    if (!generated || isLibraryFrame(generated)) continue;
    const column = site.getColumnNumber() ?? 1;
    const mapped = mapPosition(raw, line, column);
    const frame: CallerFrame = {
      file: mapped?.file ?? generated,
      line: mapped?.line ?? line,
      column: mapped?.column ?? column,
      function: cleanFunctionName(site.getFunctionName() ?? undefined),
    };
    if (isLibraryFrame(frame.file)) continue;
    if (options.include && !matches(options.include, frame.file)) continue;
    if (options.exclude && matches(options.exclude, frame.file)) continue;
    return frame;
  }
  return null;
}

/** `spanProcessors: [sourceLocationProcessor()]` */
export function sourceLocationProcessor(options: SourceLocationOptions = {}): SourceLocationSpanProcessor {
  return new SourceLocationSpanProcessor(options);
}
