/** The rule and step model (types only) shared by the router, the renderer, the store and the Workflow. */
import type { z } from "@hono/zod-openapi";
import type { FilterGroup } from "../delivery/core/match";
import type { AUTH } from "../delivery/schemas";
import type { WireEvent } from "../events/store";

/** Retry of a step: attempts after the first, the delay before the first retry, and its growth. */
export interface StepRetry {
  limit: number;
  delayMs: number;
  backoff: "constant" | "linear" | "exponential";
}

interface StepBase {
  /** Unique within the rule; the stable Workflow step name derives from it. */
  id: string;
  retry?: StepRetry;
  timeoutMs?: number;
}

/** Outbound auth of an http step, as a subscription's (credentials may be templates). */
export type StepAuth = z.infer<typeof AUTH>;

export interface DelayStep extends StepBase {
  kind: "delay";
  duration: string | number;
}
export interface HttpStep extends StepBase {
  kind: "http";
  url: string;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  headers?: Record<string, string>;
  body?: unknown;
  auth?: StepAuth;
  expect?: (number | string)[];
}
export interface PublishStep extends StepBase {
  kind: "publish";
  type: string;
  data: unknown;
}
export interface NotifyStep extends StepBase {
  kind: "notify";
  channels: string[];
  title: string;
  body: string;
  priority?: "P0" | "P1" | "P2" | "P3";
}
export interface ConditionStep extends StepBase {
  kind: "condition";
  if: FilterGroup;
}
export interface WaitStep extends StepBase {
  kind: "wait_for_event";
  event: string;
  match?: FilterGroup;
  timeout: string | number;
}

/** One step of a rule. */
export type Step = DelayStep | HttpStep | PublishStep | NotifyStep | ConditionStep | WaitStep;
export type StepKind = Step["kind"];

/** A rule as the router and the Workflow see it. */
export interface Rule {
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  trigger: { events: string[]; filter?: FilterGroup | null };
  priority: number;
  enabled: boolean;
  stopProcessing: boolean;
  params: Record<string, unknown>;
  steps: Step[];
  template: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Run statuses (the contract's). */
export const RUN_STATUSES = ["queued", "running", "waiting", "paused", "completed", "failed", "terminated"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Step statuses within a run. */
export type StepStatus = "pending" | "running" | "completed" | "failed" | "skipped" | "waiting";

/** One step's outcome as the run row mirrors it. */
export interface StepState {
  id: string;
  kind: StepKind;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  attempts: number;
  output?: unknown;
  error?: string;
}

/** Metadata key that carries how deep a chain of runs publishing events has gone. */
export const DEPTH_KEY = "automationDepth";
/** Runs started by an event a run published at this depth or more are refused. */
export const MAX_DEPTH = 5;
/** Steps per rule. */
export const MAX_STEPS = 50;

/** The parameters of a run's instance: a snapshot of the rule and the triggering event. */
export interface RunParams {
  runId: string;
  ruleId: string;
  tenantId: string;
  depth: number;
  event: WireEvent;
  params: Record<string, unknown>;
  steps: Step[];
}
