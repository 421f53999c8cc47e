// Like lit's styleMap, but sets properties through the CSSOM on the first render too. styleMap
// writes a style="" attribute first, which a webview CSP without 'unsafe-inline' blocks; CSSOM
// writes are not subject to style-src.
import { noChange, type AttributePart } from 'lit';
import { Directive, PartType, directive, type PartInfo } from 'lit/directive.js';

class CssPropsDirective extends Directive {
  private previous = new Set<string>();

  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ATTRIBUTE || info.name !== 'style') throw new Error('cssProps belongs in a style attribute binding');
  }

  render(_props: Record<string, string>) {
    return noChange;
  }

  update(part: AttributePart, [props]: [Record<string, string>]) {
    const style = (part.element as HTMLElement).style;
    for (const name of this.previous) if (!(name in props)) style.removeProperty(name);
    for (const [name, value] of Object.entries(props)) style.setProperty(name, value);
    this.previous = new Set(Object.keys(props));
    return noChange;
  }
}

/** Usage: style=${cssProps({ 'padding-left': '12px' })}, property names in CSS (kebab) case. */
export const cssProps = directive(CssPropsDirective);
