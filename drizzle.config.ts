import { defineConfig } from "drizzle-kit";

// For `bunx drizzle-kit studio`: browse the events in the database the server writes to.
const url = process.env.DATABASE_URL ?? "data/events.db";

export default /^postgres(ql)?:\/\//i.test(url)
  ? defineConfig({
      dialect: "postgresql",
      schema: "./src/db/pg/schema.ts",
      schemaFilter: [process.env.DATABASE_SCHEMA ?? "public"],
      dbCredentials: { url },
    })
  : defineConfig({ dialect: "sqlite", schema: "./src/db/sqlite/schema.ts", dbCredentials: { url } });
