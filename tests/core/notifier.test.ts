import { describe, expect, test } from "bun:test";
import { createMessageNotifier } from "../../core/messages/notifier";

describe("createMessageNotifier", () => {
  test("wakes only the subscribers of the mailbox (and tenant) stored to, once per commit", () => {
    const notifier = createMessageNotifier();
    const calls: string[] = [];
    notifier.subscribeMailbox("tnt_a", "mbx_1", () => calls.push("a/1"));
    notifier.subscribeMailbox("tnt_a", "mbx_2", () => calls.push("a/2"));
    notifier.subscribeMailbox("tnt_b", "mbx_1", () => calls.push("b/1"));
    notifier.publishStored([
      { id: "msg_1", tenantId: "tnt_a", mailboxId: "mbx_1" },
      { id: "msg_2", tenantId: "tnt_a", mailboxId: "mbx_1" },
    ]);
    expect(calls).toEqual(["a/1"]);
  });

  test("unsubscribe stops the calls; a throwing listener does not stop the others", () => {
    const notifier = createMessageNotifier();
    const calls: string[] = [];
    notifier.subscribeMailbox("t", "m", () => {
      throw new Error("boom");
    });
    const unsubscribe = notifier.subscribeMailbox("t", "m", () => calls.push("second"));
    const stored = [{ id: "msg", tenantId: "t", mailboxId: "m" }];
    expect(() => notifier.publishStored(stored)).not.toThrow();
    unsubscribe();
    notifier.publishStored(stored);
    expect(calls).toEqual(["second"]);
  });
});
