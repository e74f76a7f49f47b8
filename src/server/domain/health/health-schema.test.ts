import { describe, expect, it } from "vitest";
import { overallStatus, workerHealth, WORKER_STALE_AFTER_S } from "./health-schema.ts";

const up = { db: { ok: true, latencyMs: 1 }, queue: { ok: true, queued: 0, active: 0, failed: 0 }, worker: { ok: true, lastHeartbeatAt: new Date(), ageS: 1 } };

describe("overallStatus", () => {
  it("is ok when every part is", () => expect(overallStatus(up)).toBe("ok"));
  it("is down when the database is, whatever else says", () =>
    expect(overallStatus({ ...up, db: { ok: false, latencyMs: null } })).toBe("down"));
  it("is degraded when only the worker is not ok", () =>
    expect(overallStatus({ ...up, worker: { ok: false, lastHeartbeatAt: null, ageS: null } })).toBe("degraded"));
  it("is degraded when only the queue is not ok", () =>
    expect(overallStatus({ ...up, queue: { ok: false, queued: 0, active: 0, failed: 0 } })).toBe("degraded"));
});

describe("workerHealth", () => {
  const at = new Date("2026-01-01T00:00:00Z");

  it("is not ok with no heartbeat at all", () => expect(workerHealth(null, null)).toEqual({ ok: false, lastHeartbeatAt: null, ageS: null }));
  it("is ok under the threshold", () => expect(workerHealth(at, WORKER_STALE_AFTER_S - 0.5).ok).toBe(true));
  it("is not ok at or past the threshold", () => {
    expect(workerHealth(at, WORKER_STALE_AFTER_S).ok).toBe(false);
    expect(workerHealth(at, 120)).toMatchObject({ ok: false, ageS: 120, lastHeartbeatAt: at });
  });
  it("rounds to a tenth of a second and never reports a negative age", () => {
    expect(workerHealth(at, 3.14159).ageS).toBe(3.1);
    expect(workerHealth(at, -0.2).ageS).toBe(0);
  });
});
