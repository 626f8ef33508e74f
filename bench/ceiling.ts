/**
 * The ceiling: bare Bun.serve that parses the JSON body and answers 202, with no framework,
 * validation or database. The service is measured as a ratio of this, in the same run.
 */
const accepted = JSON.stringify({ status: "accepted" });

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  async fetch(request) {
    if (request.method !== "POST") return new Response(null, { status: 404 });
    const body = await request.json();
    if (typeof body !== "object" || body === null) return new Response(null, { status: 400 });
    return new Response(accepted, { status: 202, headers: { "content-type": "application/json" } });
  },
});

process.stdout.write(`listening on ${server.port}\n`);
process.on("SIGTERM", () => {
  void server.stop().then(() => process.exit(0));
});
