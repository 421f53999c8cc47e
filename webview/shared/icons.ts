// Kind icons as inline SVG (codicon-like, 16×16, currentColor): no icon font, no network.
// These templates hold only constant markup, never span data.
import { svg, type SVGTemplateResult } from 'lit';
import type { StepKindDto } from '../../src/protocol/dto';

const frame = (body: SVGTemplateResult) =>
  svg`<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">${body}</svg>`;

const paths: Record<StepKindDto, SVGTemplateResult> = {
  // person with a spark: the agent
  agent: svg`<circle cx="8" cy="5" r="2.5" fill="none" stroke="currentColor"/><path d="M3 14c0-3 2.2-4.5 5-4.5s5 1.5 5 4.5" fill="none" stroke="currentColor"/>`,
  // speech bubble with sparkle: a model call
  llm: svg`<path d="M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z" fill="none" stroke="currentColor" stroke-linejoin="round"/><path d="M8 5v3M6.5 6.5h3" stroke="currentColor"/>`,
  // wrench: a tool call
  tool: svg`<path d="M10.5 2.5a3 3 0 0 0-2.8 4L2.8 11.4a1.2 1.2 0 0 0 1.8 1.8l4.9-4.9a3 3 0 0 0 4-2.8l-1.8 1.1-1.6-.6-.4-1.7z" fill="none" stroke="currentColor" stroke-linejoin="round"/>`,
  // magnifier over a page: retrieval
  retriever: svg`<path d="M3 2.5h6l2 2v3" fill="none" stroke="currentColor"/><path d="M3 2.5v11h4" fill="none" stroke="currentColor"/><circle cx="10.5" cy="10.5" r="2.2" fill="none" stroke="currentColor"/><path d="M12.2 12.2l2 2" stroke="currentColor"/>`,
  // dots in a grid: an embedding
  embedding: svg`<circle cx="4" cy="4" r="1.3" fill="currentColor"/><circle cx="12" cy="4" r="1.3" fill="currentColor"/><circle cx="8" cy="8" r="1.3" fill="currentColor"/><circle cx="4" cy="12" r="1.3" fill="currentColor"/><circle cx="12" cy="12" r="1.3" fill="currentColor"/>`,
  // connected boxes: a workflow
  workflow: svg`<rect x="1.5" y="2.5" width="5" height="4" fill="none" stroke="currentColor"/><rect x="9.5" y="9.5" width="5" height="4" fill="none" stroke="currentColor"/><path d="M4 6.5v5h5.5" fill="none" stroke="currentColor"/>`,
  // shield: a guardrail
  guardrail: svg`<path d="M8 1.8l5 2v4c0 3-2.2 5.2-5 6.4-2.8-1.2-5-3.4-5-6.4v-4z" fill="none" stroke="currentColor" stroke-linejoin="round"/>`,
  // plain circle: anything else
  other: svg`<circle cx="8" cy="8" r="4.5" fill="none" stroke="currentColor"/>`,
};

export function kindIcon(kind: StepKindDto): SVGTemplateResult {
  return frame(paths[kind] ?? paths.other);
}

export const chevronRight = frame(svg`<path d="M6 4l4 4-4 4" fill="none" stroke="currentColor" stroke-width="1.3"/>`);
export const chevronDown = frame(svg`<path d="M4 6l4 4 4-4" fill="none" stroke="currentColor" stroke-width="1.3"/>`);
export const errorIcon = frame(svg`<circle cx="8" cy="8" r="6" fill="none" stroke="currentColor"/><path d="M5.8 5.8l4.4 4.4M10.2 5.8l-4.4 4.4" stroke="currentColor"/>`);
export const orphanIcon = frame(svg`<path d="M6 3.5h-2.5v9h9v-2.5" fill="none" stroke="currentColor"/><path d="M9 2.5h4.5v4.5M13.5 2.5l-6 6" fill="none" stroke="currentColor"/>`);
export const fileIcon = frame(svg`<path d="M3.5 1.5h6l3 3v10h-9z" fill="none" stroke="currentColor" stroke-linejoin="round"/><path d="M9.5 1.5v3h3" fill="none" stroke="currentColor"/>`);

/** Theme colour (CSS variable) for each kind, used by icons and waterfall bars. */
export const kindColorVar: Record<StepKindDto, string> = {
  agent: 'var(--vscode-charts-purple, #b180d7)',
  llm: 'var(--vscode-charts-blue, #3794ff)',
  tool: 'var(--vscode-charts-green, #89d185)',
  retriever: 'var(--vscode-charts-orange, #d18616)',
  embedding: 'var(--vscode-charts-yellow, #cca700)',
  workflow: 'var(--vscode-charts-foreground, #cccccc)',
  guardrail: 'var(--vscode-charts-yellow, #cca700)',
  other: 'var(--vscode-descriptionForeground, #999999)',
};

export const kindLabel: Record<StepKindDto, string> = {
  agent: 'Agent',
  llm: 'Model call',
  tool: 'Tool call',
  retriever: 'Retrieval',
  embedding: 'Embedding',
  workflow: 'Workflow',
  guardrail: 'Guardrail',
  other: 'Step',
};
