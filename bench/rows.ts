// The same shapes bench/events.lua posts, so the storage ceiling writes the rows the service writes.
const PAYLOADS = [
  ["card_click", (a: number, b: number) => `{"card_id":"c_${pad(a)}","position":${b},"list":"recommended"}`],
  ["sage_query", (a: number, b: number) => `{"query":"quiet hotels near the lake ${pad(a)}","results":${b}}`],
  ["filter_change", (a: number, b: number) => `{"filter":"price","from":"any","to":"under_${pad(a)}_${b}"}`],
] as const;

function pad(value: number): string {
  return String(value).padStart(5, "0");
}

function randomInt(max: number): number {
  return Math.floor(Math.random() * max);
}

function hex32(): string {
  let out = "";
  for (let i = 0; i < 4; i++) out += randomInt(0x7fffffff).toString(16).padStart(8, "0");
  return out;
}

/** One random event as the service would store it; `createdAt` in epoch milliseconds. */
export function randomRow(createdAt: number): { session_id: string; event_type: string; payload: string; created_at: number } {
  const [eventType, payload] = PAYLOADS[randomInt(3)]!;
  return { session_id: hex32(), event_type: eventType, payload: payload(randomInt(100_000), 1 + randomInt(48)), created_at: createdAt };
}
