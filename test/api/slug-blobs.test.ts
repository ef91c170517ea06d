// A slug as Heroku's: GET /apps/:app/slugs/:id answers its `blob`, a URL made for the reader and
// valid for an hour, that gives the slug's gzipped tarball as the builder packed it (a slug in
// layers: its layers joined, whose digest is the slug's checksum); extracted to a directory, it is
// the app. The URL is refused altered or made for another slug (401), past its
// hour (403), to a user who lost the app (404), and once the slug is no longer kept (410).
import { execFileSync } from "node:child_process";
import { createReadStream, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { packSlugLayers } from "../../apps/builder/layers.ts";
import { joinedDigest } from "../../platform/lib/slug-layers.ts";
import { type AppRow, addCollaborator, createApiKey, createSlug, ensureUser, removeCollaborator } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, removeDir, uniqueName } from "../support/platform.ts";

interface Slug {
  id: string;
  checksum: string;
  blob: { method: string; url: string };
}

describe("a slug's blob", () => {
  let api: InProcessApi;
  let url = "";
  let app: AppRow;
  let now = new Date();
  const dir = mkdtempSync(join(tmpdir(), "ouro-slug-blobs-test-"));
  const here = (made: string) => made.replace(/^http:\/\/127\.0\.0\.1:\d+/, url);
  const readSlug = async (id: string, key = api.key) => (await jsonRequest<Slug>({ base: url, key }, "GET", `/apps/${app.name}/slugs/${id}`)).body;

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_slug_blobs_test", clock: () => now });
    url = api.url;
    app = await api.createApp(uniqueName("slugs"));
  });
  afterAll(async () => {
    await api?.close();
    removeDir(dir);
  });

  /** A slug in layers, as the builder packs one: a runtime (`.heroku/node`), then the app. */
  async function storedSlug(name: string) {
    const tree = join(dir, name);
    mkdirSync(join(tree, "bin"), { recursive: true });
    mkdirSync(join(tree, ".heroku", "node", "bin"), { recursive: true });
    writeFileSync(join(tree, ".heroku", "node", "bin", "greet"), `#!/bin/sh\necho "$1"\n`, { mode: 0o755 });
    writeFileSync(join(tree, "bin", "web"), `#!/bin/sh\nexec "$(dirname "$0")/../.heroku/node/bin/greet" ${name}\n`, { mode: 0o755 });
    const packed = await packSlugLayers({ buildDir: tree, outDir: join(dir, `${name}-layers`), exclude: [] });
    const layers: string[] = [];
    for (const layer of packed.layers) layers.push((await api.blobs.put(createReadStream(layer.path))).checksum);
    expect(layers).toEqual(packed.layers.map((l) => l.checksum));
    expect(layers).toHaveLength(2);
    const { checksum } = await joinedDigest(packed.layers.map((l) => l.path));
    return createSlug(api.db, {
      app_id: app.id, checksum, layers, size: packed.size, process_types: { web: "bin/web" },
      commit: null, stack: "heroku-24", buildpack_description: null,
    });
  }

  it("gives the tarball the builder packed, which extracts to a runnable app", async () => {
    const row = await storedSlug("runs");
    const slug = await readSlug(row.id);
    expect(slug.blob.method).toBe("get");
    expect(slug.blob.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/slug-blobs/${row.id}\\?user_id=${api.user.id}&expires=\\d+&token=[0-9a-f]{64}$`));
    const res = await fetch(here(slug.blob.url));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get("content-length")).toBe(String(row.size));
    expect(body.length).toBe(row.size);
    expect(`SHA256:${createHash("sha256").update(body).digest("hex")}`).toBe(row.checksum);
    const out = join(dir, "extracted");
    mkdirSync(out);
    execFileSync("tar", ["-xz", "-C", out], { input: body });
    expect(statSync(join(out, "bin", "web")).mode & 0o777).toBe(0o755);
    expect(execFileSync(join(out, "bin", "web"), { encoding: "utf8" })).toBe("runs\n");
  });

  it("refuses a URL altered or made for another slug (401), past its hour (403), to a user who lost the app (404), and a slug no longer kept (410)", async () => {
    const row = await storedSlug("guarded");
    const other = await storedSlug("other");
    const blobUrl = here((await readSlug(row.id)).blob.url);
    const status = async (target: string) => (await fetch(target)).status;
    expect(await status(blobUrl.replace(/user_id=[^&]+/, `user_id=${(await ensureUser(api.db, "slug-other@example.com")).id}`))).toBe(401);
    expect(await status(blobUrl.replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 3_600_000}`))).toBe(401);
    expect(await status(blobUrl.replace(row.id, other.id))).toBe(401);
    const saved = now;
    now = new Date(now.getTime() + 3_600_000);
    expect(await status(blobUrl)).toBe(403);
    now = saved;

    const collaborator = await ensureUser(api.db, "slug-collaborator@example.com");
    await addCollaborator(api.db, app, collaborator);
    const theirs = here((await readSlug(row.id, await createApiKey(api.db, collaborator.id))).blob.url);
    expect(await status(theirs)).toBe(200);
    await removeCollaborator(api.db, app, collaborator);
    expect(await status(theirs)).toBe(404);

    // One layer gone is the slug gone.
    await rm(api.blobs.path(row.layers![0]!));
    const gone = await fetch(blobUrl);
    expect([gone.status, ((await gone.json()) as { message: string }).message]).toEqual([410, "This slug is no longer kept on this platform."]);
  });
});
