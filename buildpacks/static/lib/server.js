// A static file server for the slug (no dependencies). Serves the app's root, or static.json's
// `root`, on $PORT. static.json subset: root, clean_urls, headers, error_page.
//   node .heroku/static/server.js           serve
//   node .heroku/static/server.js --check   validate static.json and exit
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const appDir = path.resolve(__dirname, "..", "..");
const TYPES = {
  ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".json": "application/json",
  ".txt": "text/plain; charset=utf-8", ".xml": "application/xml", ".svg": "image/svg+xml", ".png": "image/png",
  ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
  ".avif": "image/avif", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".pdf": "application/pdf",
  ".wasm": "application/wasm", ".map": "application/json", ".webmanifest": "application/manifest+json",
  ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg",
};

function loadConfig() {
  const file = path.join(appDir, "static.json");
  let config = {};
  if (fs.existsSync(file)) {
    try {
      config = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
      throw new Error(`static.json is not valid JSON: ${error.message}`);
    }
    if (config === null || typeof config !== "object" || Array.isArray(config)) throw new Error("static.json must be a JSON object");
  }
  const defaultRoot = !fs.existsSync(path.join(appDir, "index.html")) && fs.existsSync(path.join(appDir, "public", "index.html")) ? "public/" : "./";
  const root = path.resolve(appDir, config.root ?? defaultRoot);
  if (typeof (config.root ?? "") !== "string") throw new Error("static.json: root must be a string");
  if (root !== appDir && !root.startsWith(appDir + path.sep)) throw new Error(`static.json: root "${config.root}" is outside the app`);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`static.json: root "${config.root ?? defaultRoot}" is not a directory`);
  if (config.clean_urls !== undefined && typeof config.clean_urls !== "boolean") throw new Error("static.json: clean_urls must be true or false");
  const headers = Object.entries(config.headers ?? {}).map(([pattern, values]) => {
    if (values === null || typeof values !== "object") throw new Error(`static.json: headers "${pattern}" must map header names to values`);
    return { regex: globRegex(pattern), values: Object.entries(values).map(([k, v]) => [k, String(v)]) };
  });
  if (config.error_page !== undefined && typeof config.error_page !== "string") throw new Error("static.json: error_page must be a path");
  return { root, cleanUrls: config.clean_urls === true, headers, errorPage: config.error_page };
}

// "/assets/**" matches any depth, "*" one path segment, as in heroku's static.json.
function globRegex(pattern) {
  const body = pattern.split("**").map((part) => part.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")).join(".*");
  return new RegExp(`^${body}$`);
}

// A file under root for a URL path, or null. Dot segments (.heroku, .profile.d) are never served.
function fileFor(config, urlPath) {
  if (urlPath.split("/").some((segment) => segment.startsWith("."))) return null;
  const full = path.resolve(config.root, `.${urlPath}`);
  if (full !== config.root && !full.startsWith(config.root + path.sep)) return null;
  const stat = fs.statSync(full, { throwIfNoEntry: false });
  if (!stat) return null;
  return { full, isDir: stat.isDirectory(), size: stat.size };
}

function send(req, res, config, status, file, urlPath) {
  const headers = { "content-type": TYPES[path.extname(file.full).toLowerCase()] ?? "application/octet-stream", "content-length": file.size };
  for (const rule of config.headers) if (rule.regex.test(urlPath)) for (const [k, v] of rule.values) headers[k.toLowerCase()] = v;
  res.writeHead(status, headers);
  if (req.method === "HEAD") return res.end();
  fs.createReadStream(file.full).on("error", () => res.destroy()).pipe(res);
}

function handle(config, req, res) {
  if (req.method !== "GET" && req.method !== "HEAD") return res.writeHead(405, { allow: "GET, HEAD" }).end();
  let urlPath;
  try {
    urlPath = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    return res.writeHead(400).end("bad request\n");
  }
  const query = (req.url ?? "").includes("?") ? (req.url ?? "").slice((req.url ?? "").indexOf("?")) : "";
  if (config.cleanUrls && urlPath.endsWith(".html")) {
    const clean = urlPath.replace(/(\/index)?\.html$/, "") || "/";
    return res.writeHead(301, { location: clean + query }).end();
  }
  let file = fileFor(config, urlPath);
  if (file?.isDir) {
    if (!urlPath.endsWith("/")) return res.writeHead(301, { location: `${urlPath}/${query}` }).end();
    file = fileFor(config, `${urlPath}index.html`);
  }
  if (!file && config.cleanUrls && !urlPath.endsWith("/")) file = fileFor(config, `${urlPath}.html`);
  if (file && !file.isDir) return send(req, res, config, 200, file, urlPath);
  const errorPage = config.errorPage && fileFor(config, `/${config.errorPage.replace(/^\/+/, "")}`);
  if (errorPage && !errorPage.isDir) return send(req, res, config, 404, errorPage, urlPath);
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not Found\n");
}

let config;
try {
  config = loadConfig();
} catch (error) {
  console.log(error.message);
  process.exit(1);
}
if (process.argv.includes("--check")) {
  console.log(`serving ${path.relative(appDir, config.root) || "."}/${config.cleanUrls ? " with clean URLs" : ""}`);
  process.exit(0);
}
const server = http.createServer((req, res) => handle(config, req, res));
server.listen(Number(process.env.PORT ?? 5000), () => console.log(`static: serving ${config.root} on port ${server.address().port}`));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
