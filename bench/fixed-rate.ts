/**
 * Open-loop load at a fixed rate (wrk2 is not packaged for Debian):
 *   bun bench/fixed-rate.ts <url> <requests/s> <seconds> [connections] [grace seconds]
 * The first second warms up both sides (JIT, connections) and is not recorded.
 * Requests are sent on a schedule over a pool of keep-alive connections, each waiting for its
 * answer. Latency is measured from the moment the request was sent; if every connection was
 * busy when a request fell due (the server stalled), it is measured from when it fell due, so a
 * stall is not hidden by sending less (coordinated omission). Requests still unanswered `grace`
 * seconds (default 30) after the last fell due count with the time they have waited so far, and
 * as `unanswered`. Prints one JSON line.
 */
import type { Socket } from "bun";
import { randomRow } from "./rows";

const [url, rateArg, secondsArg, connectionsArg = "16", graceArg = "30"] = process.argv.slice(2);
if (!url || !rateArg || !secondsArg) {
  process.stderr.write("usage: bun bench/fixed-rate.ts <url> <requests/s> <seconds> [connections]\n");
  process.exit(2);
}
const target = new URL(url);
const rate = Number(rateArg);
const warmup = Math.round(rate);
const total = warmup + Math.round(rate * Number(secondsArg));
const intervalMs = 1000 / rate;

interface Connection {
  socket: Socket<undefined>;
  startedAt: number;
  buffer: string;
}

const latencies: number[] = [];
const statuses = new Map<number, number>();
const idle: Connection[] = [];
const due: number[] = [];
let sent = 0;
let answered = 0;
let finish: () => void;
const finished = new Promise<void>((resolve) => (finish = resolve));

function request(): string {
  const row = randomRow(0);
  const body = JSON.stringify({ session_id: row.session_id, event_type: row.event_type, payload: JSON.parse(row.payload) });
  return `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function send(connection: Connection, startedAt: number): void {
  connection.startedAt = startedAt;
  connection.socket.write(request());
  sent++;
}

function onData(connection: Connection, chunk: Buffer): void {
  connection.buffer += chunk.toString("latin1");
  const headerEnd = connection.buffer.indexOf("\r\n\r\n");
  if (headerEnd < 0) return;
  const length = Number(/content-length: *(\d+)/i.exec(connection.buffer.slice(0, headerEnd))?.[1] ?? 0);
  if (connection.buffer.length < headerEnd + 4 + length) return;
  const now = performance.now();
  const status = Number(connection.buffer.slice(9, 12));
  connection.buffer = connection.buffer.slice(headerEnd + 4 + length);
  if (answered >= warmup) latencies.push(now - connection.startedAt);
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  answered++;
  // A request that waited for a free connection is timed from when it fell due.
  const waiting = due.shift();
  if (waiting !== undefined) send(connection, waiting);
  else idle.push(connection);
  if (answered === total) finish();
}

const connections: Connection[] = await Promise.all(
  Array.from({ length: Number(connectionsArg) }, async () => {
    const connection = { startedAt: 0, buffer: "" } as Connection;
    connection.socket = await Bun.connect({
      hostname: target.hostname,
      port: Number(target.port),
      socket: { data: (_socket, chunk) => onData(connection, chunk) },
    });
    connection.socket.setNoDelay(true);
    return connection;
  }),
);
idle.push(...connections);

const start = performance.now();
let scheduled = 0;
function tick(): void {
  const now = performance.now();
  while (scheduled < total && start + scheduled * intervalMs <= now) {
    const dueAt = start + scheduled * intervalMs;
    scheduled++;
    const connection = idle.pop();
    if (connection) send(connection, performance.now());
    else due.push(dueAt);
  }
  if (scheduled < total) setTimeout(tick, Math.max(0, start + scheduled * intervalMs - performance.now()));
}
tick();
const timeout = setTimeout(() => finish(), (total / rate) * 1000 + Number(graceArg) * 1000);
await finished;
clearTimeout(timeout);
const seconds = (performance.now() - start) / 1000;
// A stalled server must not look fast: what is still in flight or waiting counts as waited so far.
const stoppedAt = performance.now();
const unanswered = total - answered;
for (const connection of connections) if (!idle.includes(connection)) latencies.push(stoppedAt - connection.startedAt);
for (const dueAt of due) latencies.push(stoppedAt - dueAt);
for (const connection of connections) connection.socket.end();

latencies.sort((a, b) => a - b);
const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? 0;
process.stdout.write(
  `${JSON.stringify({
    rate,
    seconds,
    sent,
    answered,
    unanswered,
    accepted: statuses.get(202) ?? 0,
    statuses: Object.fromEntries(statuses),
    p50: at(50),
    p99: at(99),
    p999: at(99.9),
    max: latencies.at(-1) ?? 0,
  })}\n`,
);
