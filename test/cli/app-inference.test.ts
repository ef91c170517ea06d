import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appFromGitUrl, resolveApp, setRemote, withCredentials } from "../../platform/cli/index.ts";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();

describe("app inference from the checkout's git remote", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ouro-cli-"));
    git(dir, "init", "-q");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the app from the ouro remote, credentials and all", async () => {
    git(dir, "remote", "add", "ouro", "http://ouro:secret@127.0.0.1:5000/hello.git");
    expect(await resolveApp({ cwd: dir })).toBe("hello");
  });

  it("prefers -a APP over the remote", async () => {
    git(dir, "remote", "add", "ouro", "http://127.0.0.1:5000/hello.git");
    expect(await resolveApp({ app: "other", cwd: dir })).toBe("other");
  });

  it("reads another remote with -r", async () => {
    git(dir, "remote", "add", "staging", "http://127.0.0.1:5000/hello-staging.git");
    expect(await resolveApp({ remote: "staging", cwd: dir })).toBe("hello-staging");
  });

  it("says what to do when there is neither -a nor a remote", async () => {
    await expect(resolveApp({ cwd: dir })).rejects.toThrow(
      "No app specified. Use -a APP, or run inside a checkout with an 'ouro' git remote.",
    );
  });

  it("says the same outside any git repository", async () => {
    rmSync(join(dir, ".git"), { recursive: true });
    await expect(resolveApp({ cwd: dir })).rejects.toThrow("No app specified.");
  });

  it("adds the remote, then updates it, with the key as the password", async () => {
    expect(await setRemote({ cwd: dir, remote: "ouro", url: withCredentials("http://127.0.0.1:5000/a.git", "k1") })).toBe(
      "added",
    );
    expect(await setRemote({ cwd: dir, remote: "ouro", url: withCredentials("http://127.0.0.1:5000/b.git", "k2") })).toBe(
      "updated",
    );
    expect(git(dir, "remote", "get-url", "ouro")).toBe("http://ouro:k2@127.0.0.1:5000/b.git");
    expect(await resolveApp({ cwd: dir })).toBe("b");
  });

  it.each([
    ["http://127.0.0.1:5000/hello.git", "hello"],
    ["http://ouro:key@127.0.0.1:5000/hello.git/", "hello"],
    ["https://git.example.com/hello.git", "hello"],
    ["git@github.com:me/hello.git", undefined],
    ["http://127.0.0.1:5000/a/b.git", undefined],
  ])("appFromGitUrl(%s) is %s", (url, app) => {
    expect(appFromGitUrl(url)).toBe(app);
  });
});
