import { expect, test } from "bun:test";
import { ConfigError, parseConfig } from "../../core/config";

/** Environments that must not start, each with the variable the refusal must name. */
export type ConfigRefusals = Array<[env: Record<string, string>, name: string]>;

/** One test per case: parseConfig throws a ConfigError with a problem that starts with the variable's name. */
export function testConfigRefusals(cases: ConfigRefusals): void {
  for (const [env, name] of cases) {
    test(`${JSON.stringify(env)} is refused with a message naming ${name}`, () => {
      let caught: unknown;
      try {
        parseConfig(env);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).problems.some((problem) => problem.startsWith(`${name}:`))).toBe(true);
    });
  }
}
