/**
 * @module What one tool is, once: name, title, description, input and output schemas,
 * annotations and the agent job it dispatches. The edge registers every tool from these
 * definitions; tests and the README check against them.
 */
import type { z } from "zod";
import type { JobKind } from "../protocol.js";

/** MCP tool annotations (the spec's hints), kept here so `shared/` needs no MCP SDK. */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDef<N extends string, I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: N;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** The job kind it sends to an agent; none for a tool the edge answers alone. */
  job: JobKind | null;
}

/** Identity, for inference: keeps the literal name and the exact schema shapes. */
export function defineTool<const N extends string, I extends z.ZodRawShape, O extends z.ZodRawShape>(
  def: ToolDef<N, I, O>,
): ToolDef<N, I, O> {
  return def;
}

export type ToolInput<T> = T extends ToolDef<string, infer I, z.ZodRawShape> ? z.infer<z.ZodObject<I>> : never;
export type ToolOutput<T> = T extends ToolDef<string, z.ZodRawShape, infer O> ? z.infer<z.ZodObject<O>> : never;
