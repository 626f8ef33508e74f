import { join } from "node:path";
import { freePort } from "../test/support/server";

export interface BenchService {
  url: string;
  /** The server process itself (for /proc figures). */
  pid: number;
  stop: () => Promise<void>;
}

/**
 * The real server, spawned as `bun src/index.ts` itself rather than through `bun run start`,
 * whose wrapper process would be the pid measured; resolves once /health answers. `script`
 * may name another entry point that reads the same environment (bench/app-only.ts).
 */
export async function startService(env: Record<string, string>, script = "src/index.ts"): Promise<BenchService> {
  const port = await freePort();
  const child = Bun.spawn(["bun", script], {
    cwd: join(import.meta.dir, ".."),
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", ...env },
    stdout: "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 300) throw new Error("the server did not start");
    if (await fetch(`${url}/health`).then((response) => response.ok, () => false)) break;
    await Bun.sleep(50);
  }
  return {
    url,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}
