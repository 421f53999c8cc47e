// Compare panel layout. Row height must match ROW_HEIGHT in compareApp.ts. Changes use the diff
// editor's theme colours (inserted, removed, modified gutter), so every theme, high contrast
// included, draws them the way it draws a text diff.
import { css } from 'lit';

export const compareStyles = css`
  agent-compare-app {
    display: block;
    height: 100vh;
  }
  .compare-app {
    display: flex;
    flex-direction: column;
    height: 100%;
  }
  .compare-header {
    flex: none;
    padding: 8px 12px 6px;
    border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
    max-height: 40vh;
    overflow: auto;
  }
  .summary {
    margin: 0 0 4px;
    font-size: 14px;
    font-weight: 600;
  }
  .divergence-link {
    color: var(--vscode-textLink-foreground);
    background: none;
    border: none;
    padding: 0;
    font: inherit;
    text-decoration: underline;
    cursor: pointer;
  }
  .notice {
    margin: 2px 0;
    color: var(--vscode-editorWarning-foreground, var(--vscode-foreground));
  }
  .totals {
    border-collapse: collapse;
    margin-top: 4px;
    font-variant-numeric: tabular-nums;
  }
  .totals th,
  .totals td {
    padding: 1px 12px 1px 0;
    text-align: right;
    font-weight: normal;
  }
  .totals th[scope='row'] {
    text-align: left;
    color: var(--vscode-descriptionForeground);
  }
  .delta-changed {
    color: var(--vscode-editorGutter-modifiedBackground, var(--vscode-foreground));
  }
  .toolbar {
    flex: none;
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 4px 12px;
  }
  .columns,
  .row {
    display: grid;
    grid-template-columns: 18px minmax(0, 1fr) 18% minmax(0, 1fr) 18%;
    align-items: center;
    column-gap: 4px;
  }
  .columns {
    flex: none;
    padding: 0 12px;
    color: var(--vscode-descriptionForeground);
    border-bottom: 1px solid var(--vscode-panel-border, transparent);
  }
  .rows-scroll {
    flex: 1 1 50%;
    min-height: 80px;
    overflow: auto;
    position: relative;
    padding: 0 12px;
  }
  .rows-spacer {
    position: relative;
    width: 100%;
  }
  .row {
    position: absolute;
    top: 0;
    left: 0;
    right: 0;
    height: 22px;
    cursor: default;
  }
  .row.status-changed {
    background: color-mix(in srgb, var(--vscode-editorGutter-modifiedBackground, #1b81a8) 20%, transparent);
    outline: 1px dashed var(--vscode-contrastBorder, transparent);
    outline-offset: -1px;
  }
  .row.status-added {
    background: var(--vscode-diffEditor-insertedLineBackground, var(--vscode-diffEditor-insertedTextBackground));
    outline: 1px dashed var(--vscode-diffEditor-insertedTextBorder, transparent);
    outline-offset: -1px;
  }
  .row.status-removed {
    background: var(--vscode-diffEditor-removedLineBackground, var(--vscode-diffEditor-removedTextBackground));
    outline: 1px dashed var(--vscode-diffEditor-removedTextBorder, transparent);
    outline-offset: -1px;
  }
  .mark {
    text-align: center;
    font-weight: 600;
  }
  .status-changed .mark {
    color: var(--vscode-editorGutter-modifiedBackground, var(--vscode-foreground));
  }
  .status-added .mark {
    color: var(--vscode-editorGutter-addedBackground, var(--vscode-foreground));
  }
  .status-removed .mark {
    color: var(--vscode-editorGutter-deletedBackground, var(--vscode-foreground));
  }
  .cell {
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
    display: flex;
    align-items: center;
    gap: 4px;
    min-width: 0;
  }
  .cell .label {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .cell.timeline {
    position: relative;
    height: 100%;
  }
  .bar {
    position: absolute;
    top: 7px;
    height: 8px;
    border-radius: 2px;
    min-width: 1px;
  }
  .pair-detail {
    flex: 0 1 40%;
    overflow: auto;
    border-top: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
    padding: 6px 12px;
  }
  .detail-header {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .detail-header h2 {
    font-size: 13px;
    margin: 0;
  }
  .spacer {
    flex: 1;
  }
  .pair-fields {
    display: flex;
    flex-wrap: wrap;
    gap: 2px 18px;
    margin: 4px 0;
  }
  .pair-fields div {
    display: flex;
    gap: 6px;
  }
  .pair-fields dt {
    color: var(--vscode-descriptionForeground);
  }
  .pair-fields dd {
    margin: 0;
  }
  .field h3 {
    font-size: 12px;
    margin: 8px 0 2px;
    color: var(--vscode-descriptionForeground);
  }
  .text-diff {
    white-space: pre-wrap;
    word-break: break-word;
    margin: 2px 0;
  }
  .ins {
    background: var(--vscode-diffEditor-insertedTextBackground);
    outline: 1px dashed var(--vscode-diffEditor-insertedTextBorder, transparent);
  }
  .del {
    background: var(--vscode-diffEditor-removedTextBackground);
    outline: 1px dashed var(--vscode-diffEditor-removedTextBorder, transparent);
    text-decoration: line-through;
  }
  .role {
    color: var(--vscode-descriptionForeground);
  }
  .json-diff td {
    padding: 1px 8px 1px 0;
    vertical-align: top;
    word-break: break-word;
  }
  .json-diff td:nth-child(1),
  .json-diff td:nth-child(2) {
    white-space: nowrap;
    word-break: normal;
  }
  .usage th,
  .usage td {
    padding: 0 10px 0 0;
    text-align: right;
    font-weight: normal;
  }
  .unchanged {
    margin-top: 8px;
    color: var(--vscode-descriptionForeground);
  }
  .empty {
    padding: 16px;
  }
  .fork-mark {
    color: var(--vscode-editorWarning-foreground, var(--vscode-foreground));
  }
  .fork-step-link {
    padding: 0;
    border: none;
    color: var(--vscode-textLink-foreground);
    background: none;
    font: inherit;
    cursor: pointer;
  }
  .fork-edit {
    border-left: 2px solid var(--vscode-editorWarning-foreground, var(--vscode-focusBorder));
    padding-left: 8px;
  }
  .fork-section h4 {
    margin: 6px 0 2px;
    font-weight: 600;
  }
`;
