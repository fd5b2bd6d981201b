/**
 * @module Operations tasks: what a fan-out job asks each VM when it is not a plain command
 * (install packages, health, logs), and the structured report each VM answers with.
 */
import { z } from "zod";
import { HealthReportSchema, HealthTaskSchema } from "./health.js";
import { InstallReportSchema, InstallTaskSchema } from "./install.js";
import { LogsReportSchema, LogsTaskSchema } from "./logs.js";

export * from "./files.js";
export * from "./health.js";
export * from "./install.js";
export * from "./logs.js";

export const OpsTaskSchema = z.discriminatedUnion("op", [InstallTaskSchema, HealthTaskSchema, LogsTaskSchema]);
export const OpsReportSchema = z.discriminatedUnion("op", [InstallReportSchema, HealthReportSchema, LogsReportSchema]);
export type OpsTask = z.infer<typeof OpsTaskSchema>;
export type OpsReport = z.infer<typeof OpsReportSchema>;
export type OpName = OpsTask["op"];
export type ReportOf<O extends OpName> = Extract<OpsReport, { op: O }>;
export type TaskOf<O extends OpName> = Extract<OpsTask, { op: O }>;
