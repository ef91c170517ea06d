// `ouro domains[:add|:info|:remove]`, `certs[:add|:info|:remove]` and `maintenance[:on|:off]`: the
// real bin/ouro in a child process against the real API in-process (throwaway database), with
// certificates openssl makes for the run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainResource, SniEndpointResource } from "../../platform/lib/domains-contract.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { makeCertificate } from "../support/certificates.ts";
import { runOuro } from "../support/cli.ts";
import { uniqueName } from "../support/platform.ts";

describe("domains, certs and maintenance commands", () => {
  let api: InProcessApi;
  let app: string;
  let dir: string;
  const ouro = (args: string[]) => runOuro(args, { url: api.url, key: api.key });
  const ok = async (args: string[]) => {
    const res = await ouro(args);
    expect(res.code, res.stderr).toBe(0);
    return res;
  };

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cli_domains_test" });
    app = (await api.createApp(uniqueName("cli-domains"))).name;
    dir = mkdtempSync(join(tmpdir(), "ouro-cli-certs-"));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await api?.close();
  });

  it("lists, adds, shows and removes domains", async () => {
    const domain = api.deps.config.domain;
    expect((await ok(["domains", "-a", app])).stdout).toBe(`=== ${app} Heroku Domain\n${app}.${domain}\n`);

    const added = await ok(["domains:add", "www.example.com", "-a", app]);
    expect(added.stderr).toBe(`Adding www.example.com to ${app}... done\n`);
    expect(added.stdout).toBe(`Configure your app's DNS provider to point to the DNS Target ${app}.${domain}.\n`);
    await ok(["domains:add", "example.com", "-a", app]);
    const json = JSON.parse((await ok(["domains:add", "*.example.org", "-a", app, "--json"])).stdout) as DomainResource;
    expect(json).toMatchObject({ hostname: "*.example.org", kind: "custom" });

    const listed = (await ok(["domains", "-a", app])).stdout.split("\n");
    expect(listed.slice(0, 4)).toEqual([`=== ${app} Heroku Domain`, `${app}.${domain}`, "", `=== ${app} Custom Domains`]);
    expect(listed[4]).toMatch(/^Domain Name\s+DNS Record Type\s+DNS Target\s+SNI Endpoint$/);
    expect(listed.slice(6, 9).map((row) => row.split(/\s{2,}/))).toEqual([
      ["*.example.org", "CNAME", `${app}.${domain}`],
      ["example.com", "ALIAS or ANAME", `${app}.${domain}`],
      ["www.example.com", "CNAME", `${app}.${domain}`],
    ]);
    const all = JSON.parse((await ok(["domains", "-a", app, "--json"])).stdout) as DomainResource[];
    expect(all.map((d) => d.hostname)).toEqual(["*.example.org", `${app}.${domain}`, "example.com", "www.example.com"]);

    const info = (await ok(["domains:info", "www.example.com", "-a", app])).stdout;
    expect(info).toContain("=== www.example.com\n");
    expect(info).toMatch(/^Kind:\s+custom$/m);
    expect(info).toMatch(new RegExp(`^DNS Target:\\s+${app}\\.${domain}$`, "m"));
    expect(JSON.parse((await ok(["domains:info", "*.example.org", "-a", app, "--json"])).stdout)).toEqual(json);

    const removed = await ok(["domains:remove", "example.com", "-a", app]);
    expect(removed.stderr).toBe(`Removing example.com from ${app}... done\n`);
    const again = await ouro(["domains:remove", "example.com", "-a", app]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Error: Couldn't find that domain: example.com.");
  });

  it("shows the API's reason for a refused hostname", async () => {
    const res = await ouro(["domains:add", "10.0.0.1", "-a", app]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Error: "10.0.0.1" is not a hostname Ouro can route: it is an IP address; add a DNS name instead.');
  });

  it("adds, lists, shows and removes a certificate", async () => {
    const none = await ok(["certs", "-a", app]);
    expect(none.stdout).toBe(`${app} has no SSL certificates.\nUse ouro certs:add CRT KEY to add one.\n`);

    const cert = makeCertificate({ hostnames: ["www.example.com", "example.com"] });
    writeFileSync(join(dir, "server.crt"), cert.cert);
    writeFileSync(join(dir, "server.key"), cert.key);
    const added = await ok(["certs:add", join(dir, "server.crt"), join(dir, "server.key"), "-a", app]);
    expect(added.stderr).toBe(`Adding SSL certificate to ${app}... done\n`);
    expect(added.stdout).toMatch(/^Certificate details:\n/);
    expect(added.stdout).toMatch(/^Common Name\(s\):\s+www\.example\.com, example\.com$/m);
    expect(added.stdout).toMatch(/^Subject:\s+\/O=Ouro Test\/CN=www\.example\.com$/m);
    expect(added.stdout).toMatch(/^Domain\(s\):\s+www\.example\.com$/m);
    expect(added.stdout).toContain("SSL certificate is self signed.\n");
    expect(added.stdout + added.stderr).not.toContain("PRIVATE KEY");

    const [endpoint] = JSON.parse((await ok(["certs", "-a", app, "--json"])).stdout) as SniEndpointResource[];
    const table = (await ok(["certs", "-a", app])).stdout.split("\n");
    expect(table[0]).toMatch(/^Name\s+Common Name\(s\)\s+Expires\s+Trusted\s+Type\s+Domains$/);
    expect(table[2]!.split(/\s{2,}/)).toEqual([endpoint!.name, "www.example.com, example.com", expect.stringMatching(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d$/), "False", "SNI", "1"]);

    const info = await ok(["certs:info", "-a", app]);
    expect(info.stdout).toMatch(new RegExp(`^Name:\\s+${endpoint!.name}$`, "m"));
    expect(JSON.parse((await ok(["certs:info", "-a", app, "--json"])).stdout)).toMatchObject({ id: endpoint!.id, domains: endpoint!.domains });

    const missing = await ouro(["certs:add", join(dir, "nothing.crt"), join(dir, "server.key"), "-a", app]);
    expect(missing.stderr).toContain(`Error: cannot read the certificate file ${join(dir, "nothing.crt")}: no such file`);
    const mismatch = makeCertificate({ hostnames: ["other.example.org"] });
    writeFileSync(join(dir, "other.key"), mismatch.key);
    const refused = await ouro(["certs:add", join(dir, "server.crt"), join(dir, "other.key"), "-a", app]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Error: private_key does not match the certificate");

    // A second certificate: info and remove must be told which.
    await ok(["certs:add", join(dir, "server.crt"), join(dir, "server.key"), "-a", app]);
    const which = await ouro(["certs:info", "-a", app]);
    expect(which.code).toBe(1);
    expect(which.stderr).toContain(`Error: ${app} has 2 SSL certificates: say which with --name`);

    const unconfirmed = await ouro(["certs:remove", "--name", endpoint!.name, "-a", app]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain(`ouro certs:remove --name ${endpoint!.name} -a ${app} --confirm ${app}`);
    const removed = await ok(["certs:remove", "--name", endpoint!.name, "-a", app, "--confirm", app]);
    expect(removed.stderr).toBe(`Removing SSL certificate ${endpoint!.name} from ${app}... done\n`);
    const left = JSON.parse((await ok(["certs", "-a", app, "--json"])).stdout) as SniEndpointResource[];
    expect(left.map((e) => e.name)).not.toContain(endpoint!.name);
    expect(left).toHaveLength(1);

    // A renewal takes the place of the one left, under its name.
    const renewed = makeCertificate({ hostnames: ["www.example.com"], days: 90 });
    writeFileSync(join(dir, "renewed.crt"), renewed.cert);
    writeFileSync(join(dir, "renewed.key"), renewed.key);
    const updated = await ok(["certs:update", join(dir, "renewed.crt"), join(dir, "renewed.key"), "-a", app, "--confirm", app]);
    expect(updated.stderr).toBe(`Updating SSL certificate ${left[0]!.name} for ${app}... done\n`);
    expect(updated.stdout).toMatch(/^Updated certificate details:\n/);
    expect(updated.stdout).toMatch(/^Common Name\(s\):\s+www\.example\.com$/m);
  });

  it("turns maintenance mode on and off", async () => {
    expect((await ok(["maintenance", "-a", app])).stdout).toBe("off\n");
    expect((await ok(["maintenance:on", "-a", app])).stderr).toBe(`Enabling maintenance mode for ${app}... done\n`);
    expect((await ok(["maintenance", "-a", app])).stdout).toBe("on\n");
    expect(JSON.parse((await ok(["maintenance", "-a", app, "--json"])).stdout)).toEqual({ name: app, maintenance: true });
    expect((await ok(["maintenance:off", "-a", app])).stderr).toBe(`Disabling maintenance mode for ${app}... done\n`);
    expect((await ok(["maintenance", "-a", app])).stdout).toBe("off\n");
  });
});
