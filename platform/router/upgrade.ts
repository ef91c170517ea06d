// WebSockets and other upgrades: admitted like any request, sent to a dyno on a connection of its
// own (with the same retry), and once the dyno switches protocols (101) the two connections are
// piped byte for byte until either closes or both are idle for idleMs. A dyno that answers
// otherwise has its answer passed on, and the connection closed after it.
import type http from "node:http";
import type { Socket } from "node:net";
import { admit, inFlight } from "./admit.ts";
import { sendToDyno } from "./forward.ts";
import { responseHeaders } from "./headers.ts";
import { rawAnswer } from "./pages.ts";
import type { ProxyContext } from "./proxy.ts";

function head(status: number, message: string, headers: readonly string[]): string {
  let text = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${text}\r\n`;
}

export function handleUpgrade(ctx: ProxyContext, req: http.IncomingMessage, client: Socket, clientHead: Buffer): void {
  client.on("error", () => client.destroy());
  const target = admit(ctx.table, ctx.limits, ctx.listener, req, true);
  if ("answer" in target) {
    client.end(rawAnswer(target.answer, target.requestId ? ["X-Request-Id", target.requestId] : []));
    if (target.record) ctx.done(target.record);
    return;
  }
  const { record } = target;
  const request = inFlight(target, ctx.done);
  const finish = request.finish;
  const idle = (socket: Socket, other: () => Socket | undefined) => {
    socket.setTimeout(ctx.timeouts.idleMs, () => {
      socket.destroy();
      other()?.destroy();
    });
  };
  let dyno: Socket | undefined;
  idle(client, () => dyno);

  const exchange = sendToDyno({ agent: false, timeouts: ctx.timeouts }, target, req, {
    onUpgrade(answer, socket, dynoHead) {
      dyno = socket;
      record.status = 101;
      finish(); // logged as the switch happens, as Heroku does
      if (client.destroyed) return void socket.destroy();
      client.write(head(101, answer.statusMessage ?? "Switching Protocols", responseHeaders(answer.rawHeaders, target.requestId, true)));
      if (dynoHead.length) client.write(dynoHead);
      if (clientHead.length) socket.write(clientHead);
      socket.on("error", () => client.destroy());
      socket.on("close", () => client.end());
      client.on("close", () => socket.destroy());
      idle(socket, () => client);
      socket.pipe(client);
      client.pipe(socket);
    },
    onResponse(answer) {
      record.status = answer.statusCode ?? 502;
      const headers = responseHeaders(answer.rawHeaders, target.requestId);
      // Without a length, the body ends with the connection: it is closed after this answer anyway.
      client.write(head(record.status, answer.statusMessage ?? "", [...headers, "Connection", "close"]));
      answer.on("data", (chunk: Buffer) => (record.bytes += chunk.length));
      answer.on("end", finish);
      answer.on("error", () => client.destroy());
      answer.pipe(client);
    },
    onFailure(answer, code) {
      record.code = code;
      record.status = answer.status;
      client.end(rawAnswer(answer, ["X-Request-Id", target.requestId]));
      finish();
    },
  });
  client.on("close", () => {
    if (request.over) return;
    record.code = "H27";
    record.status = 499;
    exchange.abort();
    finish();
  });
}
