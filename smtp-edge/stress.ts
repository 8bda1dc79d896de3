/**
 * Stress mode, after Postfix's (STRESS_README): when the slots run short, the
 * patient defaults that suit real MTAs become what lets slow or hostile clients
 * keep every slot, so they tighten: the idle timeout (and DATA's grace before
 * the minimum rate applies) drops to `stressIdleTimeoutMs`, and a session's
 * error limit drops to its soft limit, without delays (error-limit.ts). Postfix
 * under stress uses smtpd_timeout 10 s and smtpd_hard_error_limit 1.
 *
 * The server is under stress while more than `percent` % of `maxClients` are in
 * use, and stays so until it has been below that for one stress idle timeout:
 * closing the first idle sessions must not end stress before the others had
 * their turn.
 */
export interface StressGauge {
  underStress(): boolean;
  /** The idle timeout that applies now. */
  idleTimeoutMs(): number;
  readonly stressIdleTimeoutMs: number;
}

export function createStressGauge(input: {
  connections: () => number;
  maxClients: number;
  /** 100: never. */
  percent: number;
  idleTimeoutMs: number;
  stressIdleTimeoutMs: number;
}): StressGauge {
  const stressIdle = Math.min(input.idleTimeoutMs, input.stressIdleTimeoutMs);
  const threshold = (input.maxClients * input.percent) / 100;
  let lastOverAt = Number.NEGATIVE_INFINITY;
  const underStress = () => {
    if (input.percent >= 100 || input.maxClients <= 0) return false;
    const now = Date.now();
    if (input.connections() > threshold) lastOverAt = now;
    return now - lastOverAt < stressIdle;
  };
  return {
    underStress,
    idleTimeoutMs: () => (underStress() ? stressIdle : input.idleTimeoutMs),
    stressIdleTimeoutMs: stressIdle,
  };
}
