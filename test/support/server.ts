import type { Subprocess } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

/** A temp folder removed by `cleanup()`; the database of an end-to-end test lives in it. */
export function tempDir(prefix = "event-ingest-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  return port;
}

export interface RunningServer {
  url: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the server wrote to stdout so far. */
  stdout: () => string;
  /** Everything the server wrote to stdout and stderr so far. */
  output: () => string;
  /** Sends a signal to the server process itself and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number>;
}

/**
 * `bun run start` runs the server as a child of the runner. A signal meant for the server goes
 * to that child: the runner forwards SIGTERM, but a SIGKILL of the runner would orphan the server.
 */
function serverPid(runner: Subprocess): number {
  try {
    const children = readFileSync(`/proc/${runner.pid}/task/${runner.pid}/children`, "utf8").trim().split(/\s+/);
    return children[0] ? Number(children[0]) : runner.pid;
  } catch {
    return runner.pid;
  }
}

function kill(runner: Subprocess, signal: NodeJS.Signals): void {
  try {
    process.kill(serverPid(runner), signal);
  } catch {
    // Already gone.
  }
  if (signal === "SIGKILL") runner.kill("SIGKILL");
}

/**
 * Starts the real server with `bun run start` (--silent: its output is only the server's), waiting
 * until /health answers. BOT_FILTER is `flag` unless `env` says otherwise: the tests' clients are
 * scripts and headless Chromium (`Bun/1.4.5`, `HeadlessChrome`), which the default `drop` would
 * acknowledge without storing; `flag` stores them, marked as bots.
 */
export async function startServer(env: Record<string, string>, timeoutMs = 15_000): Promise<RunningServer> {
  const port = await freePort();
  const child = Bun.spawn(["bun", "run", "--silent", "start"], {
    cwd: ROOT,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "info", BOT_FILTER: "flag", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stdout = "";
  let stderr = "";
  const drained = Promise.all([
    (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) stdout += chunk;
    })(),
    (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
    })(),
  ]);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let healthy = false;
  while (!healthy && Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}${stdout}`);
    try {
      healthy = (await fetch(`${url}/health`)).ok;
    } catch {
      // Not listening yet.
    }
    if (!healthy) await Bun.sleep(50);
  }
  if (!healthy) {
    kill(child, "SIGKILL");
    throw new Error(`server did not become healthy: ${stderr}${stdout}`);
  }
  return {
    url,
    process: child,
    stdout: () => stdout,
    output: () => stdout + stderr,
    stop: async (signal = "SIGTERM") => {
      kill(child, signal);
      const code = await child.exited;
      // The last lines may still be in the pipe when the process has exited (seen on a loaded
      // machine: the final "stopped cleanly" missing); read to the end, briefly, in case an
      // orphaned grandchild holds the pipe open.
      await Promise.race([drained, Bun.sleep(2000)]);
      return code;
    },
  };
}

/** Runs `bun run start` to completion (for boot failures); returns exit code and output. */
export async function runToExit(env: Record<string, string>, timeoutMs = 15_000) {
  const child = Bun.spawn(["bun", "run", "--silent", "start"], {
    cwd: ROOT,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => kill(child, "SIGKILL"), timeoutMs);
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}
