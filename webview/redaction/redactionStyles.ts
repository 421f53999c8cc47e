import { css } from 'lit';

export const redactionStyles = css`
  agent-redaction-app {
    display: block;
    height: 100vh;
  }
  .redaction-app {
    display: flex;
    flex-direction: column;
    height: 100%;
  }
  .r-header {
    padding: 8px 12px 4px;
  }
  .r-header h1 {
    font-size: 14px;
    margin: 0;
  }
  .title-row,
  .preview-head,
  .toolbar,
  .finding-line1,
  .finding-line2 {
    display: flex;
    align-items: center;
    gap: 8px;
    min-width: 0;
  }
  .spacer {
    flex: 1;
  }
  .policy-errors {
    margin: 4px 0;
  }
  .summary {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
    gap: 8px;
    padding: 0 12px 8px;
    flex: none;
    max-height: 40vh;
    overflow: auto;
  }
  .card {
    border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent));
    border-radius: 4px;
    padding: 0 8px 8px;
  }
  .ships-bar {
    display: flex;
    height: 10px;
    border-radius: 3px;
    overflow: hidden;
    background: var(--vscode-textCodeBlock-background);
  }
  .ship-kept {
    background: var(--vscode-charts-green, #89d185);
  }
  .ship-masked {
    background: var(--vscode-charts-yellow, #cca700);
  }
  .ship-dropped {
    background: var(--vscode-charts-red, #f14c4c);
  }
  .swatch {
    display: inline-block;
    width: 8px;
    height: 8px;
    margin-right: 6px;
    border-radius: 2px;
  }
  .ships-legend {
    margin: 6px 0;
  }
  .ships-legend div {
    display: flex;
    justify-content: space-between;
  }
  .ships-legend dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
  table.count-table td.key {
    width: auto;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  table.count-table td.count-cell {
    position: relative;
    text-align: right;
    width: 72px;
  }
  .count-bar {
    position: absolute;
    left: 0;
    top: 4px;
    bottom: 4px;
    opacity: 0.25;
    background: var(--vscode-charts-blue, #3794ff);
  }
  .findings-area {
    flex: 1;
    min-height: 0;
    display: grid;
    grid-template-columns: minmax(300px, 1fr) minmax(280px, 1fr);
    border-top: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
  }
  .findings-pane,
  .preview-pane {
    display: flex;
    flex-direction: column;
    min-height: 0;
    min-width: 0;
  }
  .preview-pane {
    overflow: auto;
    border-left: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
  }
  .toolbar {
    padding: 6px 8px;
  }
  .finding-filter {
    flex: 1;
  }
  .findings-scroll {
    flex: 1;
    min-height: 0;
    overflow: auto;
    position: relative;
    contain: strict;
  }
  .findings-scroll:focus {
    outline: none;
  }
  .findings-spacer {
    position: relative;
  }
  .finding {
    position: absolute;
    top: 0;
    left: 0;
    right: 0;
    height: 48px;
    box-sizing: border-box;
    padding: 4px 8px;
    border-bottom: 1px solid var(--vscode-widget-border, transparent);
    white-space: nowrap;
    overflow: hidden;
  }
  .finding-line2 {
    margin-top: 2px;
    font-size: 12px;
  }
  /* overflow: hidden clips at the line box: with the monospace font's normal line height the
     underscore is drawn below it, so "gen_ai" read as "gen ai". A taller line keeps it. */
  .finding-line1,
  .finding-line2 {
    line-height: 18px;
  }
  .finding-line2 .attribute,
  .finding-line2 .context,
  .finding-span {
    overflow: hidden;
    text-overflow: ellipsis;
    min-width: 0;
    line-height: 18px;
  }
  /* The attribute name keeps its width (up to a share of the row); the context gives way first. */
  .finding-line2 .attribute {
    flex: 0 0 auto;
    max-width: 45%;
    color: var(--vscode-descriptionForeground);
  }
  .group-count {
    flex: none;
    font-size: 11px;
    padding: 0 5px;
    border-radius: 8px;
    background: var(--vscode-badge-background);
    color: var(--vscode-badge-foreground);
  }
  .occurrences {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 6px 0;
  }
  .finding-line2 .context {
    flex: 1 1 0;
  }
  .category {
    font-size: 10px;
    text-transform: uppercase;
    padding: 0 4px;
    border-radius: 3px;
    background: var(--vscode-badge-background);
    color: var(--vscode-badge-foreground);
  }
  .category.secret {
    background: var(--vscode-charts-red, #f14c4c);
    color: var(--vscode-editor-background);
  }
  .preview {
    padding: 8px 12px;
  }
  .span-title {
    font-size: 13px;
    margin: 0;
    flex: 1;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .only-changed {
    display: block;
    margin: 6px 0;
  }
  table.diff td.key {
    width: 28%;
  }
  /* Only the characters a finding covers are coloured, never the whole cell. */
  mark.found.before {
    background: var(--vscode-diffEditor-removedTextBackground, rgba(255, 0, 0, 0.3));
  }
  mark.found.after {
    background: var(--vscode-diffEditor-insertedTextBackground, rgba(156, 204, 44, 0.3));
  }
  /* mark.found.kept keeps the base find-match colour: found, shipped unchanged. */
  mark.found.current {
    outline: 1px solid var(--vscode-focusBorder);
  }
  .dropped-note {
    color: var(--vscode-descriptionForeground);
    font-style: italic;
  }
`;
