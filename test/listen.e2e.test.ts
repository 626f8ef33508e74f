import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { type RunningServer, runToExit, startServer, tempDir } from "./support/server";

/** The whole output of a refused boot: one line naming the variable, no stack trace. */
function expectOneLine(output: { stdout: string; stderr: string }, variable: string): void {
  expect(output.stdout).toBe("");
  const lines = output.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith("event-ingest: cannot listen on ");
  expect(lines[0]).toContain(variable);
  expect(output.stderr).not.toContain("    at ");
}

describe("a server that cannot listen says why in one line and exits 1, before creating its database", () => {
  const dir = tempDir();
  let first: RunningServer;
  beforeAll(async () => {
    first = await startServer({ DATABASE_URL: `${dir.path}/first.db` });
  });
  afterAll(async () => {
    await first.stop();
    dir.cleanup();
  });

  test("a taken port is refused (no port sharing), naming PORT", async () => {
    const port = new URL(first.url).port;
    const second = await runToExit({ PORT: port, DATABASE_URL: `${dir.path}/second.db` });
    expect(second.code).toBe(1);
    expectOneLine(second, `PORT ${port} is already in use`);
    expect(existsSync(`${dir.path}/second.db`)).toBe(false);
    // The first server still gets every request.
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
  });

  test("a HOST that does not resolve, naming HOST", async () => {
    const result = await runToExit({ HOST: "no-such-host.invalid", PORT: "3999", DATABASE_URL: `${dir.path}/third.db` });
    expect(result.code).toBe(1);
    expectOneLine(result, 'HOST "no-such-host.invalid"');
    expect(existsSync(`${dir.path}/third.db`)).toBe(false);
  });
});
