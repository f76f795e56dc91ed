/**
 * Every open sandbox is tracked here so that a signal handler (SIGINT/SIGTERM in the CLI) can
 * close them all, and so that a process that exits without closing them still kills its
 * shells and removes its containers (best effort, synchronously, on 'exit').
 */
export interface Closable {
  readonly id: string;
  close(): Promise<void>;
  /** Synchronous last-resort cleanup for process exit. */
  closeSync(): void;
}

const open = new Map<string, Closable>();
let exitHookInstalled = false;

export function trackSandbox(s: Closable): void {
  open.set(s.id, s);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const s of open.values()) {
        try {
          s.closeSync();
        } catch {
          // nothing more can be done while exiting
        }
      }
    });
  }
}

export function untrackSandbox(id: string): void {
  open.delete(id);
}

/** Closes every open sandbox (for signal handlers); never throws. */
export async function closeAllSandboxes(): Promise<void> {
  await Promise.allSettled([...open.values()].map((s) => s.close()));
}

/** How many sandboxes this process has open. */
export function openSandboxCount(): number {
  return open.size;
}
