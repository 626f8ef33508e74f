import { describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import { createLogger, redactCredentials } from "../src/logger";

function capture() {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe("credentials never reach the log", () => {
  test("the password of a URL is masked, the rest kept", () => {
    expect(redactCredentials("cannot open postgres://ingest:s3cret@db:5432/events: refused")).toBe("cannot open postgres://ingest:***@db:5432/events: refused");
    expect(redactCredentials("no credentials in http://localhost:3000/swagger")).toBe("no credentials in http://localhost:3000/swagger");
  });

  test("in messages, fields and errors, in JSON and in pretty lines", () => {
    for (const format of ["json", "pretty"] as const) {
      const out = capture();
      const logger = createLogger("info", format, out.stream);
      logger.info("connecting to postgresql://ingest:s3cret@db/events");
      logger.info({ target: { url: "postgres://ingest:s3cret@db/events" } }, "field");
      logger.error({ err: new Error("connect failed: postgres://ingest:s3cret@db/events") }, "error");
      expect(out.text()).not.toContain("s3cret");
      expect(out.text().match(/ingest:\*\*\*@db/g)).toHaveLength(4);
    }
  });

  test("pretty lines are plain text, JSON lines are JSON", () => {
    const pretty = capture();
    createLogger("info", "pretty", pretty.stream).info("Swagger UI        http://localhost:3000/swagger");
    expect(pretty.text()).toMatch(/INFO.*Swagger UI {8}http:\/\/localhost:3000\/swagger/);
    const json = capture();
    createLogger("info", "json", json.stream).info("Swagger UI");
    expect(JSON.parse(json.text())).toMatchObject({ level: 30, msg: "Swagger UI" });
  });
});
