import { describe, expect, it } from "vitest";
import { isolateSnapshot } from "../../src/lib/isolate-snapshot";

/** A load that counts its calls and resolves when told. */
function controlledLoad<T>() {
  const pending: { resolve: (value: T) => void; reject: (error: Error) => void }[] = [];
  const load = () => new Promise<T>((resolve, reject) => pending.push({ resolve, reject }));
  return { load, pending };
}

describe("isolateSnapshot", () => {
  it("answers from the snapshot while fresh and loads again once the TTL has passed", async () => {
    const snapshot = isolateSnapshot<number>();
    let calls = 0;
    const load = async () => ++calls;
    expect(await snapshot.get(load, 1000, 0)).toBe(1);
    expect(await snapshot.get(load, 1000, 999)).toBe(1);
    expect(await snapshot.get(load, 1000, 1000)).toBe(2);
    expect(calls).toBe(2);
  });

  it("never hands one caller's pending load to another: concurrent misses each load", async () => {
    const snapshot = isolateSnapshot<string>();
    const { load, pending } = controlledLoad<string>();
    const first = snapshot.get(load, 1000, 0);
    const second = snapshot.get(load, 1000, 0);
    expect(pending).toHaveLength(2);
    pending[1]!.resolve("b");
    pending[0]!.resolve("a");
    expect(await first).toBe("a");
    expect(await second).toBe("b");
  });

  it("does not store a load that was under way when the snapshot was forgotten", async () => {
    const snapshot = isolateSnapshot<string>();
    const { load, pending } = controlledLoad<string>();
    const stale = snapshot.get(load, 1000, 0);
    snapshot.forget();
    pending[0]!.resolve("before the change");
    expect(await stale).toBe("before the change");
    let calls = 0;
    expect(await snapshot.get(async () => `after ${++calls}`, 1000, 1)).toBe("after 1");
  });

  it("keeps nothing from a failed load, so the next call tries again", async () => {
    const snapshot = isolateSnapshot<number>();
    await expect(snapshot.get(() => Promise.reject(new Error("D1 down")), 1000, 0)).rejects.toThrow("D1 down");
    expect(await snapshot.get(async () => 7, 1000, 1)).toBe(7);
  });

  it("an older load finishing last does not replace a newer snapshot", async () => {
    const snapshot = isolateSnapshot<string>();
    const { load, pending } = controlledLoad<string>();
    const older = snapshot.get(load, 1000, 0);
    const newer = snapshot.get(load, 1000, 500);
    pending[1]!.resolve("newer");
    await newer;
    pending[0]!.resolve("older");
    await older;
    expect(await snapshot.get(async () => "reloaded", 1000, 1200)).toBe("newer");
  });
});
