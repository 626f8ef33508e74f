import { spawnSync } from "node:child_process";
import { statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./server";

function run(command: string, ...args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return result.status === 0 ? undefined : (result.stderr || result.error?.message || `${command} exited with ${result.status}`).trim();
}

/** A small tmpfs of its own: a disk that really fills up, and can be made roomy again without a restart. */
export interface Tmpfs {
  path: string;
  /** Changes the size limit in place (files stay); a size below what is used fails. */
  resize(size: string): void;
  /** Fills what is free, leaving about `leaveBytes`, with a file of its own; returns a function that deletes it. */
  fill(leaveBytes: number): () => void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `size` (e.g. "2m") on a fresh temp folder, or says why it cannot: mounting
 * needs root (CI runs as root). Callers skip their test with that reason.
 */
export function mountTmpfs(size: string): Tmpfs | string {
  if (process.getuid?.() !== 0) return "not running as root, so no tmpfs can be mounted";
  const dir = tempDir("event-ingest-tmpfs-");
  const failed = run("mount", "-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir.path);
  if (failed) {
    dir.cleanup();
    return `mount -t tmpfs failed: ${failed}`;
  }
  return {
    path: dir.path,
    resize(newSize) {
      const error = run("mount", "-o", `remount,size=${newSize}`, dir.path);
      if (error) throw new Error(`cannot resize the tmpfs: ${error}`);
    },
    fill(leaveBytes) {
      const { bavail, bsize } = statfsSync(dir.path);
      const filler = join(dir.path, "filler");
      writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - leaveBytes)));
      return () => run("rm", "-f", filler);
    },
    unmount() {
      run("umount", "-l", dir.path);
      dir.cleanup();
    },
  };
}
