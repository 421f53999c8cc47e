// Trace panel layout. Row height must match ROW_HEIGHT in traceApp.ts.
import { css } from 'lit';

export const traceStyles = css`
  agent-trace-app {
    display: block;
    height: 100vh;
  }
  .trace-app {
    display: flex;
    flex-direction: column;
    height: 100%;
  }
  .trace-header {
    padding: 8px 12px 6px;
    border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
    flex: none;
  }
  .title-row {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .spacer {
    flex: 1;
  }
  .trace-name {
    font-size: 14px;
    font-weight: 600;
    margin: 0;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .stats {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 18px;
    margin: 6px 0 0;
  }
  .stats div {
    display: flex;
    gap: 6px;
  }
  .stats dt {
    color: var(--vscode-descriptionForeground);
  }
  .stats dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
  .warnings {
    margin-top: 4px;
    color: var(--vscode-editorWarning-foreground, var(--vscode-foreground));
  }
  .banner {
    padding: 4px 12px;
    background: var(--vscode-inputValidation-errorBackground, transparent);
  }
  .split {
    flex: 1;
    min-height: 0;
  }
  .tree-pane,
  .detail-pane {
    height: 100%;
    display: flex;
    flex-direction: column;
    min-width: 0;
  }
  .detail-pane {
    overflow: auto;
  }
  .toolbar {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 6px 8px;
  }
  .toolbar .search {
    flex: 1;
  }
  .tree-columns,
  .row {
    display: grid;
    grid-template-columns: minmax(120px, 1fr) 62px 52px 92px minmax(80px, 28%);
    align-items: center;
  }
  .tree-columns {
    font-size: 11px;
    color: var(--vscode-descriptionForeground);
    padding: 2px 0;
    border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
  }
  .tree-columns span {
    padding: 0 6px;
  }
  .num {
    text-align: right;
  }
  .tree-scroll {
    flex: 1;
    min-height: 0;
    overflow: auto;
    position: relative;
    contain: strict;
  }
  .tree-scroll:focus {
    outline: none;
  }
  .tree-spacer {
    position: relative;
    width: 100%;
  }
  .row {
    position: absolute;
    top: 0;
    left: 0;
    width: 100%;
    height: 22px;
    line-height: 22px;
    cursor: default;
    white-space: nowrap;
    box-sizing: border-box;
  }
  .row.context-row .label {
    opacity: 0.7;
  }
  .cell {
    overflow: hidden;
    text-overflow: ellipsis;
    padding: 0 6px;
    font-variant-numeric: tabular-nums;
  }
  .cell.name {
    display: flex;
    align-items: center;
    gap: 4px;
    min-width: 0;
  }
  .cell.name .label {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .cell.name .detail {
    overflow: hidden;
    text-overflow: ellipsis;
    font-size: 11px;
  }
  .twisty {
    width: 16px;
    flex: none;
    display: inline-flex;
  }
  .kind,
  .mark {
    display: inline-flex;
    flex: none;
  }
  .mark.duplicate {
    font-size: 0.85em;
    font-style: italic;
  }
  .timeline {
    position: relative;
    height: 100%;
    border-left: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
  }
  .bar {
    position: absolute;
    top: 6px;
    height: 10px;
    min-width: 2px;
    border-radius: 2px;
    opacity: 0.85;
  }
  .row.is-error .label {
    color: var(--vscode-errorForeground);
  }
  /* detail pane */
  .span-detail {
    padding: 8px 12px 24px;
  }
  .detail-head {
    display: flex;
    align-items: center;
    gap: 6px;
  }
  .span-name {
    font-size: 14px;
    margin: 0;
    word-break: break-word;
  }
  .detail-meta {
    display: flex;
    flex-wrap: wrap;
    gap: 2px 12px;
    margin: 4px 0 8px;
  }
  .source-row {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    margin-bottom: 8px;
  }
  .detail-tabs vscode-tab-panel {
    padding: 8px 2px;
  }
  .code-head {
    display: flex;
    align-items: center;
    justify-content: space-between;
  }
  .chat {
    display: flex;
    flex-direction: column;
    gap: 8px;
    margin-top: 8px;
  }
  .bubble {
    border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent));
    border-radius: 6px;
    padding: 6px 10px;
    max-width: 92%;
    background: var(--vscode-editorWidget-background, transparent);
  }
  .bubble.role-user {
    align-self: flex-end;
    background: var(--vscode-textBlockQuote-background, transparent);
  }
  .bubble.role-system {
    opacity: 0.9;
    border-style: dashed;
  }
  .bubble.role-tool {
    border-left: 3px solid var(--vscode-charts-green, #89d185);
  }
  .bubble.role-assistant {
    border-left: 3px solid var(--vscode-charts-blue, #3794ff);
  }
  .bubble-role {
    font-size: 11px;
    font-weight: 600;
    text-transform: lowercase;
    margin-bottom: 2px;
    display: flex;
    gap: 6px;
  }
  .bubble-role .direction {
    margin-left: auto;
    font-weight: normal;
  }
  .bubble-text {
    white-space: pre-wrap;
    word-break: break-word;
  }
  .tool-call {
    margin-top: 6px;
  }
  .tool-call-head {
    font-size: 12px;
    margin-bottom: 2px;
  }
  .cost-value {
    font-size: 14px;
    font-weight: 600;
  }
  .attr-filter {
    width: 100%;
  }
  .event {
    margin: 6px 0 2px;
  }
  /* A step that reports an error level without failing (a Logfire error log): a warning, not a failure. */
  vscode-badge.status-warning {
    --vscode-badge-background: var(--vscode-editorWarning-foreground);
    --vscode-badge-foreground: var(--vscode-editor-background);
  }
  .errors-jump {
    background: none;
    border: none;
    padding: 0;
    font: inherit;
    cursor: pointer;
    text-decoration: underline;
  }
  .errors-jump:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
  }
`;
