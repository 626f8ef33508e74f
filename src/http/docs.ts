import { swagger } from "@elysiajs/swagger";
import packageJson from "../../package.json";

// The one place that knows the docs plugin: @elysiajs/swagger is deprecated upstream in favour
// of @elysiajs/openapi, so swapping it touches only this file.
export function apiDocs() {
  return swagger({
    path: "/swagger",
    documentation: {
      info: {
        title: "Event ingest API",
        version: packageJson.version,
        description:
          "Captures user-behaviour events from web frontends and stores them durably. " +
          "Every error answers with the same JSON envelope: `{error, message, details, request_id}`.",
      },
      tags: [
        { name: "Events", description: "Event capture (no authentication)" },
        { name: "Operations", description: "Health and operations" },
      ],
    },
  });
}
