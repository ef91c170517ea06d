// A syslog receiver over TCP on 127.0.0.1 for drain tests: octet-counted RFC 5424 frames, kept.
import { type AddressInfo, type Server, type Socket, createServer } from "node:net";

/** Splits octet-counted frames (`LEN SP MSG`) out of what has come so far. */
export function frames(received: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < received.length) {
    const space = received.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(received.subarray(at, space).toString("latin1"));
    if (received.length < space + 1 + length) break;
    out.push(received.subarray(space + 1, space + 1 + length).toString("utf8"));
    at = space + 1 + length;
  }
  return out;
}

/** A syslog receiver over TCP on 127.0.0.1 that keeps every message; it can go away and come back. */
export async function syslogReceiver(port = 0) {
  let received = Buffer.alloc(0);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("data", (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    messages: () => frames(received),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
