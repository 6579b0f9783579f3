import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** A local HTTP endpoint for `http.request` nodes: the test decides how each call is answered. */
export async function startLocalHttp(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
