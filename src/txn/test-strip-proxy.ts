import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of an S3 API server that drops the `If-None-Match` header of
 * every PUT: the server then overwrites objects that a conditional put should have refused, like
 * an S3-compatible store that predates conditional writes. The put-if-absent probe must notice.
 */
export interface StripProxy {
  /** `http://127.0.0.1:<port>`, to use as the S3 endpoint. */
  readonly url: string;
  /** PUT requests whose `If-None-Match` header was dropped so far. */
  stripped(): number;
  close(): Promise<void>;
}

/** Starts the proxy on an ephemeral loopback port, forwarding to `upstream` (an `http://` URL). */
export async function startStripProxy(upstream: string): Promise<StripProxy> {
  const target = new URL(upstream);
  let stripped = 0;
  const server: Server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers };
    if (req.method === 'PUT' && headers['if-none-match'] !== undefined) {
      delete headers['if-none-match'];
      stripped++;
    }
    const forward = request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${err.message}`);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stripped: () => stripped,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
