// Redaction panel entry (IIFE bundle dist/webview/redaction.js).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { RedactionHostMessage, RedactionWebviewMessage } from '../../src/protocol/webviewMessages';
import { adoptDocumentStyles, baseStyles } from '../shared/styles';
import { onHostMessage, vscodeApi } from '../shared/vscodeApi';
import { RedactionApp, type RedactionPanelState } from './redactionApp';
import { redactionStyles } from './redactionStyles';

adoptDocumentStyles(baseStyles, redactionStyles);
const api = vscodeApi<RedactionWebviewMessage, RedactionPanelState>();
const app = new RedactionApp();
app.post = (m) => api.postMessage(m);
app.saveState = (s) => api.setState(s);
app.restore(api.getState());
document.body.appendChild(app);
onHostMessage<RedactionHostMessage>((m) => app.handleMessage(m));
api.postMessage({ type: 'ready' });
