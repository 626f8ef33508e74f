import { EVENT_TYPES } from "../../src/events/model";

export interface LoadResult {
  /** session_ids whose POST was answered 202. */
  accepted: string[];
  /** Every session_id that was sent, answered or not. */
  sent: string[];
  /** Statuses other than 202, and "error" for requests that got no answer. */
  other: (number | string)[];
}

/**
 * Posts `workers × perWorker` events to a real server, `workers` at a time, each with a unique
 * session_id. Calls `onAnswered(n)` after every answer, so a test can signal the server mid-way.
 * Bounded on purpose: hundreds of requests, each with a timeout.
 */
export async function fireLoad(
  url: string,
  { workers = 20, perWorker = 20, onAnswered = (_answered: number) => {} } = {},
): Promise<LoadResult> {
  const result: LoadResult = { accepted: [], sent: [], other: [] };
  let answered = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; i < perWorker; i++) {
        const sessionId = `load-${worker}-${i}`;
        result.sent.push(sessionId);
        try {
          const response = await fetch(`${url}/api/events`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ session_id: sessionId, event_type: EVENT_TYPES[i % EVENT_TYPES.length], payload: { worker, i } }),
            signal: AbortSignal.timeout(10_000),
          });
          await response.arrayBuffer();
          if (response.status === 202) result.accepted.push(sessionId);
          else result.other.push(response.status);
        } catch {
          result.other.push("error");
        }
        onAnswered(++answered);
      }
    }),
  );
  return result;
}
