"use client";

import { api, type RouterOutputs } from "@/trpc/react.tsx";
import styles from "./status.module.css";

type Health = RouterOutputs["health"]["check"];
type Tone = "ok" | "bad" | "unknown";

const REFRESH_MS = 3000;

function formatAge(seconds: number | null) {
  if (seconds === null) return "never";
  if (seconds < 1) return "just now";
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  return `${Math.round(seconds / 60)} min ago`;
}

function formatUptime(seconds: number) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min` : `${seconds} s`;
}

function StatusCard(props: { id: string; title: string; tone: Tone; label: string; children?: React.ReactNode; headingLevel?: 2 | 3; footer?: React.ReactNode }) {
  const Heading = props.headingLevel === 3 ? "h3" : "h2";
  return (
    <section className={styles.card} aria-labelledby={`${props.id}-title`} data-tone={props.tone}>
      <div className={styles.cardHead}>
        <Heading id={`${props.id}-title`}>{props.title}</Heading>
        <span className={styles.badge} data-tone={props.tone}>
          <span aria-hidden="true" className={styles.dot} />
          {props.label}
        </span>
      </div>
      <dl className={styles.facts}>{props.children}</dl>
      {props.footer}
    </section>
  );
}

function Fact(props: { term: string; children: React.ReactNode }) {
  return (
    <div>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

type ProviderHealth = Health["providers"][number];

function ago(date: Date | null) {
  return formatAge(date ? (Date.now() - date.getTime()) / 1000 : null);
}

function ProviderCard({ provider: p }: { provider: ProviderHealth }) {
  const called = !!(p.lastSuccessAt || p.lastErrorAt);
  const tone: Tone = !called ? "unknown" : p.ok ? "ok" : "bad";
  return (
    <StatusCard
      id={`provider-${p.key}`}
      title={p.name}
      tone={tone}
      label={!called ? "No calls yet" : p.ok ? "Healthy" : "Failing"}
      headingLevel={3}
      footer={p.lastError && !p.ok ? <p className={styles.providerError}>{p.lastError}</p> : null}
    >
      {called && (
        <>
          <Fact term="Last success">{ago(p.lastSuccessAt)}</Fact>
          {p.latencyMs !== null && <Fact term="Latency">{p.latencyMs} ms</Fact>}
          {p.lastErrorAt && <Fact term="Last error">{ago(p.lastErrorAt)}</Fact>}
        </>
      )}
    </StatusCard>
  );
}

function overallText(health: Health | undefined, unreachable: boolean) {
  if (unreachable) return "The API is not answering.";
  if (!health) return "Checking…";
  if (health.status === "ok") return "All systems healthy.";
  if (health.status === "degraded") return "Degraded: some background parts need attention.";
  return "Down: the database is not reachable.";
}

export function StatusView(props: { canPing: boolean }) {
  const health = api.health.check.useQuery(undefined, {
    refetchInterval: REFRESH_MS,
    retry: false,
    staleTime: 0,
  });
  const ping = api.health.ping.useMutation();

  const data = health.data;
  const unreachable = health.isError;
  const tone = (ok: boolean | undefined): Tone => (ok === undefined ? "unknown" : ok ? "ok" : "bad");

  return (
    <div className={styles.wrap}>
      <p className={styles.overall} role="status" aria-live="polite" data-tone={unreachable ? "bad" : tone(data ? data.status === "ok" : undefined)}>
        {overallText(data, unreachable)}
        {health.dataUpdatedAt > 0 && (
          <span className={styles.checked}> Last checked {new Date(health.dataUpdatedAt).toLocaleTimeString()}.</span>
        )}
      </p>

      <div className={styles.grid}>
        <StatusCard id="web" title="Web" tone={unreachable ? "bad" : tone(data ? true : undefined)} label={unreachable ? "Unreachable" : data ? "Healthy" : "Checking"}>
          {data && (
            <>
              <Fact term="Version">{data.version}</Fact>
              <Fact term="Uptime">{formatUptime(data.uptimeS)}</Fact>
            </>
          )}
        </StatusCard>

        <StatusCard id="database" title="Database" tone={tone(data?.db.ok)} label={!data ? "Checking" : data.db.ok ? "Healthy" : "Not reachable"}>
          {data?.db.ok && <Fact term="Query latency">{data.db.latencyMs} ms</Fact>}
        </StatusCard>

        <StatusCard id="queue" title="Queue" tone={tone(data?.queue.ok)} label={!data ? "Checking" : data.queue.ok ? "Healthy" : "Not reachable"}>
          {data?.queue.ok && (
            <>
              <Fact term="Queued">{data.queue.queued}</Fact>
              <Fact term="Active">{data.queue.active}</Fact>
              <Fact term="Failed">{data.queue.failed}</Fact>
            </>
          )}
        </StatusCard>

        <StatusCard id="worker" title="Worker" tone={tone(data?.worker.ok)} label={!data ? "Checking" : data.worker.ok ? "Healthy" : "Not running"}>
          {data && <Fact term="Last heartbeat">{formatAge(data.worker.ageS)}</Fact>}
        </StatusCard>
      </div>

      <section className={styles.providers} aria-labelledby="providers-title">
        <h2 id="providers-title">Model providers</h2>
        <p className={styles.hint}>From real calls: nothing is sent to a provider just to check it.</p>
        {data && data.providers.length === 0 && <p className={styles.none}>No model provider is enabled: agents use the offline model.</p>}
        {data && data.providers.length > 0 && (
          <div className={`${styles.grid} ${styles.providerGrid}`}>
            {data.providers.map((p) => (
              <ProviderCard key={p.key} provider={p} />
            ))}
          </div>
        )}
      </section>

      <section className={styles.ping} aria-labelledby="ping-title">
        <h2 id="ping-title">Worker round trip</h2>
        <p className={styles.hint}>Sends a job through the queue and waits for the worker to answer.</p>
        {props.canPing ? (
          <button type="button" className="button" onClick={() => ping.mutate()} disabled={ping.isPending}>
            {ping.isPending ? "Pinging…" : "Ping worker"}
          </button>
        ) : (
          <p>
            <a href="/signin?callbackUrl=%2Fstatus">Sign in</a> to ping the worker.
          </p>
        )}
        <p className={styles.pingResult} role="status" aria-live="polite">
          {ping.isSuccess && (
            <>
              Round trip: <strong data-testid="ping-ms">{ping.data.roundTripMs} ms</strong>, answered by worker{" "}
              <code>{ping.data.workerId}</code>.
            </>
          )}
          {ping.isError && <span className={styles.error}>Ping failed: {ping.error.message}</span>}
        </p>
      </section>
    </div>
  );
}
