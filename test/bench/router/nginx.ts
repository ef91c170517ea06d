// nginx from Debian's package as the reference reverse proxy: the same work the router does on
// a request — keep-alive to clients and a pool of kept-alive connections to the dyno, the
// forwarding headers and a request id both ways, no buffering of the answer, one access log line
// per request (buffered, as the router's are) — with the same number of worker processes.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function nginxConfig(opts: { dir: string; port: number; dynoPort: number; processes: number }): string {
  const { dir } = opts;
  return `
daemon off;
master_process on;
user root;
worker_processes ${opts.processes};
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 4096; }
http {
  access_log ${join(dir, "access.log")} combined buffer=64k flush=1s;
  client_body_temp_path ${join(dir, "body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
  keepalive_timeout 90s;
  keepalive_requests 100000;
  upstream dyno {
    server 127.0.0.1:${opts.dynoPort};
    keepalive 128;
    keepalive_requests 100000;
  }
  server {
    listen 127.0.0.1:${opts.port};
    location / {
      proxy_pass http://dyno;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Request-Start $msec;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header Via "1.1 nginx";
      add_header X-Request-Id $request_id;
      add_header Via "1.1 nginx";
      proxy_buffering off;
      proxy_connect_timeout 5s;
      proxy_read_timeout 30s;
    }
  }
}
`;
}

export function startNginx(opts: { dir: string; port: number; dynoPort: number; processes: number }): ChildProcess {
  mkdirSync(opts.dir, { recursive: true });
  const conf = join(opts.dir, "nginx.conf");
  writeFileSync(conf, nginxConfig(opts));
  return spawn("nginx", ["-p", opts.dir, "-c", conf], { stdio: ["ignore", "inherit", "inherit"] });
}
