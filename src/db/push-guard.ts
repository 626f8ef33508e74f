import { UnsafeSchemaChangeError } from "./errors";

/** What the guards need to know of one table the schema declares. */
export interface DeclaredTable {
  name: string;
  columns: readonly { name: string }[];
}

/**
 * A column of ours the schema does not know would be dropped; with a new column beside it,
 * drizzle-kit would instead ask whether one was renamed to the other. Either way the answer is
 * to refuse, so both backends refuse before drizzle-kit plans anything, naming the DROP it
 * would have run (`dropStatement`, in the backend's dialect).
 */
export async function refuseUnknownColumns(
  tables: readonly DeclaredTable[],
  storedColumns: (table: string) => Promise<string[]> | string[],
  dropStatement: (table: string, column: string) => string,
): Promise<void> {
  for (const table of tables) {
    const known = new Set(table.columns.map((column) => column.name));
    const extra = (await storedColumns(table.name)).find((column) => !known.has(column));
    if (extra !== undefined) throw new UnsafeSchemaChangeError(dropStatement(table.name, extra));
  }
}

// drizzle-kit renders a progress spinner on stdout, which would corrupt structured logs.
async function withStdoutMuted<T>(task: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await task();
  } finally {
    process.stdout.write = write;
  }
}

/**
 * Runs a drizzle-kit diff as if no terminal were attached: on a terminal drizzle-kit prompts
 * (rename or create?) and waits for an answer a service never gives, and with stdout muted the
 * wait would not even show; without one it throws, and the push fails with a message. Its
 * spinner output is muted too.
 */
export async function withoutTerminal<T>(task: () => Promise<T>): Promise<T> {
  const streams = [process.stdin, process.stdout];
  const saved = streams.map((stream) => Object.getOwnPropertyDescriptor(stream, "isTTY"));
  for (const stream of streams) Object.defineProperty(stream, "isTTY", { value: false, configurable: true, writable: true });
  try {
    return await withStdoutMuted(task);
  } finally {
    streams.forEach((stream, i) => {
      const descriptor = saved[i];
      if (descriptor) Object.defineProperty(stream, "isTTY", descriptor);
      else delete (stream as { isTTY?: boolean }).isTTY;
    });
  }
}
