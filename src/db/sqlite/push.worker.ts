/**
 * Runs the schema push on its own connection, then the thread ends: drizzle-kit's code is only
 * loaded here and most of its memory leaves with the thread (measured: ~25 MB less resident).
 */
import type { Database } from "bun:sqlite";
import { UnsafeSchemaChangeError } from "../errors";
import { pushSchema } from "./push";
import * as schema from "./schema";
import { describeError, openConnection } from "./connection";
import type { PushReply, PushRequest } from "./threads";

declare const self: Worker;

async function handle({ options }: PushRequest): Promise<PushReply> {
  let sqlite: Database | undefined;
  try {
    sqlite = openConnection(options);
    return { kind: "pushed", statements: (await pushSchema(sqlite, schema)).statements };
  } catch (error) {
    if (error instanceof UnsafeSchemaChangeError) return { kind: "unsafe", statement: error.statement };
    return { kind: "failed", message: describeError(error) };
  } finally {
    sqlite?.close();
  }
}

self.onmessage = async (event: MessageEvent<PushRequest>) => self.postMessage(await handle(event.data));
