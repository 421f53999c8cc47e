// Sampling lab layout. Row height must match ROW_HEIGHT in samplingApp.ts. Colours only from the
// theme (kept: charts green, dropped: errors red), so high-contrast themes draw it too.
import { css } from 'lit';
import { linkButtonStyles, toolbarStyles } from '../shared/panelStyles';

export const samplingStyles = css`
  agent-sampling-app {
    display: block;
    height: 100vh;
    overflow: auto;
  }
  .lab {
    padding: 8px 14px 24px;
  }
  ${toolbarStyles}
  input.head {
    width: 6em;
  }
  input.invalid {
    border-color: var(--vscode-inputValidation-errorBorder);
  }
  .policy-path {
    font-family: var(--vscode-editor-font-family, monospace);
  }
  ${linkButtonStyles}
  .verdict {
    font-size: 14px;
    font-weight: 600;
    margin: 8px 0;
  }
  .stale .verdict,
  .stale .groups,
  .stale .rows {
    opacity: 0.6;
  }
  .stale-note,
  .errors {
    color: var(--vscode-errorForeground);
    margin: 6px 0;
  }
  .errors li {
    list-style: none;
  }
  h2 {
    font-size: 13px;
    font-weight: 600;
    margin: 16px 0 6px;
    text-transform: uppercase;
    opacity: 0.8;
  }
  table {
    border-collapse: collapse;
  }
  td,
  th {
    padding: 2px 12px 2px 0;
    text-align: left;
    vertical-align: top;
  }
  .lost {
    color: var(--vscode-errorForeground);
  }
  .badge {
    display: inline-block;
    padding: 0 6px;
    border-radius: 8px;
    font-size: 11px;
    background: var(--vscode-badge-background);
    color: var(--vscode-badge-foreground);
  }
  .status-approximate,
  .status-not_simulated {
    background: var(--vscode-inputValidation-warningBackground, var(--vscode-badge-background));
  }
  .filters {
    display: flex;
    gap: 6px;
    margin: 4px 0;
  }
  .filters button[aria-pressed='true'] {
    font-weight: 600;
    text-decoration: underline;
  }
  .rows {
    height: 45vh;
    min-height: 160px;
    overflow: auto;
    position: relative;
    contain: strict;
    border: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
  }
  .rows-spacer {
    position: relative;
  }
  .trace-row {
    position: absolute;
    left: 0;
    right: 0;
    top: 0;
    height: 26px;
    box-sizing: border-box;
    display: flex;
    gap: 10px;
    align-items: center;
    padding: 0 8px;
    white-space: nowrap;
    overflow: hidden;
    cursor: pointer;
  }
  .trace-row .name {
    flex: 1;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .decision-kept {
    color: var(--vscode-charts-green, var(--vscode-foreground));
    font-weight: 600;
    width: 5.5em;
  }
  .decision-dropped {
    color: var(--vscode-errorForeground);
    font-weight: 600;
    width: 5.5em;
  }
  .health-item {
    margin: 6px 0 10px;
  }
  .health-item .why {
    opacity: 0.8;
  }
  .health-item.ok .title::before {
    content: '✓ ';
  }
  .examples {
    margin: 2px 0 0 16px;
    padding: 0;
  }
  .examples li {
    list-style: none;
  }
  .muted {
    opacity: 0.7;
  }
`;
