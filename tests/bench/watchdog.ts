/**
 * For the benchmark's own child processes: exit when the parent is gone (the
 * runner was killed with SIGKILL and could not clean up), so nothing is left
 * listening. Checked twice a second; the timer does not keep the process alive.
 */
export function exitWithParent(): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 500);
  timer.unref();
}
