import type { EventPosition } from "../db/model";
import { registerFormat } from "../http/validation";
import { invalidQuery } from "../query/instant";

// Opaque to clients (they only hand it back), versioned so the format can change later.
const PREFIX = "v1.";

export function encodeCursor({ createdAt, id }: EventPosition): string {
  return PREFIX + Buffer.from(`${createdAt}:${id}`).toString("base64url");
}

function readCursor(cursor: string): EventPosition | undefined {
  const decoded = cursor.startsWith(PREFIX) ? Buffer.from(cursor.slice(PREFIX.length), "base64url").toString() : "";
  const match = /^(\d{1,16}):(\d{1,16})$/.exec(decoded);
  const position = match && { createdAt: Number(match[1]), id: Number(match[2]) };
  return position && Number.isSafeInteger(position.createdAt) && Number.isSafeInteger(position.id) ? position : undefined;
}

const CURSOR_MESSAGE = "is not a cursor this server issued; pass next_cursor from the previous page unchanged";

/** The schema format of `cursor`, checked with the other parameters so every failing one is listed. */
export const CURSOR_FORMAT = "cursor";
registerFormat(CURSOR_FORMAT, (cursor) => readCursor(cursor) !== undefined, () => CURSOR_MESSAGE);

export function decodeCursor(cursor: string): EventPosition {
  const position = readCursor(cursor);
  if (!position) throw invalidQuery("cursor", CURSOR_MESSAGE);
  return position;
}
