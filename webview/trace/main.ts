// Trace panel entry (IIFE bundle dist/webview/trace.js). Registers the elements, restores saved
// state, forwards host messages to the app and says ready.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-split-layout/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { TraceHostMessage, TraceWebviewMessage } from '../../src/protocol/webviewMessages';
import { adoptDocumentStyles, baseStyles } from '../shared/styles';
import { onHostMessage, vscodeApi } from '../shared/vscodeApi';
import { TraceApp, type TracePanelState } from './traceApp';
import { traceStyles } from './traceStyles';

adoptDocumentStyles(baseStyles, traceStyles);
const api = vscodeApi<TraceWebviewMessage, TracePanelState>();
const app = new TraceApp();
app.post = (m) => api.postMessage(m);
app.saveState = (s) => api.setState(s);
app.restore(api.getState());
document.body.appendChild(app);
onHostMessage<TraceHostMessage>((m) => app.handleMessage(m));
api.postMessage({ type: 'ready' });
