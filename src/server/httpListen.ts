// How our loopback HTTP servers (the OTLP/HTTP receiver, the model proxy) answer malformed
// requests, start listening and shut down, kept in one place so the two cannot drift apart.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request Node cannot parse gets a plain 400 and the connection closed, instead of a silent reset. */
export function answerClientErrors(server: http.Server): void {
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
}

/**
 * Listens on `host:port` (port 0 picks a free one) and resolves with the bound port; rejects with
 * the listen error (EADDRINUSE, EACCES), after which later server errors are no longer this call's.
 */
export function listenHttp(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, drops every open connection (idle keep-alive ones included) and resolves once closed. */
export function closeHttp(server: http.Server): Promise<void> {
  return new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
