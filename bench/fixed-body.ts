import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWrk } from "./wrk";

export interface FixedBody {
  /** Route the body is POSTed to. */
  path: string;
  /** Its Content-Type. */
  type: string;
  body: string;
  /** The one status every answer must have. */
  status: number;
}

export interface FixedBodyResult {
  /** Answers with the expected status, per second. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const work = mkdtempSync(join(tmpdir(), "event-ingest-fixed-body-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
let files = 0;

/**
 * wrk POSTing one fixed body over `connections` keep-alive connections for `seconds`
 * (bench/fixed-body.lua). Throws unless every answer (bar 1 %, the requests cut off when wrk
 * stops) has the expected status: a row must measure the path it names.
 */
export async function wrkFixedBody(url: string, request: FixedBody, connections: number, seconds: number): Promise<FixedBodyResult> {
  const file = join(work, `body-${files++}`);
  writeFileSync(file, request.body);
  const result = await runWrk<{ requests: number; seconds: number; p50: number; p99: number; statuses: Record<string, number> }>({
    url,
    script: "bench/fixed-body.lua",
    connections,
    seconds,
    env: { BENCH_BODY_FILE: file, BENCH_PATH: request.path, BENCH_TYPE: request.type },
  });
  const right = result.statuses[String(request.status)] ?? 0;
  if (right < result.requests * 0.99) throw new Error(`POST ${request.path}: expected ${request.status}, got ${JSON.stringify(result.statuses)}`);
  return { perSecond: right / result.seconds, p50Ms: result.p50 / 1000, p99Ms: result.p99 / 1000 };
}
