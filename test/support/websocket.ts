// A minimal WebSocket client over a raw socket (RFC 6455: the handshake, masked text frames under
// 64 KB, unfragmented): the host's Node.js has no WebSocket client of its own, and a test of the
// router wants to see the bytes anyway.
import { createHash, randomBytes } from "node:crypto";
import { type Socket, connect } from "node:net";

export interface WebSocketClient {
  /** The handshake's answer head, as the client got it. */
  head: string;
  send(text: string): void;
  /** The next text frame's payload. */
  receive(): Promise<string>;
  close(): void;
}

export function openWebSocket(opts: { port: number; host: string; path: string; timeoutMs?: number }): Promise<WebSocketClient> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString("base64");
    const expected = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    const socket: Socket = connect(opts.port, "127.0.0.1");
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("the WebSocket handshake timed out"));
    }, opts.timeoutMs ?? 10_000);
    let buffered = Buffer.alloc(0);
    let head = "";
    const waiting: ((text: string) => void)[] = [];
    const frames: string[] = [];

    const readFrames = () => {
      while (buffered.length >= 2) {
        let length = buffered[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffered.length < 4) return;
          length = buffered.readUInt16BE(2);
          offset = 4;
        }
        if (buffered.length < offset + length) return;
        const text = buffered.subarray(offset, offset + length).toString("utf8");
        buffered = buffered.subarray(offset + length);
        const next = waiting.shift();
        if (next) next(text);
        else frames.push(text);
      }
    };

    socket.on("connect", () =>
      socket.write(`GET ${opts.path} HTTP/1.1\r\nHost: ${opts.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`),
    );
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!head) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        head = buffered.subarray(0, end).toString("latin1");
        buffered = buffered.subarray(end + 4);
        clearTimeout(timer);
        if (!/^HTTP\/1\.1 101 /.test(head) || !head.toLowerCase().includes(`sec-websocket-accept: ${expected.toLowerCase()}`)) {
          socket.destroy();
          return reject(new Error(`not a WebSocket handshake: ${head.split("\r\n")[0]}`));
        }
        resolve({
          head,
          send(text) {
            const payload = Buffer.from(text);
            const mask = randomBytes(4);
            const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
            const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
            socket.write(Buffer.concat([header, mask, masked]));
          },
          receive() {
            const ready = frames.shift();
            return ready !== undefined ? Promise.resolve(ready) : new Promise((done) => waiting.push(done));
          },
          close() {
            socket.destroy();
          },
        });
      }
      readFrames();
    });
  });
}
