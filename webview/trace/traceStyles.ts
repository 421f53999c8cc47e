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
  .checks-list ul,
  .step-evaluations,
  .step-checks {
    margin: 4px 0;
    padding-left: 18px;
    list-style: none;
  }
  .check-result {
    display: flex;
    gap: 6px;
    align-items: baseline;
    flex-wrap: wrap;
  }
  .go-to-step {
    background: none;
    border: none;
    padding: 0;
    font: inherit;
    color: var(--vscode-textLink-foreground);
    cursor: pointer;
  }
  .mark.check-failed {
    font-size: 0.85em;
  }
  .step-evaluations .evaluation {
    display: flex;
    gap: 6px;
    align-items: baseline;
    flex-wrap: wrap;
  }
  /* Replay and resend problems on a step (issue 10): a warning, with the message as plain text. */
  .warning-text {
    color: var(--vscode-editorWarning-foreground, var(--vscode-foreground));
  }
  .mark.replay-problem {
    font-size: 0.85em;
  }
  .step-problems {
    margin: 6px 0;
    padding: 4px 8px;
    border-left: 3px solid var(--vscode-editorWarning-foreground, var(--vscode-focusBorder));
  }
  .step-problems .problem-title {
    color: var(--vscode-editorWarning-foreground, var(--vscode-foreground));
    font-weight: 600;
  }
  .step-problems ul {
    margin: 2px 0 4px;
    padding-left: 18px;
  }
  .step-problems .problem-kind {
    color: var(--vscode-descriptionForeground);
  }
  .step-problems .problem-message {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
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
  .split.stacked .detail-pane {
    border-top: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
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
  .tree-pane {
    container-type: inline-size;
    container-name: steps;
  }
  .tree-columns,
  .row {
    display: grid;
    grid-template-columns: minmax(160px, 1fr) 60px 58px 98px minmax(60px, var(--timeline-width, 160px));
    align-items: center;
  }
  /* Narrow: the timeline goes first, then tokens; name, duration and cost stay readable. */
  @container steps (max-width: 460px) {
    .tree-columns,
    .row {
      grid-template-columns: minmax(140px, 1fr) 60px 58px 98px;
    }
    .tree-columns .time-axis,
    .row .timeline {
      display: none;
    }
  }
  @container steps (max-width: 380px) {
    .tree-columns,
    .row {
      grid-template-columns: minmax(100px, 1fr) 60px 98px;
    }
    .col-tokens {
      display: none;
    }
  }
  .time-axis {
    position: relative;
    align-self: stretch;
    padding: 0 !important;
    border-left: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
  }
  .time-axis .tick {
    position: absolute;
    top: 2px;
    transform: translateX(-50%);
    font-size: 10px;
    white-space: nowrap;
    padding: 0 2px;
  }
  .time-axis .tick:first-of-type {
    transform: none;
  }
  .time-axis .tick.tick-end {
    transform: translateX(-100%);
  }
  .timeline-resize {
    position: absolute;
    left: -3px;
    top: 0;
    bottom: 0;
    width: 6px;
    cursor: col-resize;
    z-index: 1;
  }
  .timeline-resize:hover,
  .timeline-resize:focus-visible {
    background: var(--vscode-sash-hoverBorder, var(--vscode-focusBorder));
    outline: none;
  }
  .rollup {
    color: var(--vscode-descriptionForeground);
    font-style: italic;
  }
  .tree-columns {
    font-size: 11px;
    color: var(--vscode-descriptionForeground);
    padding: 2px 0;
    border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
  }
  .tree-columns > span {
    padding: 0 6px;
  }
  .num {
    text-align: right;
  }
  .cell.num {
    padding: 0 4px;
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
    padding: 0 !important;
    border-left: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
    /* Gridlines under the bars, at the axis ticks. */
    background: linear-gradient(to right, var(--vscode-editorIndentGuide-background1, rgba(128, 128, 128, 0.2)) 1px, transparent 1px) 0 0 / var(--timeline-grid, 25%) 100%;
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
  .step-actions {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
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
  .kv.attrs td.actions {
    width: 1%;
    white-space: nowrap;
    vertical-align: top;
  }
  .kv.attrs tr:not(:hover):not(:focus-within) .copy-row {
    visibility: hidden;
  }
  .model-call dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 2px 12px;
    margin: 4px 0 8px;
  }
  .model-call dt {
    color: var(--vscode-descriptionForeground);
  }
  .model-call dd {
    margin: 0;
  }
  .tools-offered details {
    margin: 2px 0;
  }
  .stack-lines {
    font-family: var(--vscode-editor-font-family, monospace);
    font-size: var(--vscode-editor-font-size, 12px);
    white-space: pre-wrap;
    word-break: break-all;
  }
  .stack-line.library {
    opacity: 0.65;
  }
  .link-button.frame-link {
    background: none;
    border: none;
    padding: 0;
    font: inherit;
    color: var(--vscode-textLink-foreground);
    cursor: pointer;
    text-align: left;
    white-space: pre-wrap;
    word-break: break-all;
  }
  .link-button.frame-link:hover {
    text-decoration: underline;
  }
  .link-button.frame-link:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
  }
  .run-io-from {
    font-weight: normal;
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
