import type { Socket, TCPSocketListener } from "bun";

export type ProxyMode = "forward" | "refuse" | "blackhole";

interface Link {
  client: Socket<Link>;
  upstream?: Socket<unknown>;
  /** Bytes from the client sent before the upstream connection opened. */
  early: Uint8Array[];
}

/**
 * A loopback TCP proxy in front of a database, to play its failures without touching the
 * server other tests share:
 * - `forward`: passes bytes both ways;
 * - `refuse`: drops every connection and refuses new ones at once (the database is down);
 * - `blackhole`: accepts and keeps connections but never answers (a partition, a stuck server).
 * Leaving `blackhole` drops the connections it held, as the end of a partition eventually does.
 */
export class TcpProxy {
  mode: ProxyMode = "forward";
  private readonly links = new Set<Link>();

  private constructor(private readonly listener: TCPSocketListener<Link>) {}

  get port(): number {
    return this.listener.port;
  }

  /** `url` with its host and port pointing at this proxy. */
  rewrite(url: string): string {
    const rewritten = new URL(url);
    rewritten.hostname = "127.0.0.1";
    rewritten.port = String(this.port);
    return rewritten.toString();
  }

  static start(targetHost: string, targetPort: number): TcpProxy {
    let proxy: TcpProxy;
    const listener = Bun.listen<Link>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(client) {
          if (proxy.mode === "refuse") {
            client.terminate();
            return;
          }
          const link: Link = { client, early: [] };
          client.data = link;
          proxy.links.add(link);
          if (proxy.mode === "blackhole") return;
          void Bun.connect<unknown>({
            hostname: targetHost,
            port: targetPort,
            socket: {
              data: (_, bytes) => {
                if (proxy.mode === "forward") client.write(bytes);
              },
              close: () => proxy.drop(link),
              error: () => proxy.drop(link),
            },
          }).then(
            (upstream) => {
              link.upstream = upstream;
              for (const bytes of link.early) upstream.write(bytes);
              link.early = [];
            },
            () => proxy.drop(link),
          );
        },
        data(client, bytes) {
          const link = client.data;
          if (proxy.mode !== "forward" || !link) return;
          if (link.upstream) link.upstream.write(bytes);
          else link.early.push(new Uint8Array(bytes));
        },
        close(client) {
          if (client.data) proxy.drop(client.data);
        },
        error(client) {
          if (client.data) proxy.drop(client.data);
        },
      },
    });
    proxy = new TcpProxy(listener);
    return proxy;
  }

  setMode(mode: ProxyMode): void {
    const leavingBlackhole = this.mode === "blackhole" && mode !== "blackhole";
    this.mode = mode;
    if (mode === "refuse" || leavingBlackhole) for (const link of [...this.links]) this.drop(link);
  }

  stop(): void {
    this.setMode("refuse");
    this.listener.stop(true);
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.terminate();
    link.upstream?.terminate();
  }
}
