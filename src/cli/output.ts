// Writing the CLI's output safely: every byte reaches a pipe before the process exits, a reader
// that goes away (`| head -1`) ends the command quietly, and span content (untrusted) never
// reaches the terminal as control sequences.

/**
 * Characters a terminal may act on instead of printing: C0 controls (ESC starts OSC 52 clipboard
 * writes, title changes and CSI sequences; CR rewrites the line; BEL rings), DEL, C1 controls
 * (U+009B is a one-character CSI on terminals that honour C1), bidirectional overrides, isolates
 * and marks (they reorder what is shown), and the Unicode line/paragraph separators.
 */
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const TERMINAL_UNSAFE_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Span content as one line of terminal text: control characters become visible escapes (`\x1b`,
 * `\u202e`, `\n`). With keepLines, line feeds and tabs stay (for multi-line messages).
 */
export function terminalSafe(text: string, options: { keepLines?: boolean } = {}): string {
  return text.replace(options.keepLines ? TERMINAL_UNSAFE_KEEP_LINES : TERMINAL_UNSAFE, visible);
}

/** Characters JSON.stringify leaves raw that a terminal may still act on (it escapes C0 already). */
const JSON_RAW_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify, plus \uXXXX escapes for DEL, C1 controls and bidi controls. These characters
 * only occur inside string literals in JSON text, where the escape parses back to the same
 * string, so the document means exactly the same and is safe to print on a terminal.
 */
export function jsonForTerminal(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_RAW_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

type Stream = NodeJS.WriteStream;

/**
 * A reader that closes the pipe early (`agent-trace list --json | head -1`) makes the next write
 * fail with EPIPE. That is the reader's choice, not a failure: stop quietly with exit 0. Any other
 * write error on stdout is reported on stderr (exit 1).
 */
export function endQuietlyWhenReaderLeaves(stdout: Stream = process.stdout, exit: (code: number) => void = (c) => process.exit(c)): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return exit(0);
    try {
      process.stderr.write(`agent-trace: cannot write the output: ${err.code ?? err.message}\n`);
    } finally {
      exit(1);
    }
  });
}

/**
 * Exits with `code` once everything written so far has left the process. Writes to a pipe are
 * asynchronous: `process.exit` right after a large write keeps only what fit in the pipe
 * (64 KiB on Linux) and drops the rest. A write's callback runs after every earlier write on
 * the same stream has been handed to the OS, so an empty write per stream marks the point.
 */
export function exitWhenFlushed(code: number, streams: Stream[] = [process.stdout, process.stderr]): void {
  process.exitCode = code;
  let pending = streams.length;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const s of streams) {
    if (s.destroyed || s.writableEnded) done();
    else s.write('', () => done());
  }
}
