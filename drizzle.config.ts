import { defineConfig } from "drizzle-kit";

// For `bunx drizzle-kit studio`: browse the events in the same file the server writes.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  dbCredentials: { url: process.env.DATABASE_URL ?? "data/events.db" },
});
