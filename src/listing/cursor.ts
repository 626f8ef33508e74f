import type { EventPosition } from "../db/model";
import { invalidQuery } from "../query/instant";

// Opaque to clients (they only hand it back), versioned so the format can change later.
const PREFIX = "v1.";

export function encodeCursor({ createdAt, id }: EventPosition): string {
  return PREFIX + Buffer.from(`${createdAt}:${id}`).toString("base64url");
}

export function decodeCursor(cursor: string): EventPosition {
  const decoded = cursor.startsWith(PREFIX) ? Buffer.from(cursor.slice(PREFIX.length), "base64url").toString() : "";
  const match = /^(\d{1,16}):(\d{1,16})$/.exec(decoded);
  const position = match && { createdAt: Number(match[1]), id: Number(match[2]) };
  if (!position || !Number.isSafeInteger(position.createdAt) || !Number.isSafeInteger(position.id)) {
    throw invalidQuery("cursor", "is not a cursor this server issued; pass next_cursor from the previous page unchanged", "invalid_cursor");
  }
  return position;
}
