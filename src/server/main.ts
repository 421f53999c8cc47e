// Entry of dist/server.js: the trace server process the extension starts over IPC.
import { runLanguageServer } from './lspServer';

runLanguageServer();
