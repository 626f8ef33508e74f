import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, tempDir } from "./server";

const CONFIG = join(import.meta.dir, "..", "..", "deploy", "nginx.conf");

export function nginxBinary(): string {
  const found = Bun.which("nginx") ?? ["/usr/sbin/nginx", "/usr/local/sbin/nginx"].find((path) => existsSync(path));
  if (!found) throw new Error("nginx not found: install it (apt-get install -y nginx) to run the scale-out tests");
  return found;
}

/**
 * deploy/nginx.conf with its listen address and upstream servers moved to the given loopback
 * ports. Every rewrite must match, so the test fails rather than silently testing another set-up.
 */
export function nginxConfigFor(listenPort: number, upstreamPorts: number[]): string {
  const original = readFileSync(CONFIG, "utf8");
  const servers = [...original.matchAll(/^(\s*)server 127\.0\.0\.1:\d+( .*;)$/gm)];
  if (servers.length < 2) throw new Error("deploy/nginx.conf: expected at least two `server 127.0.0.1:PORT ...;` lines");
  const [first] = servers;
  const upstream = upstreamPorts.map((port) => `${first![1]}server 127.0.0.1:${port}${first![2]}`).join("\n");
  let config = original.replace(first![0], upstream);
  for (const extra of servers.slice(1)) config = config.replace(`${extra[0]}\n`, "");
  const listen = /listen 127\.0\.0\.1:\d+/;
  if (!listen.test(config)) throw new Error("deploy/nginx.conf: expected `listen 127.0.0.1:PORT`");
  return config.replace(listen, `listen 127.0.0.1:${listenPort}`);
}

export interface RunningNginx {
  url: string;
  errorLog: () => string;
  stop: () => Promise<void>;
}

/** Runs nginx in the foreground with the repo's config under a temp prefix, until `stop()`. */
export async function startNginx(upstreamPorts: number[], timeoutMs = 10_000): Promise<RunningNginx> {
  const binary = nginxBinary();
  const prefix = tempDir("event-ingest-nginx-");
  mkdirSync(join(prefix.path, "logs"));
  const port = await freePort();
  const configPath = join(prefix.path, "nginx.conf");
  writeFileSync(configPath, nginxConfigFor(port, upstreamPorts));
  const child = Bun.spawn([binary, "-p", prefix.path, "-c", configPath, "-e", join(prefix.path, "logs", "error.log"), "-g", "daemon off;"], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const errorLog = () => {
    try {
      return readFileSync(join(prefix.path, "logs", "error.log"), "utf8");
    } catch {
      return "";
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${await new Response(child.stderr).text()}${errorLog()}`);
    try {
      await fetch(`${url}/health`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`nginx did not start listening: ${errorLog()}`);
      }
      await Bun.sleep(50);
    }
  }
  return {
    url,
    errorLog,
    stop: async () => {
      child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await child.exited;
      clearTimeout(timer);
      prefix.cleanup();
    },
  };
}
