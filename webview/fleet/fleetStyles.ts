// Fleet view layout. Row heights must match GROUP_ROW_HEIGHT, OUTLIER_ROW_HEIGHT and
// FINDING_ROW_HEIGHT in fleetApp.ts. Colours only from the theme: regressions in the error colour,
// improvements in charts green, so high-contrast themes draw them too.
import { css } from 'lit';
import { linkButtonStyles, toolbarStyles } from '../shared/panelStyles';

export const fleetStyles = css`
  agent-fleet-app {
    display: block;
    height: 100vh;
    overflow: auto;
  }
  .fleet {
    padding: 8px 14px 24px;
  }
  ${toolbarStyles}
  .time-range {
    display: inline-flex;
    gap: 10px;
    align-items: center;
  }
  select,
  input {
    max-width: 40ch;
  }
  ${linkButtonStyles}
  .failure {
    color: var(--vscode-errorForeground);
    margin: 8px 0;
  }
  .stale {
    opacity: 0.6;
  }
  .batch-header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 4px 14px;
    margin: 8px 0 4px;
  }
  .batch-label {
    font-size: 15px;
    font-weight: 600;
    margin: 0;
    overflow-wrap: anywhere;
  }
  .runs-count strong {
    font-size: 15px;
  }
  .histograms {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
    gap: 12px 18px;
  }
  fleet-histogram {
    display: block;
    min-width: 0;
  }
  .hist-title {
    font-weight: 600;
    margin-bottom: 2px;
  }
  .chart {
    width: 100%;
    min-height: 130px;
  }
  .chart-empty {
    height: 130px;
    display: flex;
    align-items: center;
    justify-content: center;
    border: 1px dashed var(--vscode-widget-border, transparent);
  }
  .stats,
  .hover {
    font-size: 12px;
    min-height: 1.3em;
  }
  .tabs {
    display: flex;
    gap: 2px;
    border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent));
    margin-bottom: 4px;
  }
  .tab {
    color: var(--vscode-panelTitle-inactiveForeground, var(--vscode-foreground));
    background: none;
    border: none;
    border-bottom: 1px solid transparent;
    padding: 4px 10px;
    font: inherit;
    cursor: pointer;
  }
  .tab[aria-selected='true'] {
    color: var(--vscode-panelTitle-activeForeground, var(--vscode-foreground));
    border-bottom-color: var(--vscode-panelTitle-activeBorder, var(--vscode-focusBorder));
  }
  .group-row {
    display: grid;
    grid-template-columns: minmax(12ch, 3fr) repeat(6, minmax(9ch, 1fr));
    gap: 8px;
    align-items: center;
    height: 26px;
    padding: 0 6px;
    box-sizing: border-box;
  }
  .group-row > span {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .group-head {
    font-weight: 600;
    color: var(--vscode-descriptionForeground);
    border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent));
  }
  .sort {
    color: inherit;
    background: none;
    border: none;
    padding: 0;
    font: inherit;
    cursor: pointer;
  }
  .num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  fleet-virtual-list {
    display: block;
    position: relative;
    overflow: auto;
    contain: strict;
  }
  fleet-virtual-list.group-rows {
    height: min(60vh, 420px);
  }
  fleet-virtual-list.outliers {
    height: min(40vh, 300px);
  }
  fleet-virtual-list.findings {
    height: min(50vh, 420px);
  }
  .vl-spacer {
    position: relative;
    width: 100%;
  }
  .vl-row {
    position: absolute;
    top: 0;
    left: 0;
    right: 0;
  }
  .outlier {
    display: flex;
    gap: 8px;
    align-items: center;
    width: 100%;
    height: 26px;
    padding: 0 6px;
    background: none;
    border: none;
    color: inherit;
    font: inherit;
    text-align: left;
    cursor: pointer;
  }
  .outlier-title {
    flex: 0 1 auto;
    max-width: 50%;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .reason {
    flex: 1 1 auto;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .badge {
    padding: 0 6px;
    border-radius: 8px;
    font-size: 11px;
    background: var(--vscode-badge-background);
    color: var(--vscode-badge-foreground);
    white-space: nowrap;
  }
  .compare-summary.has-regressions {
    color: var(--vscode-errorForeground);
    font-weight: 600;
  }
  .finding {
    height: 52px;
    box-sizing: border-box;
    padding: 4px 6px;
    border-left: 3px solid transparent;
    border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent));
  }
  .finding.regression {
    border-left-color: var(--vscode-errorForeground);
  }
  .finding.improvement {
    border-left-color: var(--vscode-charts-green, #89d185);
  }
  .finding-line,
  .finding-detail {
    display: flex;
    gap: 10px;
    align-items: baseline;
    overflow: hidden;
    white-space: nowrap;
  }
  .finding-line .headline {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .finding-kind {
    font-weight: 600;
  }
  .regression .finding-kind {
    color: var(--vscode-errorForeground);
  }
  .improvement .finding-kind {
    color: var(--vscode-charts-green, #89d185);
  }
  .finding-detail {
    font-size: 12px;
    margin-top: 3px;
  }
  table.checks,
  table.metrics {
    max-width: 900px;
  }
  tr.check.failing td:first-child {
    color: var(--vscode-errorForeground);
  }
`;
