/**
 * A sleep that a notification or an abort cuts short. A notification that
 * arrives while we are querying is remembered, so the next sleep returns at once.
 */
export function createWakeup(signal: AbortSignal | undefined) {
  let pending = false;
  let current: (() => void) | null = null;
  const wake = () => {
    pending = true;
    current?.();
  };
  signal?.addEventListener("abort", wake);
  return {
    wake,
    sleep(ms: number): Promise<void> {
      if (pending || signal?.aborted) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        current = done;
        function done() {
          clearTimeout(timer);
          current = null;
          pending = false;
          resolve();
        }
      });
    },
    dispose() {
      signal?.removeEventListener("abort", wake);
      current?.();
    },
  };
}
