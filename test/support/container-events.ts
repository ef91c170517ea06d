// Docker's own account of what happened to a namespace's containers (created, started, died,
// destroyed…), recorded from a moment on: the evidence that a dyno manager did, or did not,
// start or stop anything.
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type Docker from "dockerode";

export interface ContainerEvent {
  action: string;
  id: string;
  app: string;
  dyno: string;
  release: string;
  /** The engine's own timestamp, in ms. */
  at: number;
}

/** Every container lifecycle action that changes what runs. */
export const LIFECYCLE_ACTIONS = ["create", "start", "restart", "kill", "die", "stop", "destroy"];

/** Records the namespace's container events until `stop()`, which gives them. */
export async function recordContainerEvents(docker: Docker, namespace: string, actions = LIFECYCLE_ACTIONS) {
  const events: ContainerEvent[] = [];
  const stream = (await docker.getEvents({
    filters: { type: ["container"], event: actions, label: [`ouro.namespace=${namespace}`] },
  })) as unknown as Readable;
  stream.on("error", () => {});
  createInterface({ input: stream }).on("line", (line) => {
    const event = JSON.parse(line) as { Action: string; id: string; timeNano: number; Actor: { Attributes: Record<string, string> } };
    const labels = event.Actor.Attributes;
    events.push({
      action: event.Action,
      id: event.id,
      app: labels["ouro.app"] ?? "",
      dyno: labels["ouro.dyno"] ?? "",
      release: labels["ouro.release"] ?? "",
      at: event.timeNano / 1e6,
    });
  });
  return {
    events,
    stop(): ContainerEvent[] {
      stream.destroy();
      return events;
    },
  };
}
