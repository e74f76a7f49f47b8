import Link from "next/link";

export default function HomePage() {
  return (
    <>
      <h1>Pantheon</h1>
      <p className="lede">
        A multi-agent AI chat workspace: keep a library of agents, put them in rooms, and watch them work together.
      </p>
      <div className="card">
        <p>
          Pantheon is running. The <Link href="/status">status page</Link> shows the health of the web app, the database, the
          job queue and the worker.
        </p>
      </div>
    </>
  );
}
