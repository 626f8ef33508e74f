import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted (is it immutable? see lsattr)",
  EROFS: "read-only file system",
};

/**
 * Refuses, naming the file and the reason, a database this process could not write: its folder
 * (where the -wal and -shm files are created), the file, or a -wal or -shm left beside it. SQLite
 * itself would open a write-protected file read-only without a word, and every commit would fail.
 * access(2) answers for this process as it is, root included (EROFS, the immutable attribute).
 */
export function assertWritable(path: string): void {
  const folder = dirname(path);
  check(folder, "the database folder", constants.R_OK | constants.W_OK | constants.X_OK);
  for (const [file, what] of [[path, "the database file"], [`${path}-wal`, "the database's -wal file"], [`${path}-shm`, "the database's -shm file"]] as const) {
    if (existsSync(file)) check(file, what, constants.R_OK | constants.W_OK);
  }
}

function check(path: string, what: string, mode: number): void {
  try {
    accessSync(path, mode);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    throw new Error(`${what} ${path} is not writable by this process: ${REASONS[code] ?? code}`);
  }
}
