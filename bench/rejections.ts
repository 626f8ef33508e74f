/**
 * `bun bench/rejections.ts` (part of `bun run bench`): what each refusal costs against what an
 * acceptance costs. wrk POSTs one fixed body per row (bench/fixed-body.lua) at the same
 * connection count, rows interleaved A B A B in one run:
 *
 * - 202: a valid event to the real service (`bun src/index.ts`, a temp SQLite file, the
 *   defaults), so every 202 is a commit on the writer thread;
 * - 400 malformed JSON, 413 over MAX_BODY_BYTES (by Content-Length), 415 wrong Content-Type,
 *   422 unknown event_type, 422 array payload, 422 nesting past the limit: the same service;
 * - for reference, a 202 from the HTTP layer alone (bench/app-only.ts, storage discarded):
 *   the framework's share of an acceptance, without the commit.
 *
 * Target (issue 10): every refusal at or above the committed 202's rate. The last column compares
 * with the HTTP layer's 202, the stricter reference: a refusal should cost no more than the
 * framework's share of an acceptance either. Each figure is a median over rounds; a ratio is the
 * median of the per-round ratios. Prints the table and writes it to bench/REJECTIONS.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type FixedBody, wrkFixedBody } from "./fixed-body";
import { startService } from "./service";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 64;
// Small, so the 413 row's body is small too: the refusal is decided from Content-Length.
const MAX_BODY_BYTES = 2048;
const IDLE_WAL_MS = 2500;

const log = (line: string) => process.stderr.write(`[rejections bench] ${line}\n`);
const event = { session_id: "3f6c2a9e-7b1d-4c55-9a0e-2d8f1b7c4e10", event_type: "card_click", payload: { card_id: "c_123", position: 4, list: "recommended" } };
const json = (body: string, status: number): FixedBody => ({ path: "/api/events", type: "application/json", body, status });
type Server = "service" | "app-only";
const ROWS: { name: string; server: Server; request: FixedBody }[] = [
  { name: "202 valid event (committed)", server: "service", request: json(JSON.stringify(event), 202) },
  { name: "400 malformed JSON", server: "service", request: json(JSON.stringify(event).slice(0, -3), 400) },
  { name: "413 over MAX_BODY_BYTES", server: "service", request: json(JSON.stringify({ ...event, payload: { pad: "x".repeat(MAX_BODY_BYTES) } }), 413) },
  { name: "415 wrong content type", server: "service", request: { ...json("<event/>", 415), type: "application/xml" } },
  { name: "422 unknown event_type", server: "service", request: json(JSON.stringify({ ...event, event_type: "hover" }), 422) },
  { name: "422 array payload", server: "service", request: json(JSON.stringify({ ...event, payload: [1, 2] }), 422) },
  { name: "422 nested 100 levels", server: "service", request: json(JSON.stringify({ ...event, payload: { a: JSON.parse(`${"[".repeat(100)}${"]".repeat(100)}`) } }), 422) },
  { name: "202 HTTP layer alone (storage discarded)", server: "app-only", request: json(JSON.stringify(event), 202) },
];

const folder = mkdtempSync(join(tmpdir(), "event-ingest-rejections-"));
const env = { MAX_BODY_BYTES: String(MAX_BODY_BYTES), LOG_LEVEL: "warn" };
const loadBefore = loadavg()[0]!;
const servers = {
  service: await startService({ ...env, DATABASE_URL: join(folder, "events.db") }),
  "app-only": await startService({ ...env, DATABASE_URL: join(folder, "read-side.db") }, "bench/app-only.ts"),
};
const rates = new Map<string, number[]>(ROWS.map((row) => [row.name, []]));
try {
  // Warm-up: JIT and the first pages of the file, off the record.
  for (const row of ROWS) await wrkFixedBody(servers[row.server].url, row.request, CONNECTIONS, 1);
  await Bun.sleep(IDLE_WAL_MS);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const row of ROWS) {
      const { perSecond, p99Ms } = await wrkFixedBody(servers[row.server].url, row.request, CONNECTIONS, SECONDS);
      rates.get(row.name)!.push(perSecond);
      log(`round ${round} ${row.name}: ${Math.round(perSecond).toLocaleString("en")} answers/s, p99 ${p99Ms.toFixed(2)} ms`);
      // The checkpointer empties the WAL once commits stopped for a second: let it, or the
      // checkpoint of the committed 202s would be charged to the next row.
      if (row.server === "service" && row.request.status === 202) await Bun.sleep(IDLE_WAL_MS);
    }
  }
} finally {
  await servers.service.stop();
  await servers["app-only"].stop();
  rmSync(folder, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const accepted = rates.get(ROWS[0]!.name)!;
const framework = rates.get(ROWS.at(-1)!.name)!;
const lines = [
  `Rejections against acceptances: ${ROUNDS} rounds A B A B, ${CONNECTIONS} connections, ${SECONDS} s per row, MAX_BODY_BYTES=${MAX_BODY_BYTES}; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (2-core machine):`,
  "",
  "| answer | answers/s (median) | × committed 202 | per round | target ≥ 1.0 | × HTTP-layer 202 |",
  "|---|---:|---:|---|---|---:|",
];
let met = true;
for (const row of ROWS) {
  const ratios = rates.get(row.name)!.map((rate, round) => rate / accepted[round]!);
  const ratio = median(ratios);
  const refusal = row.request.status !== 202;
  if (refusal && ratio < 1) met = false;
  const verdict = !refusal ? "" : ratio >= 1 ? "met" : `MISSED by ${((1 - ratio) * 100).toFixed(0)} %`;
  const ofFramework = median(rates.get(row.name)!.map((rate, round) => rate / framework[round]!));
  lines.push(`| ${row.name} | ${Math.round(median(rates.get(row.name)!)).toLocaleString("en")} | ${ratio.toFixed(2)} | ${ratios.map((r) => r.toFixed(2)).join(", ")} | ${verdict} | ${ofFramework.toFixed(2)} |`);
}
lines.push("", `Every refusal at or above the committed 202's rate: ${met ? "met" : "MISSED"}.`);
console.log(lines.join("\n"));
const stamp = `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`;
writeFileSync(join(import.meta.dir, "REJECTIONS.md"), `# Rejection paths\n\nWritten by \`bun bench/rejections.ts\` (part of \`bun run bench\`). ${stamp}\n\n${lines.join("\n")}\n`);
