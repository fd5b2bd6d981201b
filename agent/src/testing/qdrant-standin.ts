/**
 * @module A local stand-in for Qdrant's REST API, for tests: Qdrant's server cannot run on
 * these machines. It answers exactly the calls `@qdrant/js-client-rest` makes for the
 * history's Qdrant store, with Qdrant's envelope (`{result, status: "ok", time}`), its
 * error statuses and messages, its filter semantics (qdrant-standin-filter.ts) and cosine
 * scoring on vectors normalised at upsert. Any other route answers 404 naming the method
 * and path, and is kept in `unknownRoutes`, so a gap shows instead of passing quietly.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackServer } from "./loopback-server.js";
import { FilterError, normaliseId, type Payload } from "./qdrant-standin-filter.js";
import {
  type Body,
  HttpError,
  matching,
  nearestPoints,
  normalised,
  queryVector,
  record,
  type StandinCollection,
  scrollPoints,
} from "./qdrant-standin-points.js";

export type { StandinCollection, StandinPoint } from "./qdrant-standin-points.js";

export class QdrantStandin {
  readonly collections = new Map<string, StandinCollection>();
  /** Requests no route answered: `METHOD /path`. */
  readonly unknownRoutes: string[] = [];
  /** Every request answered, in order: `METHOD /path`. */
  readonly requests: string[] = [];
  /** While set, every request is answered with this status (a Qdrant that is down or overloaded). */
  failWith: number | undefined;
  private readonly http = new LoopbackServer((req, res) => this.handle(req, res));
  private operation = 0;

  constructor(private readonly apiKey?: string) {}

  async start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://standin");
    const route = `${req.method} ${url.pathname}`;
    this.requests.push(route);
    const send = (status: number, body: Body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...body, time: (performance.now() - started) / 1000 }));
    };
    try {
      if (this.failWith !== undefined) throw new HttpError(this.failWith, "Service unavailable");
      if (this.apiKey !== undefined && req.headers["api-key"] !== this.apiKey) {
        throw new HttpError(401, "Must provide an API key or an Authorization bearer token");
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      let body: Body = {};
      try {
        body = text ? (JSON.parse(text) as Body) : {};
      } catch (err) {
        throw new HttpError(400, `Format error in JSON body: ${(err as Error).message}`);
      }
      const result = this.route(req.method ?? "GET", decodeURIComponent(url.pathname), body);
      if (result === undefined) {
        this.unknownRoutes.push(route);
        throw new HttpError(404, `Not found: no stand-in route for ${route}`);
      }
      send(200, { result, status: "ok" });
    } catch (err) {
      const status = err instanceof HttpError ? err.status : err instanceof FilterError ? 400 : 500;
      const message = err instanceof FilterError ? `Bad request: ${err.message}` : (err as Error).message;
      send(status, { status: { error: message } });
    }
  }

  private route(method: string, path: string, body: Body): unknown {
    const parts = path.split("/").filter(Boolean);
    if (parts[0] !== "collections" || parts.length < 2) return undefined;
    const name = parts[1] as string;
    const rest = parts.slice(2).join("/");
    const key = `${method} ${rest}`;
    switch (key) {
      case "GET exists":
        return { exists: this.collections.has(name) };
      case "GET ":
        return this.info(this.collection(name));
      case "PUT ":
        return this.create(name, body);
      case "DELETE ":
        return this.collections.delete(name);
      case "PUT index":
        return this.createIndex(this.collection(name), body);
      case "PUT points":
        return this.upsert(this.collection(name), body);
      case "POST points":
        return this.retrieve(this.collection(name), body);
      case "POST points/delete":
        return this.deletePoints(this.collection(name), body);
      case "POST points/scroll":
        return scrollPoints(this.collection(name), body);
      case "POST points/count":
        return { count: matching(this.collection(name), body.filter).length };
      case "POST points/query":
        return { points: nearestPoints(this.collection(name), body, queryVector(body.query)) };
      default:
        return undefined;
    }
  }

  private collection(name: string): StandinCollection {
    const found = this.collections.get(name);
    if (!found) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return found;
  }

  private info(c: StandinCollection): Body {
    return {
      status: "green",
      optimizer_status: "ok",
      indexed_vectors_count: 0,
      points_count: c.points.size,
      segments_count: 1,
      config: { params: { vectors: { size: c.size, distance: c.distance }, shard_number: 1, replication_factor: 1 } },
      payload_schema: Object.fromEntries(
        [...c.indexes].map(([field, type]) => [
          field,
          {
            data_type: type,
            params: { type },
            points: [...c.points.values()].filter((p) => field in p.payload).length,
          },
        ]),
      ),
    };
  }

  private create(name: string, body: Body): boolean {
    if (this.collections.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
    const vectors = body.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (!vectors || typeof vectors.size !== "number" || vectors.size < 1) {
      throw new HttpError(400, "Format error in JSON body: missing or invalid `vectors` (one unnamed vector expected)");
    }
    if (!["Cosine", "Dot", "Euclid", "Manhattan"].includes(String(vectors.distance))) {
      throw new HttpError(400, `Format error in JSON body: unknown variant \`${String(vectors.distance)}\``);
    }
    this.collections.set(name, {
      size: vectors.size,
      distance: String(vectors.distance),
      indexes: new Map(),
      points: new Map(),
    });
    return true;
  }

  private done(): Body {
    this.operation += 1;
    return { operation_id: this.operation, status: "completed" };
  }

  private createIndex(c: StandinCollection, body: Body): Body {
    const schema = body.field_schema;
    const type = typeof schema === "string" ? schema : (schema as { type?: string } | undefined)?.type;
    if (typeof body.field_name !== "string" || !type) {
      throw new HttpError(400, "Format error in JSON body: field_name and field_schema are required");
    }
    c.indexes.set(body.field_name, type);
    return this.done();
  }

  private upsert(c: StandinCollection, body: Body): Body {
    let points: { id: unknown; vector: unknown; payload?: Payload }[];
    if (Array.isArray(body.points)) points = body.points as typeof points;
    else if (body.batch) {
      const b = body.batch as { ids: unknown[]; vectors: unknown[]; payloads?: Payload[] };
      points = b.ids.map((id, i) => ({ id, vector: b.vectors[i], payload: b.payloads?.[i] }));
    } else throw new HttpError(400, "Format error in JSON body: expected `points` or `batch`");
    const parsed = points.map((p) => {
      const vector = p.vector as number[];
      if (!Array.isArray(vector)) throw new HttpError(400, "Format error in JSON body: one unnamed vector expected");
      if (vector.length !== c.size) {
        throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${vector.length}`);
      }
      return { id: normaliseId(p.id), vector: normalised(vector, c.distance), payload: p.payload ?? {} };
    });
    for (const point of parsed) c.points.set(point.id, point);
    return this.done();
  }

  private retrieve(c: StandinCollection, body: Body): Body[] {
    const ids = (body.ids as unknown[]).map(normaliseId);
    return ids.flatMap((id) => {
      const point = c.points.get(id);
      return point ? [record(point, body, true)] : [];
    });
  }

  private deletePoints(c: StandinCollection, body: Body): Body {
    if (Array.isArray(body.points)) {
      for (const id of body.points) c.points.delete(normaliseId(id));
    } else if (body.filter) {
      for (const point of matching(c, body.filter)) c.points.delete(point.id);
    } else throw new HttpError(400, "Format error in JSON body: expected `points` or `filter`");
    return this.done();
  }
}
