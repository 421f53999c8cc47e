// Every regular expression in the code that reads span content (normalizers, stack traces,
// recorded paths, model names, the OTLP readers, the receivers) is checked with `recheck` for
// super-linear backtracking, so a new vulnerable pattern fails here instead of freezing ingest.
// The patterns are found in the sources with the TypeScript parser (regex literals and
// `new RegExp('literal')`), so nothing has to remember to export them. The redaction detectors
// have their own audit.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { recheckPattern } from '../support/recheck';

const ROOT = path.resolve(__dirname, '../..');
const AUDITED = ['src/core', 'src/server/ingest.ts', 'src/server/httpReceiver.ts', 'src/server/grpcReceiver.ts', 'src/server/proxy'];
const EXCLUDED = ['src/core/redaction'];

function files(p: string): string[] {
  const abs = path.join(ROOT, p);
  if (EXCLUDED.some((e) => p.startsWith(e))) return [];
  if (statSync(abs).isDirectory()) return readdirSync(abs).flatMap((n) => files(`${p}/${n}`));
  return p.endsWith('.ts') ? [p] : [];
}

export interface FoundPattern { where: string; source: string; flags: string }

export function patternsIn(file: string): FoundPattern[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: FoundPattern[] = [];
  const where = (n: ts.Node): string => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const visit = (n: ts.Node): void => {
    if (ts.isRegularExpressionLiteral(n)) {
      const t = n.text;
      const end = t.lastIndexOf('/');
      out.push({ where: where(n), source: t.slice(1, end), flags: t.slice(end + 1) });
    } else if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && ts.isIdentifier(n.expression) && n.expression.text === 'RegExp') {
      const [src, flags] = n.arguments ?? [];
      // A pattern the user wrote (a sampling policy's regex) cannot be audited here; the code
      // must screen it at run time and say so with this marker on the line above.
      const lineAbove = text.split('\n')[sf.getLineAndCharacterOfPosition(n.getStart()).line - 1] ?? '';
      if (!(src && ts.isStringLiteralLike(src)) && /regex-audit: user pattern, screened at run time/.test(lineAbove)) {
        ts.forEachChild(n, visit);
        return;
      }
      assert.ok(src && ts.isStringLiteralLike(src), `${where(n)}: RegExp built from a non-literal cannot be audited`);
      out.push({ where: where(n), source: src.text, flags: flags && ts.isStringLiteralLike(flags) ? flags.text : '' });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/**
 * recheck's verdict on one pattern, or null when safe. Its fuzzing backend (used when a pattern's
 * automaton is too large, e.g. a UUID's counted repeats) once called a linear pattern polynomial on
 * a loaded machine, so a finding counts only when three random seeds agree, as the redaction audit
 * does; a truly vulnerable pattern is found by every seed.
 */
function auditVerdict(source: string, flags: string): string | null {
  const run = (randomSeed: number) => recheckPattern(source, flags, randomSeed);
  const first = run(0);
  if (first.status === 'safe') return null;
  const all = [first, run(1), run(2)];
  if (all.every((r) => r.status === 'vulnerable') && first.status === 'vulnerable') {
    return `${first.complexity.summary}, attack ${JSON.stringify(first.attack.pattern)}`;
  }
  if (all.every((r) => r.status === 'unknown') && first.status === 'unknown') return `recheck could not decide (${first.error.kind})`;
  return null;
}

describe('regex audit (recheck) of code that reads span content', function () {
  this.timeout(900_000); // a guard, not a measure
  const found = AUDITED.flatMap(files).flatMap(patternsIn);

  it('finds the patterns it audits', () => {
    assert.ok(found.length > 20, `only ${found.length} patterns found`);
    assert.ok(found.some((p) => p.where.startsWith('src/core/source.ts')));
  });

  it('no pattern backtracks super-linearly', () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    for (const p of found) {
      const key = `/${p.source}/${p.flags}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const problem = auditVerdict(p.source, p.flags);
      if (problem) bad.push(`${p.where} ${key}: ${problem}`);
    }
    assert.deepEqual(bad, []);
  });

  it('catches a known quadratic pattern (the old V8 frame pattern)', () => {
    assert.equal(recheckPattern(String.raw`^\s*at (?:async )?(.*?) \((.+?):(\d+)(?::(\d+))?\)\s*$`, '').status, 'vulnerable');
  });
});
