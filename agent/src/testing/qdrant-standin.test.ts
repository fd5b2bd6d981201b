import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QdrantStandin } from "./qdrant-standin.js";

describe("Qdrant stand-in", () => {
  const standin = new QdrantStandin();
  let url = "";
  let client: QdrantClient;

  beforeAll(async () => {
    url = await standin.start();
    client = new QdrantClient({ url, checkCompatibility: false });
    await client.createCollection("c", { vectors: { size: 2, distance: "Cosine" } });
    await client.createPayloadIndex("c", { field_name: "t", field_schema: "float", wait: true });
    await client.upsert("c", {
      wait: true,
      points: [
        { id: 1, vector: [1, 0], payload: { t: 3, tag: "a", tags: ["x", "y"], msg: "disk full" } },
        { id: 2, vector: [0, 2], payload: { t: 1, tag: "b", tags: ["y"], msg: "all good" } },
        { id: 3, vector: [1, 1], payload: { t: 2, tag: "c", nested: [{ k: 1 }, { k: 2 }] } },
        { id: "C2D1A0E6-0D62-4E6B-9B5B-7A43D1B6C0AA", vector: [-1, 0], payload: { tag: "d" } },
      ],
    });
  });
  afterAll(async () => {
    await standin.stop();
  });

  const ids = async (filter: Record<string, unknown>) =>
    (await client.scroll("c", { filter, limit: 10, with_payload: false })).points.map((p) => p.id);

  it("applies must, should, must_not, nested filters and the match and range conditions", async () => {
    expect(await ids({ must: [{ key: "tag", match: { any: ["a", "c"] } }] })).toEqual([1, 3]);
    expect(await ids({ must: { key: "tags", match: { value: "y" } } })).toEqual([1, 2]);
    expect(await ids({ must_not: [{ key: "tag", match: { except: ["a"] } }] })).toEqual([1]);
    expect(
      await ids({
        should: [
          { key: "t", range: { gt: 2 } },
          { key: "t", range: { lte: 1 } },
        ],
      }),
    ).toEqual([1, 2]);
    expect(await ids({ must: [{ key: "msg", match: { text: "full" } }] })).toEqual([1]);
    expect(await ids({ must: [{ should: [{ key: "tag", match: { value: "b" } }] }, { has_id: [1, 2] }] })).toEqual([2]);
    expect(
      await ids({ must: [{ nested: { key: "nested", filter: { must: [{ key: "k", match: { value: 2 } }] } } }] }),
    ).toEqual([3]);
    expect(await ids({ must: [{ is_empty: { key: "t" } }] })).toEqual(["c2d1a0e6-0d62-4e6b-9b5b-7a43d1b6c0aa"]);
  });

  it("pages by id with offset, and orders by a range-indexed field without it", async () => {
    const first = await client.scroll("c", { limit: 2, with_payload: false });
    expect(first.points.map((p) => p.id)).toEqual([1, 2]);
    expect(first.next_page_offset).toBe(3);
    const ordered = await client.scroll("c", { limit: 10, order_by: { key: "t", direction: "desc", start_from: 2 } });
    expect(ordered.points.map((p) => p.id)).toEqual([3, 2]);
    expect(ordered.next_page_offset).toBeNull();
    await expect(client.scroll("c", { limit: 1, offset: 1, order_by: "t" })).rejects.toMatchObject({ status: 400 });
    await expect(client.scroll("c", { limit: 1, order_by: "tag" })).rejects.toMatchObject({ status: 400 });
  });

  it("scores by cosine, best first, above the threshold", async () => {
    const { points } = await client.query("c", { query: [2, 0], limit: 10, score_threshold: 0.5, with_payload: true });
    expect(points.map((p) => p.id)).toEqual([1, 3]);
    expect(points[0]?.score).toBeCloseTo(1);
    expect(points[1]?.score).toBeCloseTo(Math.SQRT1_2);
    expect(points[0]?.payload?.tag).toBe("a");
    expect((await client.count("c", { filter: { must: [{ key: "t", range: { gte: 2 } }] } })).count).toBe(2);
  });

  it("answers errors as Qdrant does, and names routes it does not know", async () => {
    await expect(client.getCollection("missing")).rejects.toMatchObject({ status: 404 });
    await expect(client.createCollection("c", { vectors: { size: 2, distance: "Cosine" } })).rejects.toMatchObject({
      status: 409,
    });
    await expect(client.upsert("c", { points: [{ id: 9, vector: [1, 2, 3] }] })).rejects.toMatchObject({ status: 400 });
    const res = await fetch(`${url}/collections/c/points/recommend`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { status: { error: string } }).status.error).toContain(
      "POST /collections/c/points/recommend",
    );
    expect(standin.unknownRoutes).toEqual(["POST /collections/c/points/recommend"]);
  });
});
