// Sampling lab entry (IIFE bundle dist/webview/sampling.js).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { SamplingLabHostMessage, SamplingLabWebviewMessage } from '../../src/protocol/webviewMessages';
import { adoptDocumentStyles, baseStyles } from '../shared/styles';
import { onHostMessage, vscodeApi } from '../shared/vscodeApi';
import { SamplingApp, type SamplingPanelState } from './samplingApp';
import { samplingStyles } from './samplingStyles';

adoptDocumentStyles(baseStyles, samplingStyles);
const api = vscodeApi<SamplingLabWebviewMessage, SamplingPanelState>();
const app = new SamplingApp();
app.post = (m) => api.postMessage(m);
app.saveState = (s) => api.setState(s);
app.restore(api.getState());
document.body.appendChild(app);
onHostMessage<SamplingLabHostMessage>((m) => app.handleMessage(m));
api.postMessage({ type: 'ready' });
