// Stylesheets imported as text (esbuild's text loader for .css in the browser bundles), adopted as
// constructed stylesheets: no <style> element, so the webview CSP needs no 'unsafe-inline'.
declare module '*.css' {
  const text: string;
  export default text;
}
