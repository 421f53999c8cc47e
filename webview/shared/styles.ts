// Document-level styles, adopted as a constructed stylesheet (no <style> element, so the host's
// CSP needs no 'unsafe-inline'). Colours come only from VS Code's theme variables.
import { css, type CSSResult } from 'lit';

export const baseStyles = css`
  html,
  body {
    height: 100%;
    margin: 0;
    padding: 0;
    overflow: hidden;
  }
  body {
    color: var(--vscode-foreground);
    background: var(--vscode-editor-background);
    font-family: var(--vscode-font-family, system-ui, sans-serif);
    font-size: var(--vscode-font-size, 13px);
    font-weight: var(--vscode-font-weight, normal);
  }
  :focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: -1px;
  }
  /* Rows of a list (step tree, findings), drawn like VS Code's own lists. High-contrast themes
     mark hover and selection with outlines: their contrast variables exist only there. */
  .list-item:hover {
    background: var(--vscode-list-hoverBackground);
    outline: 1px dashed var(--vscode-contrastActiveBorder, transparent);
    outline-offset: -1px;
  }
  .list-item.selected {
    background: var(--vscode-list-inactiveSelectionBackground);
    color: var(--vscode-list-inactiveSelectionForeground, inherit);
    outline: 1px solid var(--vscode-contrastActiveBorder, transparent);
    outline-offset: -1px;
  }
  .list:focus .list-item.selected {
    background: var(--vscode-list-activeSelectionBackground);
    color: var(--vscode-list-activeSelectionForeground, inherit);
  }
  .list:focus-visible .list-item.selected {
    outline: 1px solid var(--vscode-list-focusOutline, var(--vscode-focusBorder));
  }
  .icon {
    display: inline-block;
    flex: none;
    vertical-align: middle;
  }
  .muted {
    color: var(--vscode-descriptionForeground);
  }
  .error-text {
    color: var(--vscode-errorForeground);
  }
  .mono,
  pre {
    font-family: var(--vscode-editor-font-family, ui-monospace, monospace);
    font-size: var(--vscode-editor-font-size, 12px);
  }
  pre {
    margin: 0;
    white-space: pre-wrap;
    word-break: break-word;
    padding: 6px 8px;
    background: var(--vscode-textCodeBlock-background);
    border-radius: 3px;
    max-height: 480px;
    overflow: auto;
  }
  mark {
    background: var(--vscode-editor-findMatchHighlightBackground, rgba(234, 92, 0, 0.33));
    color: inherit;
    outline: 1px solid var(--vscode-editor-findMatchHighlightBorder, transparent);
  }
  .empty {
    padding: 16px;
    color: var(--vscode-descriptionForeground);
  }
  table.kv {
    border-collapse: collapse;
    width: 100%;
    table-layout: fixed;
  }
  table.kv th,
  table.kv td {
    text-align: left;
    vertical-align: top;
    padding: 3px 6px;
    border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent));
  }
  table.kv th {
    font-weight: 600;
    color: var(--vscode-descriptionForeground);
  }
  table.kv td.key {
    width: 35%;
    word-break: break-all;
    font-family: var(--vscode-editor-font-family, ui-monospace, monospace);
  }
  table.kv td pre {
    padding: 0;
    background: none;
    max-height: 240px;
  }
  h2.section {
    font-size: 11px;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    font-weight: 600;
    color: var(--vscode-descriptionForeground);
    margin: 14px 0 6px;
  }
  .badge-live {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 0 6px;
    border-radius: 8px;
    font-size: 11px;
    background: var(--vscode-badge-background);
    color: var(--vscode-badge-foreground);
  }
  .badge-live::before {
    content: '';
    width: 6px;
    height: 6px;
    border-radius: 50%;
    background: var(--vscode-charts-green, #89d185);
    animation: pulse 1.2s ease-in-out infinite;
  }
  @keyframes pulse {
    50% {
      opacity: 0.3;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .badge-live::before {
      animation: none;
    }
  }
`;

export function adoptDocumentStyles(...sheets: CSSResult[]): void {
  const constructed = sheets.map((s) => s.styleSheet).filter((s): s is CSSStyleSheet => !!s);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, ...constructed];
}
