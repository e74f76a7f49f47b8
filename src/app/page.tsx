import Link from "next/link";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { HomeView } from "./home-view.tsx";

export default async function HomePage() {
  const user = await getCurrentUser();
  if (user) return <HomeView />;
  return (
    <>
      <h1>Pantheon</h1>
      <p className="lede">
        A multi-agent AI chat workspace: keep a library of agents, put them in rooms, and watch them work together.
      </p>
      <div className="card">
        <p>
          <Link href="/signin">Sign in</Link> to open your rooms. The <Link href="/status">status page</Link> shows the health of
          the web app, the database, the job queue and the worker.
        </p>
      </div>
    </>
  );
}
