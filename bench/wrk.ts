/**
 * wrk with one of bench/'s Lua scripts. Each script prints its figures as one line
 * `WRK_JSON {...}`; this runs it from the repository root and returns that line parsed.
 */
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");

export interface WrkRun {
  /** The URL wrk opens; the script may change the path. */
  url: string;
  /** The Lua script, relative to the repository root (e.g. "bench/events.lua"). */
  script: string;
  connections: number;
  seconds: number;
  /** Passed to the script after `--` (its init(args)). */
  args?: string[];
  env?: Record<string, string>;
}

export async function runWrk<Result>({ url, script, connections, seconds, args = [], env = {} }: WrkRun): Promise<Result> {
  const wrk = Bun.which("wrk");
  if (!wrk) throw new Error("wrk is not installed: apt-get install -y wrk");
  const command = [wrk, "-t2", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", script, url, ...(args.length > 0 ? ["--", ...args] : [])];
  const child = Bun.spawn(command, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "inherit" });
  const [text, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (code !== 0) throw new Error(`wrk (${script}) exited with ${code}: ${text}`);
  const line = text.split("\n").find((candidate) => candidate.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk (${script}) printed no result: ${text}`);
  return JSON.parse(line.slice("WRK_JSON ".length)) as Result;
}
