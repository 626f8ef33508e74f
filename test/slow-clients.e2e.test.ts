import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Socket } from "bun";
import { EVENT_TYPES } from "../src/events/model";
import { type RunningServer, startServer, tempDir } from "./support/server";

const MiB = 1024 * 1024;
const BUDGET = 8 * MiB;
const STALLED = 60;

/** Resident memory of the server process (the child of `bun run start`), in bytes. */
function residentBytes(server: RunningServer): number {
  const runner = server.process.pid;
  const child = readFileSync(`/proc/${runner}/task/${runner}/children`, "utf8").trim().split(/\s+/)[0] ?? String(runner);
  const line = readFileSync(`/proc/${child}/status`, "utf8").split("\n").find((entry) => entry.startsWith("VmRSS:"))!;
  return Number(line.replace(/\D/g, "")) * 1024;
}

interface StalledUpload {
  socket: Socket<undefined>;
  /** What the server sent back (empty while it waits). */
  answer: () => string;
  closed: () => boolean;
}

/** Sends the headers of a `declared`-byte JSON body and `sent` bytes of it, then nothing more. */
async function stalledUpload(port: number, declared: number, sent: number): Promise<StalledUpload> {
  let answer = "";
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_socket, data) => void (answer += data.toString()),
      close: () => void (closed = true),
      error: () => void (closed = true),
    },
  });
  const head = `POST /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`;
  socket.write(head + `{"session_id":"s","event_type":"${EVENT_TYPES[0]}","payload":{"pad":"`.padEnd(sent, "x"));
  return { socket, answer: () => answer, closed: () => closed };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await Bun.sleep(25);
}

describe("slow and stalled clients cost no more than the budget", () => {
  const dir = tempDir();
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      DATABASE_URL: `${dir.path}/events.db`,
      MAX_BODY_BYTES: String(MiB),
      MAX_BODY_BYTES_IN_FLIGHT: String(BUDGET),
      BODY_READ_TIMEOUT_MS: "3000",
    });
  });
  afterAll(async () => {
    await server.stop();
    dir.cleanup();
  });

  test("past the budget a stalled upload is refused at once (503, Retry-After, closed); memory stays bounded; an event still gets its 202", async () => {
    const port = Number(new URL(server.url).port);
    const before = residentBytes(server);
    const uploads: StalledUpload[] = [];
    for (let i = 0; i < STALLED; i++) uploads.push(await stalledUpload(port, MiB, MiB - 1));
    // The large-body share of the budget (7/8 of 8 MiB) holds seven 1 MiB bodies: every other
    // upload is answered at once (waited for, rather than slept on, so a busy machine is fine).
    await until(() => uploads.filter((upload) => upload.answer() !== "").length >= STALLED - 7, 20_000);

    const refused = uploads.filter((upload) => upload.answer().startsWith("HTTP/1.1 503"));
    const waiting = uploads.filter((upload) => upload.answer() === "");
    expect(waiting.length).toBe(7);
    expect(refused.length).toBe(STALLED - 7);
    for (const upload of refused) {
      expect(upload.answer().toLowerCase()).toContain("retry-after: 1");
      expect(upload.answer()).toContain('"error":"busy_receiving"');
    }
    await until(() => refused.every((upload) => upload.closed()), 10_000);
    expect(refused.every((upload) => upload.closed())).toBe(true);

    // 60 MiB were sent; the server holds at most the budget of them (plus its own noise).
    expect(residentBytes(server) - before).toBeLessThan(BUDGET + 24 * MiB);

    const event = await fetch(`${server.url}/api/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: "s", event_type: EVENT_TYPES[0] }),
    });
    expect(event.status).toBe(202);

    // The admitted ones are cut off at the read deadline: a 408 envelope, and the connection closed.
    await until(() => waiting.every((upload) => upload.closed()), 15_000);
    for (const upload of waiting) {
      expect(upload.answer()).toStartWith("HTTP/1.1 408");
      expect(upload.answer()).toContain('"error":"request_timeout"');
      expect(upload.closed()).toBe(true);
    }
  }, 60_000);
});
