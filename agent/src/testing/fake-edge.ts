/**
 * @module A stand-in for the edge in tests: a `ws` server on 127.0.0.1 that accepts
 * agents (or answers 401), records every frame and lets a test send any frame back.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

export interface EdgeSocket {
  ws: WebSocket;
  headers: IncomingHttpHeaders;
  path: string;
  /** Raw text frames from the agent, in order. */
  frames: string[];
  /** Frames that parse as JSON. */
  messages(): Record<string, unknown>[];
  /** Resolves with the first message (already received or future) that matches. */
  next(match: (m: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  send(frame: string | object): void;
  closed: Promise<number>;
}

export interface FakeEdge {
  url: string;
  sockets: EdgeSocket[];
  /** Upgrade attempts, refused ones included. */
  attempts: number;
  /** Return a status to refuse the upgrade (e.g. 401), or null to accept. */
  refuse: (headers: IncomingHttpHeaders) => number | null;
  nextSocket(ms?: number): Promise<EdgeSocket>;
  close(): Promise<void>;
}

function parse(frame: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(frame);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}

export async function startFakeEdge(): Promise<FakeEdge> {
  const sockets: EdgeSocket[] = [];
  const socketWaiters: ((s: EdgeSocket) => void)[] = [];
  const edge: FakeEdge = {
    url: "",
    sockets,
    attempts: 0,
    refuse: () => null,
    nextSocket(ms = 5000) {
      const known = sockets.length;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no agent connection in time")), ms);
        const check = (s: EdgeSocket) => {
          clearTimeout(timer);
          resolve(s);
        };
        if (sockets.length > known) check(sockets[known] as EdgeSocket);
        else socketWaiters.push(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.ws.terminate();
        wss.close(() => resolve());
      }),
  };

  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    verifyClient: (info, done) => {
      edge.attempts++;
      const status = edge.refuse(info.req.headers);
      if (status) done(false, status, "agent token invalid");
      else done(true);
    },
  });
  wss.on("connection", (ws, req) => {
    const frames: string[] = [];
    const listeners = new Set<() => void>();
    ws.on("message", (data) => {
      frames.push(data.toString());
      for (const l of listeners) l();
    });
    const socket: EdgeSocket = {
      ws,
      headers: req.headers,
      path: req.url ?? "",
      frames,
      messages: () => frames.map(parse).filter((m): m is Record<string, unknown> => m !== null),
      next(match, ms = 5000) {
        return new Promise((resolve, reject) => {
          const check = () => {
            const found = socket.messages().find(match);
            if (!found) return;
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
          };
          const timer = setTimeout(() => {
            listeners.delete(check);
            reject(new Error(`no matching message in time; got ${frames.join(" | ").slice(0, 500)}`));
          }, ms);
          listeners.add(check);
          check();
        });
      },
      send: (frame) => ws.send(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame)),
      closed: new Promise((resolve) => ws.on("close", (code) => resolve(code))),
    };
    sockets.push(socket);
    socketWaiters.shift()?.(socket);
  });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  edge.url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  return edge;
}

export { WebSocket };
