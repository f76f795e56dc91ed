/**
 * The run's budget: steps (model calls), cost, tokens and wall time. Every model call is
 * charged — also those whose reply could not be used — so a misbehaving model cannot run free.
 */
import type { Usage } from "../model/index.js";

export interface BudgetLimits {
  maxSteps: number;
  /** USD; 0 or undefined = no cap. */
  maxCostUsd?: number;
  /** Total tokens (input incl. cache + output); 0 or undefined = no cap. */
  maxTokens?: number;
  /** Wall time in ms; 0 or undefined = no cap. */
  maxTimeMs?: number;
}

export type BudgetExit = "exit_steps" | "exit_cost" | "exit_tokens" | "exit_time";

export class Budget {
  steps = 0;
  costUsd = 0;
  inputTokens = 0;
  outputTokens = 0;
  cacheReadTokens = 0;
  cacheWriteTokens = 0;
  private readonly startedAt: number;

  constructor(
    readonly limits: BudgetLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  charge(usage: Usage, costUsd: number): void {
    this.steps += 1;
    this.costUsd += costUsd;
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    this.cacheReadTokens += usage.cacheReadTokens;
    this.cacheWriteTokens += usage.cacheWriteTokens;
  }

  get totalTokens(): number {
    return this.inputTokens + this.cacheReadTokens + this.cacheWriteTokens + this.outputTokens;
  }

  get elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  /** Which limit is spent, if any. Checked before each model call. */
  exhausted(): BudgetExit | null {
    const l = this.limits;
    if (l.maxCostUsd && this.costUsd >= l.maxCostUsd) return "exit_cost";
    if (l.maxTokens && this.totalTokens >= l.maxTokens) return "exit_tokens";
    if (l.maxTimeMs && this.elapsedMs >= l.maxTimeMs) return "exit_time";
    if (this.steps >= l.maxSteps) return "exit_steps";
    return null;
  }

  /** Milliseconds left before the time cap (Infinity when uncapped). */
  remainingTimeMs(): number {
    return this.limits.maxTimeMs
      ? Math.max(0, this.limits.maxTimeMs - this.elapsedMs)
      : Number.POSITIVE_INFINITY;
  }

  summary(): string {
    const parts = [`${this.limits.maxSteps} steps`];
    if (this.limits.maxCostUsd) parts.push(`$${this.limits.maxCostUsd}`);
    if (this.limits.maxTokens) parts.push(`${this.limits.maxTokens} tokens`);
    if (this.limits.maxTimeMs) parts.push(`${Math.round(this.limits.maxTimeMs / 1000)} s`);
    return parts.join(", ");
  }

  totals() {
    return {
      steps: this.steps,
      costUsd: this.costUsd,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cacheReadTokens: this.cacheReadTokens,
      cacheWriteTokens: this.cacheWriteTokens,
      elapsedMs: this.elapsedMs,
    };
  }
}
