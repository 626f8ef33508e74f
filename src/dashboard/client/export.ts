import { apiGet } from "./api";
import type { Range } from "./range";
import { rangeQuery } from "./range";

/**
 * Downloads the range as NDJSON or CSV. The export endpoint needs the bearer header, which a
 * plain link cannot send (and the token must never ride in a URL), so the file is fetched by
 * script and handed to the browser as a blob. The whole file is held in memory meanwhile:
 * for ranges of millions of events, use curl against /api/events/export instead.
 */
export async function exportRange(range: Range, format: "ndjson" | "csv"): Promise<void> {
  const response = await apiGet("/api/events/export", { ...rangeQuery(range), format });
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `events.${format}`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has started the download, not before.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
