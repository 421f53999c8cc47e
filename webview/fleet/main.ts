// Fleet view entry (IIFE bundle dist/webview/fleet.js). uPlot's stylesheet is bundled as text and
// adopted like ours (no <style> element under the CSP).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { unsafeCSS } from 'lit';
import uplotCss from 'uplot/dist/uPlot.min.css';
import type { FleetHostMessage, FleetWebviewMessage } from '../../src/protocol/webviewMessages';
import { adoptDocumentStyles, baseStyles } from '../shared/styles';
import { onHostMessage, vscodeApi } from '../shared/vscodeApi';
import { FleetApp, type FleetPanelState } from './fleetApp';
import { fleetStyles } from './fleetStyles';

// The library's own stylesheet (constant text from the bundle, not data).
adoptDocumentStyles(baseStyles, unsafeCSS(uplotCss), fleetStyles);
const api = vscodeApi<FleetWebviewMessage, FleetPanelState>();
const app = new FleetApp();
app.post = (m) => api.postMessage(m);
app.saveState = (s) => api.setState(s);
app.restore(api.getState());
document.body.appendChild(app);
onHostMessage<FleetHostMessage>((m) => app.handleMessage(m));
api.postMessage({ type: 'ready' });
