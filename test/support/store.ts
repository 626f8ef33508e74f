import type { Config } from "../../src/config";
import type { MeasuredStore, PushResult } from "../../src/db/interfaces";
import { openDatabase } from "../../src/db/open";

/** A store as tests of the write path use it: what the push applied, and close() releasing the whole database. */
export type TestStore = MeasuredStore & { pushed: PushResult };

/** Opens the database `config` names and hands out its store; closing the store closes the database. */
export async function openStore(config: Config): Promise<TestStore> {
  const database = await openDatabase(config);
  const { store } = database;
  return {
    append: (events) => store.append(events),
    health: () => store.health(),
    onStorageEvent: (listener) => store.onStorageEvent(listener),
    close: () => database.close(),
    queuedEvents: () => store.queuedEvents(),
    onCommit: (listener) => store.onCommit(listener),
    stats: () => store.stats(),
    pushed: database.pushed,
  };
}
