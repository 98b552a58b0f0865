/** Task queue policy (pure): priority order and start/completion estimates. */

export const TASK_PRIORITIES = ["high", "medium", "low"] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** Queue rank of a priority: lower runs first. */
export function priorityRank(priority: TaskPriority): number {
  return TASK_PRIORITIES.indexOf(priority);
}

/** Inputs for estimateSchedule. */
export interface ScheduleInputs {
  /** Pending tasks ahead of this one. */
  ahead: number;
  /** Average duration of recently completed tasks in ms, or null with no history. */
  averageDurationMs: number | null;
  /** Used while there is no history. */
  defaultDurationMs: number;
  now: number;
}

/**
 * One worker drains the queue in order, each task taking the recent average: this one starts
 * after the `ahead` tasks finish and completes one average later.
 */
export function estimateSchedule(inputs: ScheduleInputs): { estimatedStart: number; estimatedCompletion: number; averageDurationMs: number } {
  const average = inputs.averageDurationMs !== null && inputs.averageDurationMs > 0 ? inputs.averageDurationMs : inputs.defaultDurationMs;
  const estimatedStart = inputs.now + inputs.ahead * average;
  return { estimatedStart, estimatedCompletion: estimatedStart + average, averageDurationMs: average };
}

export const TASK_STATUSES = ["pending", "running", "completed", "failed"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses a task may move to `next` from; completed and failed are final. */
export function allowedPredecessors(next: Exclude<TaskStatus, "pending">): TaskStatus[] {
  return next === "running" ? ["pending"] : ["pending", "running"];
}
