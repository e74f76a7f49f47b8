/** Why a turn stops: the reason travels on the signal, decided once (turn-stop.ts). */
import { describe, expect, it } from "vitest";
import { jobStopSignal, stopReasonOf, TurnStop } from "./turn-stop.ts";

describe("stop reasons", () => {
  it("only the owner's cancel ends the turn; the others leave it for the job's next attempt", () => {
    expect(new TurnStop("owner_cancel").endsTurn).toBe(true);
    expect(new TurnStop("worker_shutdown").endsTurn).toBe(false);
    expect(new TurnStop("job_expired").endsTurn).toBe(false);
  });

  it("reads the reason a signal was aborted with; a bare abort is the job taken away", () => {
    const live = new AbortController();
    expect(stopReasonOf(live.signal)).toBeNull();
    const owner = new AbortController();
    owner.abort(new TurnStop("owner_cancel"));
    expect(stopReasonOf(owner.signal)).toBe("owner_cancel");
    const bare = new AbortController();
    bare.abort();
    expect(stopReasonOf(bare.signal)).toBe("job_expired");
    // Combined signals keep the first reason.
    expect(stopReasonOf(AbortSignal.any([live.signal, owner.signal]))).toBe("owner_cancel");
  });
});

describe("a job's stop signal", () => {
  it("is a shutdown when this worker is stopping, and the job taken back otherwise", () => {
    const stopping = new AbortController();
    const job = new AbortController();
    const signal = jobStopSignal(job.signal, stopping.signal);
    expect(signal.aborted).toBe(false);
    stopping.abort();
    job.abort(new Error("pg-boss stopped waiting"));
    expect(stopReasonOf(signal)).toBe("worker_shutdown");

    const lost = new AbortController();
    const claimed = jobStopSignal(lost.signal, new AbortController().signal);
    lost.abort(new Error("job is no longer active under this worker's claim"));
    expect(stopReasonOf(claimed)).toBe("job_expired");
  });

  it("is aborted at once for a job that was aborted before it started", () => {
    const job = new AbortController();
    job.abort();
    expect(stopReasonOf(jobStopSignal(job.signal, new AbortController().signal))).toBe("job_expired");
  });
});
