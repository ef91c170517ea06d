// The thin layer that talks to the Docker engine: read the live model, start and
// stop one dyno. Every container carries labels, so the live model can always be
// rebuilt from the engine alone.
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { type DesiredDyno, type LiveDyno, dynoName } from "./model.ts";
import type { DynoFs, DynoLayer } from "./dyno-fs.ts";
import type { AppNetworks } from "./app-networks.ts";
import { dynoSize } from "../lib/dyno-sizes.ts";
import { BUILD_CACHE_DIR, BUILD_CACHE_LIMIT_MB } from "../lib/build-contract.ts";
import { type Serial, serial } from "../lib/serial.ts";
import { type Lifecycles, type StepRecorder, untracked } from "./lifecycle.ts";
import type { Terminal } from "./runs.ts";

export const DYNO_PORT = 5000;
/** Marks a dyno's own /app and /tmp volumes: deleted with the dyno, or swept if left behind. */
const DYNO_FS_LABEL = "ouro.dyno-fs";
/** On an app dyno's /app volume (and its container): the id of its writable layer (dyno-fs.ts). */
const LAYER_LABEL = "ouro.dyno-layer";
/** On every dyno: its slug's blobs, as unpacked for it (dyno-fs.ts). */
const SLUG_LAYERS_LABEL = "ouro.slug-layers";
/** On a build dyno: the app whose build cache it has at /cache. */
const BUILD_CACHE_LABEL = "ouro.build-cache";
const LAUNCHER = 'for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; exec bash -c "$0"';

export interface EngineOptions {
  docker: Docker;
  stackImage: string;
  /** Where a blob (a slug of one piece, or a slug's layer) lives on this host. */
  slugPath: (checksum: string) => string;
  /** A slug's blobs, bottom first (platform/lib/slug-layers.ts): its layers, or itself. */
  slugLayers: (appId: string, checksum: string) => Promise<string[]>;
  /** Where each slug is unpacked once, and each app dyno's writable layer kept (dyno-fs.ts). */
  dynoFs: DynoFs;
  /** A label value that keeps tests' containers apart from the platform's. */
  namespace: string;
  /**
   * The network build dynos run on, and what makes sure its firewall is in place before each
   * one starts (a flushed firewall must not leave a build a path to the kernel's datastores).
   */
  buildNetwork?: BuildNetwork;
  /** Every other dyno runs on its app's own network (app-networks.ts). */
  appNetworks?: Pick<AppNetworks, "ensure">;
  /** Where each dyno's lifecycle steps are kept (lifecycle.ts); without it, none are. */
  lifecycles?: Lifecycles;
}

/** An attached one-off dyno: its terminal, and who gets its streams, before it starts (no output is lost). */
export interface AttachedStart {
  terminal: Terminal;
  connect(stream: Duplex): void;
}

export interface BuildNetwork {
  name: string;
  ensure(): Promise<void>;
}

export function createEngine(opts: EngineOptions) {
  const { docker } = opts;
  const labelFilter = [`ouro.namespace=${opts.namespace}`];
  const stepsOf = (containerId: string) => opts.lifecycles?.of(containerId) ?? untracked;
  // Docker 20.10's network code can deadlock the whole engine when many containers of one network
  // are removed at once (a lock-order inversion between the network and its controller, seen here
  // with 100): removals go one at a time; each takes a few milliseconds.
  const oneAtATime = serial();

  return {
    async listLive(app?: string): Promise<LiveDyno[]> {
      const filters = { label: app ? [...labelFilter, `ouro.app=${app}`] : labelFilter };
      const containers = await docker.listContainers({ all: true, filters });
      return containers.map((c) => {
        const l = c.Labels;
        const network = Object.values(c.NetworkSettings?.Networks ?? {})[0];
        const exited = /Exited \((\d+)\)/.exec(c.Status);
        return {
          containerId: c.Id,
          app: l["ouro.app"] ?? "",
          appId: l["ouro.app.id"] ?? "",
          release: Number(l["ouro.release"]),
          type: l["ouro.type"] ?? "",
          index: Number(l["ouro.index"]),
          command: l["ouro.command"] ?? "",
          size: l["ouro.size"] ?? "",
          generation: Number(l["ouro.generation"] ?? 0),
          running: c.State === "running",
          exitCode: exited ? Number(exited[1]) : null,
          ip: network?.IPAddress || null,
          createdAt: new Date(c.Created * 1000),
          runId: l["ouro.run"] ?? null,
        };
      });
    },

    async start(dyno: DesiredDyno, attached?: AttachedStart): Promise<string> {
      const name = dynoName(dyno);
      const steps = opts.lifecycles?.recorder({ app: dyno.app, dyno: name }) ?? untracked;
      const network = dyno.buildId ? await buildNetwork(opts) : await appNetwork(opts, dyno);
      // A build dyno runs the builder's slug mounted read-only: the build's code cannot change it.
      // Any other dyno gets its slug as the lower layer of an overlay, over a layer of its own.
      const layers = await opts.slugLayers(dyno.appId, dyno.slugChecksum);
      const fs = await steps.step("install", async () => {
        if (dyno.buildId) {
          const cache = dyno.buildCacheOf ? await opts.dynoFs.buildCache(dyno.buildCacheOf) : undefined;
          return { readOnly: await opts.dynoFs.readOnlySlug(dyno.slugChecksum, layers.map(opts.slugPath)), cache };
        }
        const lowers = await Promise.all(layers.map((blob) => opts.dynoFs.slug(blob, opts.slugPath(blob))));
        return { layer: await opts.dynoFs.newLayer(lowers) };
      });
      const web = dyno.type === "web";
      const container = await steps.step("configure", () => docker.createContainer({
        name: `ouro-${dyno.app}-${name}-v${dyno.release}-${randomBytes(3).toString("hex")}`,
        Image: opts.stackImage,
        Cmd: ["bash", "-c", LAUNCHER, dyno.command],
        User: "1000:1000",
        WorkingDir: "/app",
        Env: Object.entries({ ...dyno.env, PORT: String(DYNO_PORT), DYNO: name, PS: name }).map(([k, v]) => `${k}=${v}`),
        Labels: {
          "ouro.namespace": opts.namespace,
          "ouro.app": dyno.app,
          "ouro.app.id": dyno.appId,
          "ouro.release": String(dyno.release),
          "ouro.type": dyno.type,
          "ouro.index": String(dyno.index),
          "ouro.dyno": name,
          "ouro.command": dyno.command,
          "ouro.size": dyno.size,
          "ouro.generation": String(dyno.generation),
          "ouro.slug": dyno.slugChecksum,
          [SLUG_LAYERS_LABEL]: layers.join(","),
          ...(dyno.runId ? { "ouro.run": dyno.runId } : {}),
          ...(dyno.buildId ? { "ouro.build": dyno.buildId } : {}),
          ...(fs.layer ? { [LAYER_LABEL]: fs.layer.id } : {}),
          ...(fs.cache ? { [BUILD_CACHE_LABEL]: dyno.buildCacheOf } : {}),
        },
        ...(attached ? attachedConfig(dyno, attached.terminal) : {}),
        ExposedPorts: web ? { [`${DYNO_PORT}/tcp`]: {} } : undefined,
        HostConfig: {
          NetworkMode: network,
          ...(fs.readOnly ? { Binds: [`${fs.readOnly}:/app:ro`, ...(fs.cache ? [`${fs.cache}:${BUILD_CACHE_DIR}`] : [])] } : {}),
          ...confinement(dyno, { layer: fs.layer, namespace: opts.namespace }),
          // Docker's own copy of the output, which the log follower reads: bounded on disk.
          LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "2" } },
          // An attached session's output goes to its client only, never to disk or the app's logs.
          ...(attached ? { LogConfig: { Type: "none", Config: {} } } : {}),
          Init: true,
          ExtraHosts: ["ouro-host:host-gateway"],
        },
      })).catch(async (error: unknown) => {
        if (fs.layer) await opts.dynoFs.removeLayer(fs.layer.id);
        throw error;
      });
      steps.created(container.id);
      if (attached) attached.connect((await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex);
      await steps.step("start", () => container.start());
      return container.id;
    },

    /** Stop (SIGTERM, SIGKILL after 30 s), unconfigure and uninstall. */
    async stop(containerId: string): Promise<void> {
      const steps = stepsOf(containerId);
      await steps.step("stop", () => docker.getContainer(containerId).stop({ t: 30 }).catch(() => {}));
      await retire(docker, opts.dynoFs, containerId, steps, oneAtATime);
    },

    /** Stops a container and keeps it, exited. */
    async halt(containerId: string): Promise<void> {
      await stepsOf(containerId).step("stop", () => docker.getContainer(containerId).stop({ t: 5 }).catch(() => {}));
    },

    /** Unconfigure and uninstall an exited container. */
    async remove(containerId: string): Promise<void> {
      await retire(docker, opts.dynoFs, containerId, stepsOf(containerId), oneAtATime);
    },

    /**
     * Deletes this namespace's dyno file systems that no container uses: those of a container
     * whose removal a dying manager left half done, and the layers no volume names.
     */
    async sweepVolumes(): Promise<void> {
      // Only a dyno's own scratch volumes: nothing else on the host is ever this sweep's to delete.
      const { Volumes } = await docker.listVolumes({ filters: { label: [...labelFilter, DYNO_FS_LABEL], dangling: ["true"] } });
      for (const volume of Volumes ?? []) await docker.getVolume(volume.Name).remove().catch(() => {});
      // Listed after the removals: a layer is in use while any volume (of any namespace) names it.
      const { Volumes: left } = await docker.listVolumes({ filters: { label: [LAYER_LABEL] } });
      await opts.dynoFs.sweepLayers(new Set((left ?? []).map((v) => v.Labels?.[LAYER_LABEL] ?? "")));
    },

    /** The slugs, and their layers, this namespace's containers run, running or not: their unpacked files must stay. */
    async slugsInUse(): Promise<Set<string>> {
      const containers = await docker.listContainers({ all: true, filters: { label: labelFilter } });
      const names = containers.flatMap((c) => [c.Labels["ouro.slug"] ?? "", ...(c.Labels[SLUG_LAYERS_LABEL] ?? "").split(",")]);
      return new Set(names.filter(Boolean));
    },

    /** Stops a container (SIGTERM, then SIGKILL after `graceSeconds`) and keeps it, exited. */
    async terminate(containerId: string, graceSeconds: number): Promise<void> {
      await docker.getContainer(containerId).stop({ t: graceSeconds }).catch(() => {});
    },

    /** Resolves once the container has exited (or is gone). */
    /** Once the container has exited: its exit status, or null when the engine cannot say. */
    async exited(containerId: string): Promise<number | null> {
      const result = (await docker.getContainer(containerId).wait().catch(() => undefined)) as { StatusCode?: number } | undefined;
      return typeof result?.StatusCode === "number" ? result.StatusCode : null;
    },

    /** An attached dyno's terminal takes a new size (its foreground process gets SIGWINCH). */
    async resize(containerId: string, size: { columns: number; lines: number }): Promise<void> {
      await docker.getContainer(containerId).resize({ w: size.columns, h: size.lines });
    },

    async inspectIp(containerId: string): Promise<string | null> {
      const info = await docker.getContainer(containerId).inspect();
      return Object.values(info.NetworkSettings.Networks)[0]?.IPAddress || null;
    },

    async isRunning(containerId: string): Promise<boolean> {
      const info = await docker.getContainer(containerId).inspect().catch(() => null);
      return Boolean(info?.State.Running);
    },

    logs(containerId: string, since: number) {
      return docker.getContainer(containerId).logs({ follow: true, stdout: true, stderr: true, since });
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;

/**
 * Unconfigure (the container, with its environment, limits and network endpoint, deleted), then
 * uninstall (its own volumes, /app and /tmp, deleted). Each is done even if it was done already.
 */
async function retire(docker: Docker, dynoFs: DynoFs, containerId: string, steps: StepRecorder, oneAtATime: Serial) {
  const container = docker.getContainer(containerId);
  const { volumes, layer, cacheOf, buildId } = await steps.step("unconfigure", async () => {
    const info = await container.inspect().catch(() => null);
    await oneAtATime(() => container.remove({ force: true, v: false }).catch(() => {}));
    return {
      volumes: (info?.Mounts ?? []).filter((m) => m.Type === "volume" && m.Name).map((m) => m.Name!),
      layer: info?.Config.Labels[LAYER_LABEL],
      cacheOf: info?.Config.Labels[BUILD_CACHE_LABEL],
      buildId: info?.Config.Labels["ouro.build"] ?? "",
    };
  });
  await steps.step("uninstall", async () => {
    let allRemoved = true;
    for (const name of volumes) {
      // Gone already (a retire done twice) is removed too.
      await docker.getVolume(name).remove().catch((error: { statusCode?: number }) => void (allRemoved &&= error.statusCode === 404));
    }
    // What the build left in its app's cache goes; past the limit, the next build starts cold.
    if (cacheOf) await dynoFs.tidyBuildCache(cacheOf, buildId, BUILD_CACHE_LIMIT_MB * 1024 * 1024);
    // Once its volume is gone (unmounted): a layer still mounted stays, for the sweep.
    if (layer && allRemoved) await dynoFs.removeLayer(layer);
  });
}


/**
 * What every dyno may do, whatever its code: no capability, no privilege gained through exec
 * (setuid or setgid bits do nothing), its size's memory, CPU share and process limit, and a
 * read-only root. Only /app (unless the slug is mounted read-only) and /tmp are writable: volumes
 * of the container's own, removed with it. /app is an overlay of the dyno's own layer over its
 * slug; /tmp starts as a copy of the image's (mode 1777).
 */
function confinement(dyno: DesiredDyno, opts: { layer?: DynoLayer; namespace: string }) {
  const size = dynoSize(dyno.size);
  const labels = { "ouro.namespace": opts.namespace, [DYNO_FS_LABEL]: "1" };
  const tmp = {
    Type: "volume" as const,
    Source: "",
    Target: "/tmp",
    VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: "local", Options: {} } },
  };
  const app = (layer: DynoLayer) => ({
    Type: "volume" as const,
    Source: "",
    Target: "/app",
    VolumeOptions: {
      NoCopy: true,
      Labels: { ...labels, [LAYER_LABEL]: layer.id },
      DriverConfig: { Name: "local", Options: { type: "overlay", device: "overlay", o: layer.overlayOptions } },
    },
  });
  return {
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges:true"],
    ReadonlyRootfs: true,
    Mounts: [...(opts.layer ? [app(opts.layer)] : []), tmp],
    Memory: size.memoryMb * 1024 * 1024,
    // No swap: a dyno over its memory is stopped (R15), not slowed to a crawl.
    MemorySwap: size.memoryMb * 1024 * 1024,
    CpuShares: size.cpuShares,
    PidsLimit: size.pidsLimit,
    IpcMode: "private",
  };
}

/**
 * An attached one-off dyno: stdin open until its client closes it, and a terminal when asked
 * for. The terminal's first size is set inside, before the command runs (Docker sets a size only
 * once the container runs, and a command may ask for it first); 80×24 when none was given.
 */
function attachedConfig(dyno: DesiredDyno, terminal: Terminal) {
  const { columns, lines } = terminal.size ?? { columns: 80, lines: 24 };
  const size = terminal.tty ? `stty cols ${columns} rows ${lines} 2>/dev/null; ` : "";
  return {
    Cmd: ["bash", "-c", `${size}${LAUNCHER}`, dyno.command],
    Tty: terminal.tty,
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  };
}

async function appNetwork(opts: EngineOptions, dyno: DesiredDyno): Promise<string> {
  // Never the default bridge: from there a dyno would reach every other app's dynos.
  if (!opts.appNetworks) throw new Error("this dyno manager has no app networks: it cannot start dynos");
  return opts.appNetworks.ensure(dyno);
}

async function buildNetwork(opts: EngineOptions): Promise<string> {
  // Never the default bridge: from there a build would reach the kernel's datastores.
  if (!opts.buildNetwork) throw new Error("this dyno manager has no build network: it cannot start build dynos");
  await opts.buildNetwork.ensure();
  return opts.buildNetwork.name;
}

/** A web dyno is up when its `$PORT` accepts a TCP connection. */
export function acceptsConnections(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
