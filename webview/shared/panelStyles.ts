// Rules the fleet view and the sampling lab share, interpolated into each panel's stylesheet at
// the place the panel's own rules expect them (rule order decides ties of specificity, e.g. a
// `.link` after `.policy-path` sets the font of a button that has both classes).
import { css } from 'lit';

/** A panel's row of controls (labelled selects and inputs, wrapping), and those controls in the theme. */
export const toolbarStyles = css`
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    gap: 6px 14px;
    align-items: center;
    margin-bottom: 8px;
  }
  .toolbar label {
    display: inline-flex;
    gap: 4px;
    align-items: center;
  }
  select,
  input {
    color: var(--vscode-input-foreground);
    background: var(--vscode-input-background);
    border: 1px solid var(--vscode-input-border, var(--vscode-widget-border, transparent));
    font: inherit;
    padding: 2px 4px;
  }
`;

/** A button drawn as a text link (opens a trace, a policy line, a preset). */
export const linkButtonStyles = css`
  .link {
    color: var(--vscode-textLink-foreground);
    background: none;
    border: none;
    padding: 0;
    font: inherit;
    cursor: pointer;
    text-align: left;
  }
  .link:hover {
    text-decoration: underline;
  }
`;
