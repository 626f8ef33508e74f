import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runToExit, startServer, tempDir } from "../support/server";

const root = process.getuid?.() === 0;

/**
 * Makes `path` unwritable for this process. Root ignores file modes, so as root the file gets the
 * immutable attribute (chattr +i); returns a function that undoes it, or why it cannot be done.
 */
function makeUnwritable(path: string): (() => void) | string {
  if (!root) {
    const mode = path.endsWith(".db") || path.includes(".db-") ? 0o444 : 0o555;
    chmodSync(path, mode);
    return () => chmodSync(path, mode | 0o200);
  }
  const result = spawnSync("chattr", ["+i", path], { encoding: "utf8" });
  if (result.status !== 0) return `chattr +i is not available here (${(result.stderr || result.error?.message || "").trim()})`;
  return () => void spawnSync("chattr", ["-i", path]);
}

// Whether this file system supports what makeUnwritable needs: probed once, on a scratch file.
const probe = tempDir();
const support = makeUnwritable(probe.path);
if (typeof support === "string") console.warn(`skipping the unwritable-database boot tests: ${support}`);
else support();
probe.cleanup();

// A database the service made and stopped cleanly: its schema is in place, so the boot has
// nothing to write before it serves (as when an operator restores a file with the wrong owner).
const template = tempDir();
const templateFile = join(template.path, "events.db");
afterAll(() => template.cleanup());

/** The template database, as a clean stop leaves it (no -wal or -shm) or a killed process (an empty -wal and an -shm beside it). */
function existingDatabase(file: string, { keepWal = false } = {}) {
  copyFileSync(templateFile, file);
  if (keepWal) for (const suffix of ["-wal", "-shm"]) writeFileSync(file + suffix, "");
}

async function expectRefusal(file: string, named: string) {
  // A server that boots anyway is stopped after 8 s (and the test fails on the exit code).
  const { code, stdout, stderr } = await runToExit({ DATABASE_URL: file }, 8_000);
  expect(code).toBe(1);
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(named);
  expect(lines[0]).toMatch(/not writable|read-only|permission denied/i);
  expect(stderr).not.toMatch(/\n\s+at /);
  // It never got as far as listening.
  expect(stdout).not.toContain("listening");
}

describe.skipIf(typeof support === "string")("a database the process cannot write stops the boot with one line", () => {
  beforeAll(async () => {
    const server = await startServer({ DATABASE_URL: templateFile });
    expect(await server.stop()).toBe(0);
  }, 30_000);

  for (const [what, target, setUp] of [
    ["the database file", (file: string) => file, (file: string) => existingDatabase(file)],
    ["its folder", (file: string) => join(file, ".."), (file: string) => existingDatabase(file)],
    ["its folder, before the file exists", (file: string) => join(file, ".."), () => {}],
    ["its -wal file", (file: string) => `${file}-wal`, (file: string) => existingDatabase(file, { keepWal: true })],
    ["its -shm file", (file: string) => `${file}-shm`, (file: string) => existingDatabase(file, { keepWal: true })],
  ] as const) {
    test(`${what}: exit 1, naming the file and the reason`, async () => {
      const dir = tempDir();
      const file = join(dir.path, "events.db");
      setUp(file);
      const unwritable = target(file);
      const undo = makeUnwritable(unwritable) as () => void;
      try {
        await expectRefusal(file, unwritable);
      } finally {
        undo();
        dir.cleanup();
      }
    }, 20_000);
  }
});
