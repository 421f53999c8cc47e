// Compare panel entry (IIFE bundle dist/webview/compare.js). Registers the elements, restores
// saved state, forwards host messages to the app and says ready.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { CompareHostMessage, CompareWebviewMessage } from '../../src/protocol/compare';
import { adoptDocumentStyles, baseStyles } from '../shared/styles';
import { onHostMessage, vscodeApi } from '../shared/vscodeApi';
import { CompareApp, type ComparePanelState } from './compareApp';
import { compareStyles } from './compareStyles';

adoptDocumentStyles(baseStyles, compareStyles);
const api = vscodeApi<CompareWebviewMessage, ComparePanelState>();
const app = new CompareApp();
app.post = (m) => api.postMessage(m);
app.saveState = (s) => api.setState(s);
app.restore(api.getState());
document.body.appendChild(app);
onHostMessage<CompareHostMessage>((m) => app.handleMessage(m));
api.postMessage({ type: 'ready' });
