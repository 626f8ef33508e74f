import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, send, type TestApp } from "./support/app";

const REDOCLY = join(import.meta.dir, "../node_modules/@redocly/cli/bin/cli.js");

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** `redocly lint` with its recommended rules, run from the pinned dev dependency, offline. */
async function redoclyLint(file: string): Promise<LintReport> {
  const lint = Bun.spawn([process.execPath, REDOCLY, "lint", file, "--format=json"], {
    // No telemetry and no update check: the lint never needs the network.
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
  });
  const [stdout, stderr] = await Promise.all([new Response(lint.stdout).text(), new Response(lint.stderr).text()]);
  await lint.exited;
  if (!stdout.trim().startsWith("{")) throw new Error(`redocly lint printed no report (exit ${lint.exitCode}): ${stderr}`);
  return JSON.parse(stdout) as LintReport;
}

describe("the served OpenAPI document is valid", () => {
  let ctx: TestApp;
  let document: Record<string, unknown>;
  let folder: string;
  beforeAll(async () => {
    ctx = await buildApp();
    document = (await (await send(ctx.app, "/swagger/json")).json()) as Record<string, unknown>;
    folder = mkdtempSync(join(tmpdir(), "openapi-"));
  });
  afterAll(async () => {
    await ctx.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test("it declares OpenAPI 3.1, whose keywords (const, examples, type null) it uses", () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
  });

  test("redocly lint (recommended rules) reports no errors", async () => {
    const file = join(folder, "openapi.json");
    await Bun.write(file, JSON.stringify(document));
    const report = await redoclyLint(file);
    const errors = report.problems.filter((problem) => problem.severity === "error");
    expect(errors.map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`)).toEqual([]);
    expect(report.totals.errors).toBe(0);
    // The warnings left have a reason: no license is declared (the package has none), and GET /
    // and GET /health have no 4xx answer (they have none to give).
    expect(report.problems.map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer}`).sort()).toEqual([
      "info-license #/info",
      "operation-4xx-response #/paths/~1/get/responses",
      "operation-4xx-response #/paths/~1health/get/responses",
    ]);
  }, 40_000);

  test("@apidevtools/swagger-parser validates it", async () => {
    // validate() dereferences in place, so it gets its own copy.
    const api = await SwaggerParser.validate(structuredClone(document) as never);
    expect(Object.keys(api.paths ?? {})).toContain("/api/events");
  });
});
