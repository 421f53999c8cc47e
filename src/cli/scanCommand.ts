// `agent-trace scan`: scan stored spans for secrets and personal data under the workspace
// policy, print a table or JSON, and exit non-zero so CI can fail on leaks.
// Exit codes: 0 clean, 1 findings in a --fail-on category, 2 bad usage or policy errors.

import type { FindingCategory, RedactionReportDto } from '../protocol/redaction';
import { parsePolicy } from '../core/redaction/policy';
import { scanSpans, type ScannableSpan } from '../core/redaction/apply';
import { redactionPolicyProblems } from '../server/redactionService';
import { jsonForTerminal, terminalSafe } from './output';

export interface ScanCommandOptions {
  spans: readonly ScannableSpan[];
  /** Text of .agent-trace/redaction.json, or null for the default policy. */
  policyText: string | null;
  /** Findings in these categories (other than those the policy keeps on purpose) make the exit code 1. */
  failOn: string[];
  json: boolean;
  out: (s: string) => void;
  /** Shown in the report, e.g. the policy file path. */
  policySource?: string;
}

const CATEGORIES: readonly FindingCategory[] = ['secret', 'pii', 'person', 'health'];

/** A table cell: span content escaped for the terminal, cut or padded to n characters. */
function pad(raw: string, n: number): string {
  const s = terminalSafe(raw);
  const t = s.length > n ? s.slice(0, n - 1) + '…' : s;
  return t + ' '.repeat(n - t.length);
}

export function renderReportTable(r: RedactionReportDto): string {
  const lines: string[] = [];
  lines.push(`Scanned ${r.spansScanned} span(s), ${(r.bytesScanned / 1024).toFixed(1)} KiB of attribute text (policy: ${terminalSafe(r.policySource)}).`);
  for (const e of r.policyErrors) lines.push(`policy error: ${terminalSafe(e)}`);
  if (!r.findings.length) {
    lines.push('No secrets or personal data found.');
  } else {
    lines.push('');
    lines.push([pad('CATEGORY', 8), pad('TYPE', 18), pad('SERVICE', 16), pad('SPAN', 20), pad('WHERE', 44), pad('VALUE', 12), 'ACTION'].join(' '));
    for (const f of r.findings) {
      const where = (f.location === 'attributes' ? '' : f.location + ':') + f.path;
      lines.push([pad(f.category, 8), pad(f.type, 18), pad(f.service, 16), pad(f.spanName, 20), pad(where, 44), pad(f.maskedPreview, 12), terminalSafe(f.action)].join(' '));
    }
    lines.push('');
    const counts = Object.entries(r.countsByType).map(([k, v]) => `${terminalSafe(k)} ${v}`).join(', ');
    lines.push(`${r.findings.length} finding(s): ${counts}.`);
  }
  lines.push(`What ships: ${r.ships.kept} attribute value(s) unchanged, ${r.ships.masked} masked or hashed, ${r.ships.dropped} dropped.`);
  return lines.join('\n');
}

export function runScan(opts: ScanCommandOptions): number {
  const badFailOn = opts.failOn.filter((c) => !CATEGORIES.includes(c as FindingCategory));
  if (badFailOn.length) {
    opts.out(`error: --fail-on accepts ${CATEGORIES.join(', ')}; got ${terminalSafe(badFailOn.join(', '))}`);
    return 2;
  }
  const { policy } = parsePolicy(opts.policyText);
  const errors = redactionPolicyProblems(opts.policyText);
  const report = scanSpans(opts.spans, policy, {
    policySource: opts.policySource ?? (opts.policyText === null ? 'default' : 'workspace'),
    policyErrors: errors,
  });
  opts.out(opts.json ? jsonForTerminal(report, 2) : renderReportTable(report));
  if (errors.length) return 2;
  const failing = report.findings.filter((f) => opts.failOn.includes(f.category) && f.action !== 'keep');
  return failing.length ? 1 : 0;
}
