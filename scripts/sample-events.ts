/**
 * Plausible marketplace traffic for pictures and benchmarks: sessions of a few events each,
 * more by day than by night, a few popular cards and queries. Seeded, so a run is repeatable.
 */
export type SampleEvent = {
  session_id: string;
  event_type: "card_click" | "sage_query" | "filter_change";
  payload: string;
  created_at: number;
};

const QUERIES = ["lake view", "pet friendly lodge", "quiet hotels near the lake", "cabin with sauna", "city centre", "family room", "late check-out", "spa weekend"];
const FILTERS: [string, string][] = [["price", "under_100"], ["rating", "4_plus"], ["distance", "under_5km"], ["type", "cabin"], ["price", "under_200"]];

/** A small fast PRNG (mulberry32): the same seed gives the same events. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Skewed pick from 0..n-1: low indexes much more often (roughly Zipf). */
function skewed(next: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(n * next() ** 2.5));
}

/** Share of the candidate times kept: every day hour, a third of the seven night hours. */
const KEPT = (17 + 7 * 0.34) / 24;

/** `count` events (about: the night thinning is random) between from and to (epoch ms), in time order, `perSession` per session. */
export function* sampleEvents(count: number, from: number, to: number, seed = 13, perSession = 6): Generator<SampleEvent> {
  const next = random(seed);
  const span = to - from;
  // Candidate times are spaced so that, after the night thinning, about `count` remain.
  const step = (span * KEPT) / count;
  let session = "";
  let yielded = 0;
  for (let i = 0; yielded < count && from + i * step < to; i++) {
    if (i % perSession === 0 || next() < 1 / perSession / 2) session = `s-${seed}-${Math.floor(next() * 2 ** 32).toString(36)}-${i}`;
    const at = Math.floor(from + i * step);
    const hour = new Date(at).getUTCHours();
    // Night hours keep a third of their events (a day-shaped curve); the rest are skipped.
    if (hour < 7 && next() < 0.66) continue;
    yielded += 1;
    const roll = next();
    if (roll < 0.6) {
      const card = skewed(next, 40);
      yield { session_id: session, event_type: "card_click", payload: JSON.stringify({ card_id: `c_${101 + card}`, position: card % 12, list: "recommended" }), created_at: at };
    } else if (roll < 0.85) {
      const query = QUERIES[skewed(next, QUERIES.length)]!;
      yield { session_id: session, event_type: "sage_query", payload: JSON.stringify({ query, results: Math.floor(next() * 30) }), created_at: at };
    } else {
      const [filter, value] = FILTERS[skewed(next, FILTERS.length)]!;
      yield { session_id: session, event_type: "filter_change", payload: JSON.stringify({ filter, from: "any", to: value }), created_at: at };
    }
  }
}
