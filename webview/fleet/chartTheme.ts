// Chart colours and font from VS Code's theme variables. A canvas cannot use CSS variables, so
// they are read with getComputedStyle, and read again when the theme changes: VS Code rewrites
// the variables on <html> (style) and the theme class on <body>, which a MutationObserver sees.

export interface ChartTheme {
  bar: string;
  foreground: string;
  muted: string;
  grid: string;
  p50: string;
  p95: string;
  p99: string;
  /** Axis font (CSS pixels; uPlot scales it). */
  font: string;
  fontFamily: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readChartTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const family = cssVar(style, '--vscode-font-family', 'system-ui, sans-serif');
  return {
    bar: cssVar(style, '--vscode-charts-blue', '#3794ff'),
    foreground: cssVar(style, '--vscode-foreground', '#cccccc'),
    muted: cssVar(style, '--vscode-descriptionForeground', '#9d9d9d'),
    grid: cssVar(style, '--vscode-widget-border', cssVar(style, '--vscode-panel-border', 'rgba(128, 128, 128, 0.35)')),
    p50: cssVar(style, '--vscode-charts-foreground', cssVar(style, '--vscode-foreground', '#cccccc')),
    p95: cssVar(style, '--vscode-charts-orange', '#d18616'),
    p99: cssVar(style, '--vscode-charts-red', '#f14c4c'),
    font: `11px ${family}`,
    fontFamily: family,
  };
}

/** Calls `onChange` after the theme changed (debounced to one call per frame); returns the stop function. */
export function watchTheme(onChange: () => void): () => void {
  let pending = 0;
  const fire = () => {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      onChange();
    });
  };
  const observer = new MutationObserver(fire);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return () => {
    observer.disconnect();
    if (pending) cancelAnimationFrame(pending);
  };
}
