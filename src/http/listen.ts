import { readFileSync } from "node:fs";

/**
 * Why the server could not listen, as the one line the operator reads: which variable to fix
 * and how. Bun reports a taken port as EADDRINUSE, a low port without privileges as EACCES,
 * and a HOST that does not resolve, or is not an address of this machine, as EINVAL or
 * EADDRNOTAVAIL.
 */
export function listenFailure(error: unknown, host: string, port: number): string {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `cannot listen on ${host}:${port}`;
  switch (code) {
    case "EADDRINUSE":
      return `${where}: PORT ${port} is already in use (is another copy of the server running?); stop it or set PORT to a free port`;
    case "EACCES":
      return `${where}: not allowed to use PORT ${port} (ports below 1024 need privileges); set PORT to 1024 or above`;
    case "EINVAL":
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return `${where}: HOST "${host}" does not resolve to an address of this machine; set HOST to 0.0.0.0 (all interfaces), 127.0.0.1 or one of its addresses`;
  }
  return `${where}: ${error instanceof Error ? error.message : String(error)}; check HOST and PORT`;
}

/**
 * Throws what listening on host:port would throw, before anything else is opened, so a server
 * that cannot listen never creates its database file. A port taken in the moment between this
 * probe and the real listen is still refused there (reusePort is off), only after the file exists.
 */
export async function probeListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = Bun.serve({ hostname: host, port, reusePort: false, fetch: () => new Response(null, { status: 503 }) });
  await probe.stop(true);
}

/** Below this many open files, the server warns at boot (each connection holds one). */
export const FEW_OPEN_FILES = 4096;

/**
 * The soft limit on open files (`ulimit -n`), from /proc on Linux; undefined elsewhere. Every
 * connection takes a descriptor: measured with a limit of 1024, about 1,100 idle connections
 * stalled new clients for ~10 s while the server spun at 50-77 % CPU. Bun has no connection
 * cap, so the operator is told at boot instead (see docs/operations.md).
 */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((entry: string) => entry.startsWith("Max open files"));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}
